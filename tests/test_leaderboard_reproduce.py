"""`maskft-bench leaderboard reproduce` and the marks its records give on the leaderboard.

The fast tests use the committed seed submission (no model runs: each stops before scoring, or
works on records); the slow one scores the default model on a 17-question suite, submits it,
reproduces it, and reproduces a copy with one response changed.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
from leaderboard_support import SEED, rescore, write

from maskft_bench.cli import main
from maskft_bench.leaderboard import build_leaderboard
from maskft_bench.leaderboard.errors import LeaderboardError
from maskft_bench.leaderboard.recompute import responses_sha256
from maskft_bench.leaderboard.reproduce import compare
from maskft_bench.leaderboard.reproductions import REPRODUCED_SHARE, record_path
from maskft_bench.suite.generate import SuiteOptions, generate_suite

KNOWLEDGE = "maskft_bio_forward,maskft_bio_reverse,maskft_namedesc_forward,maskft_namedesc_reverse"


def one_line_error(capsys, args: list[str]) -> str:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_compare_counts_identical_responses_per_task(seed_document, document):
    same = compare(seed_document["samples"], document["samples"])
    n = sum(len(log) for log in seed_document["samples"].values())
    assert (same["share"], same["identical"], same["compared"]) == (1.0, n, n)
    assert same["differences"] == []
    sample = document["samples"]["maskft_bio_reverse"][2]
    sample["filtered_resps"] = [sample["filtered_resps"][0] + " (changed)"]
    document["samples"]["maskft_namedesc_forward"].pop()  # a question not answered again
    changed = compare(seed_document["samples"], document["samples"])
    assert changed["identical"] == n - 2 and changed["share"] == (n - 2) / n
    bio = changed["tasks"]["maskft_bio_reverse"]
    assert bio["identical"] == bio["compared"] - 1
    assert [(d["task"], d["doc_id"]) for d in changed["differences"]] == [
        ("maskft_bio_reverse", sample["doc_id"]),
        ("maskft_namedesc_forward", len(document["samples"]["maskft_namedesc_forward"]))]


def record(document, share: float = 1.0, **change) -> dict:
    meta = document["metadata"]
    return {"id": meta["id"], "share": share, "responses_sha256": responses_sha256(
        document["samples"]), **change}


def board_with(tmp_path, document, *records: dict) -> str:
    subs = tmp_path / "leaderboard" / "submissions"
    subs.mkdir(parents=True)
    shutil.copy(SEED, subs)
    for rec in records:
        path = record_path(subs, rec["id"])
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(rec))
    readme, html = build_leaderboard(subs, tmp_path / "out")
    return readme.read_text() + html.read_text()


def test_a_reproduced_entry_is_marked_with_its_share(tmp_path, document):
    plain = board_with(tmp_path / "a", document)
    assert "| reproduced |" not in plain
    marked = board_with(tmp_path / "b", document, record(document, 1.0))
    assert "| yes (1.000) |" in marked and '"reproduced":true' in marked
    assert '"reproduction":1.0' in marked
    failed = board_with(tmp_path / "c", document, record(document, REPRODUCED_SHARE - 0.01))
    assert "| no (0.940) |" in failed and '"reproduced":false' in failed


@pytest.mark.parametrize("change, message", [
    ({"id": "smollm2-135m-instruct--base--000000000000"}, "names no accepted submission"),
    ({"responses_sha256": "0" * 64}, "other responses"),
    ({"share": 1.5}, "not a number in 0..1"),
    ({"share": "all"}, "not a number in 0..1"),
])
def test_a_record_that_fits_no_entry_stops_the_build(tmp_path, document, change, message):
    with pytest.raises(LeaderboardError, match=message):
        board_with(tmp_path, document, record(document, **change))


def tampered(document, tmp_path, **summary) -> str:
    document["summary"].update(summary)
    (tmp_path / "subs").mkdir(exist_ok=True)
    return str(write(document, tmp_path / "subs"))


def test_errors_are_one_line_before_any_model_runs(tmp_path, document, capsys):
    gone = tmp_path / "gone"
    path = tampered(document, tmp_path, model={"name_or_path": str(gone), "local": True,
                                               "content_sha256": None, "revision": None})
    subs = ["--submissions", str(tmp_path / "subs")]
    assert "model directory" in one_line_error(capsys, ["leaderboard", "reproduce", path, *subs])
    assert f"{gone} does not exist" in one_line_error(
        capsys, ["leaderboard", "reproduce", path, "--model", str(gone), *subs])
    path = tampered(document, tmp_path, backend="tgi")
    assert "backend 'tgi'" in one_line_error(capsys, ["leaderboard", "reproduce", path, *subs])
    document["summary"]["scores"]["forward"]["value"] += 0.1
    forged = str(write(document, tmp_path, "forged.json.gz"))
    assert "rejected by the leaderboard's rules" in one_line_error(
        capsys, ["leaderboard", "reproduce", forged, *subs])
    assert not (tmp_path / "reproductions").exists()


def test_an_unreachable_hub_id_is_one_line_in_a_real_process(tmp_path, document):
    path = tampered(document, tmp_path, model={"name_or_path": "no-such-org/no-such-model",
                                               "local": False, "content_sha256": None,
                                               "revision": None})
    result = subprocess.run(
        [sys.executable, "-m", "maskft_bench.cli", "leaderboard", "reproduce", path,
         "--submissions", str(tmp_path / "subs")], capture_output=True, text=True, timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert "'no-such-org/no-such-model' is neither a local directory nor reachable" in result.stderr


@pytest.mark.slow
def test_reproduce_the_default_model_end_to_end(tmp_path, capsys):
    """Score, submit, reproduce: every response comes back (same machine, libraries, batch size
    and dtype, so greedy decoding repeats itself exactly). Then one submitted response is
    changed (numbers rescored, so the file stays valid): the share drops by one answer."""
    from maskft_bench.models import default_model_dir

    suite, score, subs = tmp_path / "suite", tmp_path / "score", tmp_path / "lb" / "submissions"
    generate_suite(suite, SuiteOptions(seed=5, bio_people=1, namedesc=1, paraphrases=1,
                                       math_train=1, math_val=1, math_test=1), quiet=True)
    assert main(["score", "--model", str(default_model_dir()), "--suite", str(suite), "--out",
                 str(score), "--tasks", KNOWLEDGE, "--backend", "hf", "--dtype", "bfloat16"]) == 0
    assert main(["submit", "--results", str(score), "--method", "base", "--base-model",
                 "SmolLM2-135M-Instruct", "--out", str(subs)]) == 0
    submitted = next(subs.iterdir())
    capsys.readouterr()
    assert main(["leaderboard", "reproduce", str(submitted), "--submissions", str(subs)]) == 0
    assert "reproduced (1.000 of the responses identical" in capsys.readouterr().out
    saved = json.loads(record_path(subs, submitted.name.removesuffix(".json.gz")).read_text())
    assert (saved["share"], saved["identical"], saved["compared"]) == (1.0, 17, 17)
    assert saved["reproduced"] and saved["model"]["same_weights"]
    readme, _ = build_leaderboard(subs, tmp_path / "lb")
    assert "| yes (1.000) |" in readme.read_text()

    from maskft_bench.leaderboard.archive import read_submission

    document = read_submission(submitted)
    sample = document["samples"]["maskft_bio_forward"][0]
    sample["resps"] = [[sample["resps"][0][0] + " Paris"]]
    sample["filtered_resps"] = [sample["resps"][0][0]]
    rescore(document)
    other = tmp_path / "other" / "submissions"
    other.mkdir(parents=True)
    forged = write(document, other)
    assert main(["leaderboard", "reproduce", str(forged), "--submissions", str(other)]) == 0
    again = json.loads(record_path(other, document["metadata"]["id"]).read_text())
    assert (again["identical"], again["compared"]) == (16, 17) and not again["reproduced"]
    changed = again["differences"][0]
    assert (changed["task"], changed["doc_id"]) == ("maskft_bio_forward", sample["doc_id"])
