"""`maskft-bench submit` and the leaderboard CLI, on score directories rebuilt from the seed entry."""

import json
import re
import shutil

import pytest
from leaderboard_support import (
    SEED,
    answer_correctly,
    drop_task,
    score_dir,
    with_retention,
    write,
)

from maskft_bench.cli import main
from maskft_bench.leaderboard import (
    LeaderboardError,
    SubmissionMeta,
    build_leaderboard,
    create_submission,
    validate_submissions,
)
from maskft_bench.leaderboard.archive import read_submission

META = SubmissionMeta(method="masked", base_model="SmolLM2-135M-Instruct", training_tokens=91424,
                      training_flops=7.4e13, paraphrases=0, notes="test", recipe="train/cpu-demo.yaml",
                      seed=0)


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_submit_writes_a_file_the_validator_accepts(document, tmp_path):
    path = create_submission(score_dir(document, tmp_path / "score"), tmp_path / "subs", META)
    assert path.parent == tmp_path / "subs" and path.name.startswith("smollm2-135m-instruct--masked--")
    [verdict] = validate_submissions([path])
    assert verdict.accepted, verdict.line()
    written = read_submission(path)
    assert written["metadata"]["model_name"] == "SmolLM2-135M-Instruct"  # from the model path
    assert written["metadata"]["date"] == "2026-11-27"  # the day lm-eval scored it
    assert written["metadata"]["training_tokens"] == 91424
    assert written["samples"] == document["samples"]
    assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_submit_is_reproducible_and_refuses_a_second_copy(document, tmp_path):
    results = score_dir(document, tmp_path / "score")
    first = create_submission(results, tmp_path / "a", META)
    again = create_submission(results, tmp_path / "b", META)
    assert first.read_bytes() == again.read_bytes()
    with pytest.raises(LeaderboardError, match=r"\[duplicate\] the same responses as"):
        create_submission(results, tmp_path / "a", SubmissionMeta(method="other", base_model="x"))


def test_old_summaries_get_the_shipped_suites_options(document, tmp_path):
    results = score_dir(document, tmp_path / "score", suite_options=False)
    path = create_submission(results, tmp_path / "subs", META)
    assert read_submission(path)["summary"]["suite_options"]["seed"] == 0


def test_old_summaries_and_another_suite_are_refused(document, tmp_path, small_suite):
    results = score_dir(document, tmp_path / "score", suite_options=False)
    meta = SubmissionMeta(method="masked", base_model="b", suite_dir=small_suite)
    with pytest.raises(LeaderboardError, match="differs from the one that was scored"):
        create_submission(results, tmp_path / "subs", meta)


def test_submit_refuses_what_validate_would_reject(document, tmp_path):
    document["summary"]["limit"] = 10
    results = score_dir(document, tmp_path / "score")
    with pytest.raises(LeaderboardError, match=r"\[complete\].*--limit 10"):
        create_submission(results, tmp_path / "subs", META)
    assert not (tmp_path / "subs").exists() or not any((tmp_path / "subs").iterdir())


def test_submit_packs_the_baseline_retention_log(document, tmp_path):
    base = score_dir(document, tmp_path / "base")
    tuned = with_retention(answer_correctly(document, "maskft_bio_forward", 300), document)
    results = score_dir(tuned, tmp_path / "tuned")
    with pytest.raises(LeaderboardError, match="not readable"):
        create_submission(results, tmp_path / "subs", META)  # the recorded baseline path is gone
    with pytest.raises(LeaderboardError, match=r"\[retention-baseline\]"):
        create_submission(results, tmp_path / "subs", META, baseline_dir=base)  # no base entry
    (tmp_path / "subs").mkdir()
    shutil.copy(SEED, tmp_path / "subs")
    path = create_submission(results, tmp_path / "subs", META, baseline_dir=base)
    [verdict] = validate_submissions([path], against=[SEED])
    assert verdict.accepted and verdict.entry.retention == 1.0


def test_cli_submit_validate_build(document, tmp_path, capsys):
    results = score_dir(answer_correctly(document, "maskft_bio_forward", 300),
                        tmp_path / "score")
    subs, out = tmp_path / "subs", tmp_path / "board"
    code, stdout, _ = run_cli(capsys, "submit", "--results", results, "--method", "standard",
                              "--base-model", "SmolLM2-135M-Instruct", "--model-name", "my run",
                              "--training-tokens", "1000", "--out", subs)
    assert code == 0
    path = subs / stdout.strip().splitlines()[-1].split("/")[-1]
    assert path.exists()

    code, stdout, _ = run_cli(capsys, "leaderboard", "validate", "--submissions", subs)
    assert (code, stdout) == (0, f"accepted {path}\n")
    code, stdout, _ = run_cli(capsys, "leaderboard", "validate", SEED, "--submissions", subs)
    assert code == 0 and stdout.startswith("accepted")

    code, stdout, _ = run_cli(capsys, "leaderboard", "build", "--submissions", subs, "--out", out)
    assert code == 0 and stdout.split() == [str(out / "README.md"), str(out / "index.html")]
    assert "| 1 | my run | standard |" in (out / "README.md").read_text()
    assert (out / "vendor" / "chart.js" / "chart.umd.min.js").exists()


def test_a_diffusion_score_is_shown_as_diffusion(document, tmp_path):
    """summary.json's model_family travels into the submission, README.md and the page's data;
    the seed entry's summary predates it and counts as autoregressive."""
    subs, out = tmp_path / "subs", tmp_path / "board"
    subs.mkdir()
    shutil.copy(SEED, subs)
    dllm = answer_correctly(document, "maskft_bio_forward", 300)  # not a near-duplicate
    dllm["summary"]["model_family"] = "diffusion"
    path = create_submission(score_dir(dllm, tmp_path / "score"), subs, SubmissionMeta(
        method="dllm", base_model="tiny-dllm", model_name="my diffusion model"))
    assert read_submission(path)["summary"]["model_family"] == "diffusion"
    build_leaderboard(subs, out)
    board = (out / "README.md").read_text()
    assert "| 1 | my diffusion model | dllm | diffusion | " in board
    assert "| 2 | SmolLM2-135M-Instruct | base | autoregressive | " in board
    data = re.search(r'<script type="application/json" id="leaderboard-data">(.*?)</script>',
                     (out / "index.html").read_text(), re.S).group(1)
    families = {e["model_name"]: e["family"] for e in json.loads(data)["entries"]}
    assert families == {"my diffusion model": "diffusion", "SmolLM2-135M-Instruct": "autoregressive"}


def test_cli_rejections_and_errors(document, tmp_path, capsys):
    subs = tmp_path / "subs"
    subs.mkdir()
    document["summary"]["task_hashes"]["maskft_gsm"] = "f" * 64
    bad = write(document, subs)
    code, stdout, _ = run_cli(capsys, "leaderboard", "validate", "--submissions", subs)
    assert code == 1 and stdout.startswith(f"rejected {bad} [task-hash]: maskft_gsm")

    code, _, stderr = run_cli(capsys, "leaderboard", "build", "--submissions", subs, "--out",
                              tmp_path / "board")
    assert code == 2 and "refusing to build" in stderr and bad.name in stderr
    assert not (tmp_path / "board").exists()

    code, _, stderr = run_cli(capsys, "submit", "--results", tmp_path / "nothing", "--method", "m",
                              "--base-model", "b", "--out", subs)
    assert code == 2 and stderr.count("\n") == 1 and "summary.json" in stderr


def test_cli_validate_counts_duplicates_against_the_board(document, tmp_path, capsys):
    subs = tmp_path / "subs"
    subs.mkdir()
    write(json.loads(json.dumps(document)), subs)
    document["metadata"]["model_name"] = "copy"
    candidate = write(document, tmp_path)
    code, stdout, _ = run_cli(capsys, "leaderboard", "validate", candidate, "--submissions", subs)
    assert code == 1 and "[duplicate]" in stdout


def test_nan_in_lm_evals_files_becomes_null(document, tmp_path):
    document["results"]["results"]["maskft"]["contains_stderr,none"] = float("nan")
    path = create_submission(score_dir(document, tmp_path / "score"), tmp_path / "subs", META)
    assert read_submission(path)["results"]["results"]["maskft"]["contains_stderr,none"] is None


def test_a_pipeline_run_without_math(document, tmp_path):
    """What `maskft-bench run cpu-default` submits: no math, retention against its base score."""
    drop_task(document, "maskft_gsm")
    base = score_dir(document, tmp_path / "scores" / "base")
    tuned = with_retention(answer_correctly(document, "maskft_bio_reverse", 300), document)
    tuned["summary"]["retention"]["baseline"] = str(base)
    subs = tmp_path / "leaderboard" / "submissions"
    for name, doc in (("base", document), ("masked", tuned)):
        results = base if name == "base" else score_dir(doc, tmp_path / "scores" / name)
        create_submission(results, subs, SubmissionMeta(
            method=name, base_model="SmolLM2-135M-Instruct", model_name=f"mini-seed0-{name}",
            training_tokens=0 if name == "base" else 5000, notes="maskft-bench run mini, seed 0",
            recipe="mini.yaml", seed=0, suite_dir=tmp_path / "unused"))
    build_leaderboard(subs, tmp_path / "leaderboard")
    board = (tmp_path / "leaderboard" / "README.md").read_text()
    assert "## Suite `default`, without math" in board and "| knowledge |" in board
    assert board.index("mini-seed0-masked") < board.index("mini-seed0-base")
