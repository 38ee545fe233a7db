"""`maskft-bench run` end to end on a miniature recipe with the real default model.

Real generator, trainer, lm-eval scoring, submissions, leaderboard and report; only the sizes
are small (4 biographies, 2 methods, 2 epochs) so that it takes minutes on a 2-core CPU.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from maskft_bench.leaderboard import validate_submissions

pytestmark = pytest.mark.slow

MINI = {
    "name": "mini",
    "seeds": [0],
    "methods": ["standard", "masked"],
    "suite": {"bio_people": 4, "namedesc": 2, "paraphrases": 1, "math_train": 2, "math_val": 1,
              "math_test": 2},
    "train": {"datasets": ["bio", "namedesc"], "epochs": 2, "batch_size": 4,
              "learning_rate": 3e-4, "max_length": 256, "eval_every": 2, "val_items": 8,
              "val_max_new_tokens": 16, "save_every": 1000, "logging_steps": 1},
    "score": {"tasks": ["maskft_bio_forward", "maskft_bio_reverse", "maskft_namedesc_forward",
                        "maskft_namedesc_reverse", "maskft_retention"],
              "batch_size": "64", "dtype": "bfloat16"},
}


def _run(recipe: Path, out: Path) -> list[str]:
    proc = subprocess.run([sys.executable, "-m", "maskft_bench.cli", "run", str(recipe),
                           "--out", str(out)], capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [line for line in proc.stderr.splitlines() if line.startswith("[")]


@pytest.fixture(scope="module")
def pipeline_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("pipeline")
    recipe = root / "mini.yaml"
    recipe.write_text(yaml.safe_dump(MINI))
    out = root / "out"
    return recipe, out, _run(recipe, out)


def test_every_stage_ran_with_progress_lines(pipeline_run):
    _, _, lines = pipeline_run
    done = [line for line in lines if ": done in " in line]
    assert len(done) == 1 + 3 * 2 + 2  # suite, 3 scores + 3 submissions, 2 trainings
    assert all(" | elapsed " in line and " | left " in line for line in done)
    assert lines[-1].startswith("[run] done in ")


def test_artifacts_exist_and_parse(pipeline_run):
    _, out, _ = pipeline_run
    seed = out / "seed-0"
    assert json.loads((seed / "suite" / "manifest.json").read_text())["options"]["bio_people"] == 4
    for method in ("standard", "masked"):
        meta = json.loads((seed / "runs" / method / "final" / "maskft-train.json").read_text())
        assert meta["method"] == method and meta["tokens_seen"] > 0
        assert any("validation" in json.loads(line)
                   for line in (seed / "runs" / method / "metrics.jsonl").read_text().splitlines())
    for name in ("base", "standard", "masked"):
        summary = json.loads((seed / "scores" / name / "summary.json").read_text())
        assert {"forward", "reverse"} <= set(summary["scores"])
        assert (summary["retention"] is None) == (name == "base")

    submissions = sorted((out / "leaderboard" / "submissions").glob("*.json.gz"))
    assert len(submissions) == 3
    assert all(v.accepted for v in validate_submissions(submissions)), \
        [v.message for v in validate_submissions(submissions)]
    methods = {json.loads(gzip.decompress(p.read_bytes()))["metadata"]["method"]
               for p in submissions}
    assert methods == {"base", "standard", "masked"}
    board = (out / "leaderboard" / "README.md").read_text()
    assert "mini-seed0-masked" in board
    assert "<html" in (out / "leaderboard" / "index.html").read_text().lower()

    report = (out / "report.md").read_text()
    for needle in ("| base |", "| standard |", "| masked |", "## What the numbers say",
                   "Seeds: 0"):
        assert needle in report, needle
    import matplotlib.image

    figures = sorted((out / "figures").glob("*.png"))
    assert {p.name for p in figures} == {"val_curves.png", "test_scores.png",
                                         "accuracy_vs_tokens.png", "retention.png"}
    for figure in figures:
        assert f"figures/{figure.name}" in report
        assert matplotlib.image.imread(figure).shape[0] > 200


def test_rerun_skips_finished_stages_and_redoes_only_what_is_missing(pipeline_run):
    recipe, out, _ = pipeline_run
    summary = out / "seed-0" / "scores" / "standard" / "summary.json"
    before = summary.stat().st_mtime_ns
    lines = _run(recipe, out)
    assert not [line for line in lines if ": running" in line]
    assert sum("already done, skipped" in line for line in lines) == 9
    assert summary.stat().st_mtime_ns == before

    submitted = json.loads((out / "leaderboard" / "submitted.json").read_text())
    (out / "leaderboard" / "submissions" / submitted["0/masked"]["file"]).unlink()
    lines = _run(recipe, out)
    ran = [line.split("] ", 1)[1].split(":")[0] for line in lines if ": running" in line]
    assert ran == ["submit masked (seed 0)"]
    assert len(list((out / "leaderboard" / "submissions").glob("*.json.gz"))) == 3


def test_a_packed_run_continues_elsewhere_without_its_weights(pipeline_run, tmp_path):
    """--pack carries the finished stages (no weights) and --unpack resumes from them: a
    training run whose model was not scored stays behind and is the only work left."""
    recipe, out, _ = pipeline_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    shutil.rmtree(copy / "seed-0" / "scores" / "masked")  # masked trained, not scored yet
    archive = tmp_path / "state.tar.gz"
    cli = [sys.executable, "-m", "maskft_bench.cli", "run", str(recipe)]
    proc = subprocess.run([*cli, "--out", str(copy), "--pack", str(archive)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert archive.stat().st_size < 2 * 2**20  # the weights stayed behind

    elsewhere = tmp_path / "elsewhere"
    from maskft_bench.pipeline import carry, load
    from maskft_bench.pipeline.layout import Layout

    carry.unpack(archive, load(str(recipe))[0], Layout(elsewhere))
    assert not list(elsewhere.rglob("*.safetensors"))
    assert not (elsewhere / "seed-0" / "runs" / "masked").exists()
    proc = subprocess.run([*cli, "--out", str(elsewhere), "--dry-run"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    to_run = [line.split("] ", 1)[1].split(":")[0] for line in proc.stdout.splitlines()
              if line.endswith(": to run")]
    assert to_run == ["train masked (seed 0)", "score masked (seed 0)", "submit masked (seed 0)"]
