"""Headline arithmetic, retention and fail-fast input checks of `maskft-bench score` (no model run)."""

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from maskft_bench.cli import main
from maskft_bench.scoring import summary as S
from maskft_bench.scoring.errors import ScoreError
from maskft_bench.scoring.model_check import check_model
from maskft_bench.suite.fingerprint import suite_fingerprint


def rows(**accuracies):
    return {f"maskft_{k}": {"accuracy": v, "accuracy_stderr": 0.1} for k, v in accuracies.items()}


def test_headlines_average_the_right_tasks():
    r = rows(bio_forward=0.8, namedesc_forward=0.4, bio_reverse=0.1, namedesc_reverse=0.3, gsm=0.5)
    h = S.headlines(r, "maskft")
    assert h["forward"]["value"] == pytest.approx(0.6)
    assert h["reverse"]["value"] == pytest.approx(0.2)
    assert h["math"]["value"] == pytest.approx(0.5)
    assert h["aggregate"]["value"] == pytest.approx((0.8 + 0.4 + 0.1 + 0.3 + 0.5) / 5)
    # Mean of two independent means: sqrt(0.1^2 + 0.1^2) / 2.
    assert h["forward"]["stderr"] == pytest.approx(math.sqrt(0.02) / 2)


def test_headline_is_left_out_when_a_task_is_missing():
    h = S.headlines(rows(bio_forward=1.0, namedesc_forward=1.0), "maskft")
    assert set(h) == {"forward"}


def test_per_dataset_scores_are_the_cells_the_headlines_average():
    r = rows(bio_forward=0.9, namedesc_forward=0.1, bio_reverse=0.02, namedesc_reverse=0.88, gsm=0.5)
    r["maskft_bio_reverse"]["accuracy_stderr"] = None  # lm-eval's N/A
    block = S.per_dataset(r, "maskft")
    assert block == {
        "bio": {"forward": {"value": 0.9, "stderr": 0.1}, "reverse": {"value": 0.02, "stderr": None}},
        "namedesc": {"forward": {"value": 0.1, "stderr": 0.1},
                     "reverse": {"value": 0.88, "stderr": 0.1}},
    }
    h = S.headlines(r, "maskft")
    for direction in S.DIRECTIONS:
        parts = [block[d][direction]["value"] for d in S.DATASETS]
        assert h[direction]["value"] == sum(parts) / len(parts)
    assert h["reverse"]["stderr"] is None  # one part has none, so the mean has none


def test_per_dataset_leaves_out_what_was_not_scored():
    block = S.per_dataset(rows(bio_forward=0.5, bio_reverse=0.25, namedesc_forward=1.0, gsm=0.5),
                          "maskft")
    assert block == {"bio": {"forward": {"value": 0.5, "stderr": 0.1},
                             "reverse": {"value": 0.25, "stderr": 0.1}},
                     "namedesc": {"forward": {"value": 1.0, "stderr": 0.1}}}
    assert S.per_dataset(rows(gsm=0.5), "maskft") == {}


@pytest.mark.parametrize(("split", "prefix"), [("test", "maskft"), ("val", "maskftval")])
def test_a_summary_without_the_datasets_block_derives_it_from_its_task_rows(split, prefix):
    tasks = {f"{prefix}_{name}": {"accuracy": value, "accuracy_stderr": 0.05}
             for name, value in [("bio_forward", 0.7), ("bio_reverse", 0.1),
                                 ("namedesc_forward", 0.6), ("namedesc_reverse", 0.3)]}
    old = {"split": split, "tasks": tasks}  # written before the block existed
    derived = S.dataset_scores(old)
    assert derived["bio"]["reverse"] == {"value": 0.1, "stderr": 0.05}
    assert derived["namedesc"]["forward"] == {"value": 0.6, "stderr": 0.05}
    assert S.dataset_scores({**old, "datasets": {"bio": {}}}) == {"bio": {}}  # the block wins


def test_the_printed_summary_shows_each_dataset():
    from maskft_bench.scoring.run import format_summary  # imports torch

    r = rows(bio_forward=0.9, namedesc_forward=0.1, bio_reverse=0.02, namedesc_reverse=0.88)
    summary = {"split": "test", "tasks": r, "scores": S.headlines(r, "maskft"), "retention": None,
               "limit": None, "model": {"name_or_path": "m"}, "backend": "hf", "device": "cpu",
               "wall_seconds": 1.0, "tokens_generated": 10}
    text = format_summary(summary)
    assert "| forward | 0.500 | 0.071 |" in text
    assert "| bio reverse | 0.020 | 0.100 |" in text and "| namedesc reverse | 0.880 | 0.100 |" in text


def test_retention_counts_only_what_the_base_model_got_right():
    baseline = {"a": 1.0, "b": 1.0, "c": 0.0, "d": 0.5, "e": 1.0}
    current = {"a": 1.0, "b": 0.0, "c": 1.0, "d": 1.0}  # "e" not scored now (a --limit run)
    assert S.retention(current, baseline) == {"value": 0.5, "kept": 1, "base_correct": 2,
                                              "compared": 4}


def test_retention_needs_the_baseline_to_cover_every_item():
    with pytest.raises(ScoreError, match="did not score retention items .'b'."):
        S.retention({"a": 1.0, "b": 1.0}, {"a": 1.0})


def test_retention_needs_a_base_model_that_got_something_right():
    with pytest.raises(ScoreError, match="answered none of these retention questions"):
        S.retention({"a": 1.0}, {"a": 0.0})


SHIPPED = json.loads((Path(S.__file__).parents[2] / "tasks" / "manifest.json").read_text())


def baseline(directory: Path, **fields) -> Path:
    """A base model's score directory as `maskft-bench score` leaves it: summary.json and a
    retention log of one correct item."""
    summary = {"suite_version": SHIPPED["suite_version"], "suite_fingerprint":
               suite_fingerprint(SHIPPED), "limit": None,
               "files": {"samples": {"maskft_retention": "s.jsonl"}}, **fields}
    directory.mkdir(exist_ok=True)
    (directory / "summary.json").write_text(json.dumps(summary))
    (directory / "s.jsonl").write_text(json.dumps({"doc": {"id": "x"}, "accuracy": 1.0}) + "\n")
    return directory


@pytest.mark.parametrize(("base_limit", "limit", "ok"),
                         [(5, None, False), (5, 6, False), (5, 5, True), (None, 3, True)])
def test_baseline_must_cover_this_runs_limit(tmp_path, base_limit, limit, ok):
    baseline(tmp_path, limit=base_limit)
    if ok:
        assert S.load_baseline_retention(tmp_path, SHIPPED, limit) == {"x": 1.0}
    else:
        with pytest.raises(ScoreError, match="was scored with --limit 5"):
            S.load_baseline_retention(tmp_path, SHIPPED, limit)


def test_baseline_from_another_suite_version_is_refused(tmp_path):
    baseline(tmp_path, suite_version="0.9.0")
    with pytest.raises(ScoreError, match="scored on suite 0.9.0"):
        S.load_baseline_retention(tmp_path, SHIPPED, None)


def test_baseline_from_another_suite_of_the_same_version_is_refused(tmp_path, manifest):
    """The small suite (another seed, other sizes) shares the shipped suite's version, not its
    fingerprint; the message names both."""
    baseline(tmp_path, suite_fingerprint=suite_fingerprint(manifest))
    with pytest.raises(ScoreError) as refused:
        S.load_baseline_retention(tmp_path, SHIPPED, None)
    message = str(refused.value)
    assert f"fingerprint {suite_fingerprint(manifest)[:16]}, not this one's " \
           f"{suite_fingerprint(SHIPPED)[:16]}" in message and "\n" not in message


def test_baseline_written_before_fingerprints_is_held_to_its_task_hashes(tmp_path, manifest):
    hashes = {t: SHIPPED["tasks"][t]["sha256"] for t in ("maskft_retention", "maskft_gsm")}
    baseline(tmp_path, suite_fingerprint=None, task_hashes=hashes)
    assert S.load_baseline_retention(tmp_path, SHIPPED, None) == {"x": 1.0}
    with pytest.raises(ScoreError, match="its maskft_gsm has hash"):
        S.load_baseline_retention(tmp_path, manifest, None)
    baseline(tmp_path, suite_fingerprint=None, task_hashes={})
    with pytest.raises(ScoreError, match="its maskft_retention has hash None"):
        S.load_baseline_retention(tmp_path, SHIPPED, None)


def test_score_refuses_a_baseline_of_another_suite_before_loading_a_model(tmp_path, manifest,
                                                                          small_suite):
    from maskft_bench.models import default_model_dir

    base = baseline(tmp_path / "base")  # scored on the shipped suite
    done = subprocess.run(
        [sys.executable, "-m", "maskft_bench.cli", "score", "--model", str(default_model_dir()),
         "--suite", str(small_suite), "--baseline", str(base), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"not this one's {suite_fingerprint(manifest)[:16]}" in lines[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("hub_id", ["meta-llama/Llama-3.2-1B-Instruct", "gpt2"])
def test_hub_ids_pass_through(hub_id):
    info = check_model(hub_id, chat_template=True)
    assert not info.local and info.content_sha256 is None


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "does not exist"),
        (lambda d: d.mkdir(), "not a model directory (no config.json)"),
        (lambda d: (d.mkdir(), (d / "config.json").write_text("{not json")), "not JSON"),
        (lambda d: (d.mkdir(), (d / "config.json").write_text("{}")), "no weight files"),
        (lambda d: (d.mkdir(), (d / "config.json").write_text("{}"),
                    (d / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{")),
         "corrupt or truncated"),
    ],
)
def test_bad_model_directories_fail_before_any_engine_starts(tmp_path, capsys, setup, message):
    model = tmp_path / "model"
    setup(model)
    out = tmp_path / "out"
    code = main(["score", "--model", str(model), "--out", str(out)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0]
    assert not out.exists()


@pytest.mark.slow
def test_tokenizer_without_chat_template(tmp_path, capsys):
    from maskft_bench.models import default_model_dir

    source = default_model_dir()
    model = tmp_path / "model"
    model.mkdir()
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json"):
        shutil.copy(source / name, model / name)
    (model / "model.safetensors").symlink_to(source / "model.safetensors")
    code = main(["score", "--model", str(model), "--out", str(tmp_path / "out")])
    assert code == 2 and "has no chat template" in capsys.readouterr().err


def test_unknown_task_suggests_close_names(tmp_path, capsys):
    code = main(["score", "--model", "org/model", "--out", str(tmp_path / "o"),
                 "--tasks", "maskft_bio_fwd"])
    err = capsys.readouterr().err
    assert code == 2 and "unknown task 'maskft_bio_fwd'; did you mean maskft_bio_forward" in err


def test_non_empty_out_is_refused(tmp_path, capsys):
    (tmp_path / "x").write_text("")
    code = main(["score", "--model", "org/model", "--out", str(tmp_path)])
    assert code == 2 and "--overwrite" in capsys.readouterr().err
