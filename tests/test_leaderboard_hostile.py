"""The hostile-submissions set (hostile_submissions.py): every tampered copy of a shipped
submission is rejected, by the rule meant to catch it, in one short line; the originals pass;
a small file cannot make the validator spend gigabytes or minutes."""

import copy
import itertools
import json
import subprocess
import sys

import pytest
from cost_support import cost
from hostile_submissions import BASE, HOSTILE, SOURCE, board, make_all
from leaderboard_support import SUBMISSIONS, rescore, write

from maskft_bench.leaderboard import validate_submissions
from maskft_bench.leaderboard.archive import read_submission
from maskft_bench.leaderboard.build import submission_files
from maskft_bench.leaderboard.limits import MAX_MESSAGE_CHARS, SUITE_OPTION_MAX
from maskft_bench.leaderboard.similarity import NEAR_DUPLICATE_SHARE, answers, identical_share
from maskft_bench.leaderboard.suites import parse_options, question_counts
from maskft_bench.suite.generate import SuiteOptions
from maskft_bench.tasks_registry import tasks_dir

BIO = "maskft_bio_forward"


@pytest.fixture(scope="module")
def source() -> dict:
    return read_submission(SOURCE)


@pytest.fixture(scope="module")
def files(source, tmp_path_factory) -> dict:
    """Every hostile file, made once for the module (the largest are tens of MB of JSON)."""
    return make_all(tmp_path_factory.mktemp("hostile"), source)


def test_the_originals_are_accepted(source):
    base, masked = validate_submissions([BASE, SOURCE])
    assert base.accepted and masked.accepted, (base.line(), masked.line())
    # retention is the one recomputed against the base entry, and the file's own claim agrees
    assert masked.entry.retention == pytest.approx(source["summary"]["retention"]["value"])
    assert base.entry.retention is None


@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.name for h in HOSTILE])
def test_a_hostile_submission_is_rejected(hostile, files):
    [verdict] = validate_submissions([files[hostile.name]], against=list(hostile.board))
    line = verdict.line()
    assert not verdict.accepted, line
    assert verdict.rule == hostile.rule, line
    assert "\n" not in line
    assert len(verdict.message) <= MAX_MESSAGE_CHARS


def test_the_set_has_at_least_twenty_kinds():
    assert len({h.name for h in HOSTILE}) == len(HOSTILE) >= 20
    assert len({h.rule for h in HOSTILE}) >= 12


def test_the_cli_rejects_the_set_one_line_each(files, tmp_path):
    """One `leaderboard validate` over every hostile file meant for the default board: one
    line each, exit code 1, no traceback."""
    on_default_board = [str(files[h.name]) for h in HOSTILE if h.board == (SOURCE, BASE)]
    result = subprocess.run(
        [sys.executable, "-m", "maskft_bench.cli", "leaderboard", "validate", *on_default_board,
         "--submissions", str(board(tmp_path / "board"))],
        capture_output=True, text=True, timeout=900)
    lines = result.stdout.splitlines()
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert len(lines) == len(on_default_board)
    assert all(line.startswith("rejected ") for line in lines), result.stdout
    assert max(len(line) for line in lines) < 2 * MAX_MESSAGE_CHARS + 100


def test_a_small_file_costs_little_memory_and_time(files, tmp_path):
    """The bounded-cost kinds, each validated by a fresh process whose own peak memory and CPU
    time are read from the kernel (cost_support.py)."""
    costly = [h for h in HOSTILE if h.rule in ("structure", "file-size", "format")
              or "50 MB" in h.name]
    paths = [str(files[h.name]) for h in costly]
    used = cost([sys.executable, "-m", "maskft_bench.cli", "leaderboard", "validate", *paths,
                 "--submissions", str(board(tmp_path / "board"))])
    assert used["exit"] == 1
    # measured on the project's 2-core CPU: about 400 MiB and 10 s of CPU for the whole set
    assert used["peak_mib"] < 1024, f"peak memory {used['peak_mib']:.0f} MiB"
    assert used["cpu_s"] < 60, f"{used['cpu_s']:.1f} s of CPU"


def test_validate_with_nothing_to_check_is_an_error(tmp_path):
    for directory in (tmp_path / "empty", tmp_path / "missing"):
        (tmp_path / "empty").mkdir(exist_ok=True)
        result = subprocess.run([sys.executable, "-m", "maskft_bench.cli", "leaderboard",
                                 "validate", "--submissions", str(directory)],
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 2
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert "no submissions to check" in result.stderr and "Traceback" not in result.stderr


def test_counts_from_the_options_are_the_generators(manifest):
    """The complete rule counts questions from the options before regenerating anything."""
    shipped = json.loads((tasks_dir() / "manifest.json").read_text())
    for suite in (manifest, shipped):
        counts = question_counts(parse_options(suite["options"], suite["suite_version"]))
        assert counts == {t: info["items"] for t, info in suite["tasks"].items() if t in counts}
        assert len(counts) == 6


def test_the_committed_entries_are_far_from_near_duplicates():
    """similarity.py's threshold rests on this: different models on one suite, even two
    checkpoints of one training trajectory, share at most 70% of their ranked responses."""
    entries = [(d["summary"]["suite_options"], answers(d["samples"])) for d in
               map(read_submission, submission_files(SUBMISSIONS))]
    shares = [identical_share(a, b) for (sa, a), (sb, b) in itertools.combinations(entries, 2)
              if sa == sb]
    assert shares and max(shares) <= 0.70 < NEAR_DUPLICATE_SHARE


def test_a_different_model_below_the_share_is_accepted(source, tmp_path):
    """A submission with 12% of its answers changed is a different model, not a
    near-duplicate."""
    changed = copy.deepcopy(source)
    total = sum(len(log) for log in changed["samples"].values())
    log = sorted(changed["samples"][BIO], key=lambda s: s["doc_id"])
    for sample in log[:int(0.12 * total)]:
        text = sample["filtered_resps"][0] + " (sure)"
        sample["resps"], sample["filtered_resps"] = [[text]], [text]
    rescore(changed)
    [verdict] = validate_submissions([write(changed, tmp_path)], against=[SOURCE, BASE])
    assert verdict.accepted, verdict.line()
    assert identical_share(answers(changed["samples"]), answers(source["samples"])) < 0.9


@pytest.mark.slow
def test_regenerating_the_largest_allowed_suite_is_bounded(tmp_path):
    """The worst suite a submission may name: what the validator pays to regenerate it."""
    options = {k: v for k, v in SUITE_OPTION_MAX.items() if k != "seed"}
    code = ("from maskft_bench.leaderboard.suites import regenerate\n"
            "from maskft_bench.suite.generate import SuiteOptions\n"
            f"regenerate(SuiteOptions(**{options!r}))\n")
    used = cost([sys.executable, "-c", code])
    assert used["exit"] == 0
    assert used["peak_mib"] < 1024
    assert used["cpu_s"] < 60
    assert SuiteOptions(**options).bio_people == SUITE_OPTION_MAX["bio_people"]
