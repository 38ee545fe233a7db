"""Hostile input to train, score, run, submit and generate, through the real CLI (subprocess).

Every case must fail before a model loads or a file is written: exit code 2, one line on
stderr naming the value and what is accepted, no traceback, nothing left behind and nothing
deleted. Cases that --overwrite must refuse to delete also pass an invalid model, so that a
broken check fails the test on its message instead of deleting anything. Issue 12's "Data loss"
and "Late failure" examples are all here; the few that need a model are marked slow.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from maskft_bench.leaderboard.limits import SUITE_OPTION_MAX
from maskft_bench.outlock import exclusive

MINI = {"name": "mini", "seeds": [0], "methods": ["standard", "masked"],
        "suite": {"bio_people": 4, "namedesc": 1, "paraphrases": 0, "math_train": 2,
                  "math_val": 1, "math_test": 1},
        "train": {"epochs": 1, "batch_size": 4}}


def cli(*args: object, cwd: Path, env: dict[str, str] | None = None, timeout: int = 900
        ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "maskft_bench.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**os.environ, **(env or {})})


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under `root` with a file's bytes: what "nothing changed" compares."""
    return {p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else None
            for p in sorted(root.rglob("*"))}


def refused(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """The one stderr line of a user error; it holds every fragment."""
    assert result.returncode == 2, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A directory that is not a maskft-bench run, holding a file someone cares about."""
    directory = tmp_path / "victim"
    directory.mkdir()
    (directory / "thesis.tex").write_text("years of work")
    return directory


def write_yaml(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


# --- train -------------------------------------------------------------------------------------

TRAIN = ["train", "--method", "masked", "--out", "run"]


@pytest.mark.parametrize(("args", "fragments"), [
    (["--lr", "-1"], ["learning_rate: must be above 0, got -1.0"]),
    (["--epochs", "-3"], ["epochs: must be above 0, got -3.0"]),
    (["--set", "mask_schedule=fixd"], ["mask_schedule:", "'fixd'", "did you mean 'fixed'?"]),
    (["--set", "mask_low=2"], ["mask_low: must be at least 0 and at most 1, got 2.0"]),
    (["--set", "mask_low=0.9", "--set", "mask_high=0.1"], ["mask_low (0.9) must not exceed"]),
    (["--batch-size", "abc"], ["--batch-size: expected an integer, got 'abc'"]),
    (["--max-steps", "-5"], ["max_steps: must be at least -1"]),
    (["--set", "warmup_ratio=1.5"], ["warmup_ratio: must be at least 0 and below 1"]),
    (["--set", "seed=-1"], ["seed: must be at least 0"]),
    (["--model", "./typo"], ["model directory './typo' does not exist"]),
    (["--model", "a/b/c"], ["model directory 'a/b/c' does not exist"]),
    (["--model", "my model"], ["'my model' is neither default, a model directory nor a hub id"]),
    (["--data", "nosuite"], ["data 'nosuite': not a maskft-bench suite"]),
])
def test_train_refuses_bad_values_before_anything_is_written(tmp_path, args, fragments):
    refused(cli(*TRAIN, *args, cwd=tmp_path), *fragments)
    assert list(tmp_path.iterdir()) == []  # no run directory, no maskft-run.json


def test_train_refuses_a_hub_id_that_cannot_resolve_offline(tmp_path):
    result = cli(*TRAIN, "--model", "no-such-org/no-such-model", cwd=tmp_path,
                 env={"HF_HUB_OFFLINE": "1"})
    refused(result, "'no-such-org/no-such-model'", "not in the local hub cache")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("recipe", "fragments"), [
    ({"per_method": {"maskd": {"learning_rate": 1e-4}}},
     ["per_method: unknown method 'maskd'; did you mean 'masked'?"]),
    ({"per_method": {"masked": {"epoch": 3}}}, ["per_method.masked: unknown setting 'epoch'"]),
    ({"per_method": {"masked": 3}}, ["per_method.masked: expected a mapping of settings"]),
    ({"epochs": [3]}, ["epochs: expected a number, got [3]"]),
    ({"learning_rate": "fast"}, ["learning_rate: expected a number, got 'fast'"]),
    ({"bf16": "maybe"}, ["bf16: expected true or false, got 'maybe'"]),
    (["epochs", 3], ["expected a mapping of settings"]),
])
def test_train_refuses_bad_recipes(tmp_path, recipe, fragments):
    config = write_yaml(tmp_path / "recipe.yaml", recipe)
    refused(cli(*TRAIN, "--config", config, cwd=tmp_path), *fragments)
    assert [p.name for p in tmp_path.iterdir()] == ["recipe.yaml"]


def test_train_overwrite_never_deletes_what_it_did_not_make(tmp_path, victim):
    """Issue 12: `train --out victim --overwrite --model ./typo` deleted victim/."""
    before = snapshot(tmp_path)
    refused(cli("train", "--method", "masked", "--out", victim, "--overwrite", "--model",
                "./typo", cwd=tmp_path), "was not made by maskft-bench (no maskft-run.json)")
    assert snapshot(tmp_path) == before


def test_train_overwrite_deletes_its_own_run_only_after_validation(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "maskft-run.json").write_text('{"fingerprint": "0123"}')
    (run / "metrics.jsonl").write_text("{}\n")
    before = snapshot(tmp_path)
    refused(cli(*TRAIN, "--overwrite", "--model", "./typo", cwd=tmp_path), "'./typo'")
    refused(cli(*TRAIN, "--overwrite", "--lr", "-1", cwd=tmp_path), "learning_rate")
    assert snapshot(tmp_path) == before


def test_train_overwrite_refuses_another_kind_of_run(tmp_path):
    scores = tmp_path / "scores"
    scores.mkdir()
    (scores / "summary.json").write_text('{"maskft_bench_version": "0.1.0"}')
    before = snapshot(tmp_path)
    refused(cli("train", "--method", "masked", "--out", scores, "--overwrite", "--model",
                "./typo", cwd=tmp_path), "holds a score directory",
            "replaces only a training run or an empty directory")
    assert snapshot(tmp_path) == before


# --- score -------------------------------------------------------------------------------------

SCORE = ["score", "--model", "./typo", "--out", "scores"]


@pytest.mark.parametrize(("args", "fragments"), [
    (["--limit", "0"], ["limit: must be at least 1, got 0"]),
    (["--dtype", "float17"], ["--dtype:", "'float17'", "did you mean 'float16'?"]),
    (["--batch-size", "abc"], ["batch_size: expected a positive number, auto or auto:N, got 'abc'"]),
    (["--model-args", "foo"], ["model_args: 'foo' is not KEY=VALUE"]),
    (["--model-args", "pretrained=x"], ["give the model with --model"]),
    (["--tensor-parallel", "0"], ["tensor_parallel: must be at least 1, got 0"]),
    (["--backend", "vlm"], ["--backend:", "did you mean 'vllm'?"]),
    ([], ["model directory './typo' does not exist"]),
])
def test_score_refuses_bad_values_before_anything_is_written(tmp_path, args, fragments):
    refused(cli(*SCORE, *args, cwd=tmp_path), *fragments)
    assert list(tmp_path.iterdir()) == []


def test_score_overwrite_never_deletes_what_it_did_not_make(tmp_path, victim):
    before = snapshot(tmp_path)
    refused(cli("score", "--model", "./typo", "--out", victim, "--overwrite", cwd=tmp_path),
            "was not made by maskft-bench (no summary.json)")
    assert snapshot(tmp_path) == before


def test_score_overwrite_refuses_the_root(tmp_path):
    """Issue 12: `score --overwrite` would accept `--out /`."""
    refused(cli("score", "--model", "./typo", "--out", "/", "--overwrite", cwd=tmp_path),
            "--out / is the file system root; --overwrite never deletes it")


# --- run ---------------------------------------------------------------------------------------

def run_recipe(tmp_path: Path, **changes: object) -> Path:
    return write_yaml(tmp_path / "mini.yaml", {**MINI, **changes})


@pytest.mark.parametrize(("changes", "args", "fragments"), [
    ({"seeds": [0, 5_000_000_000]}, ["--off-leaderboard"],
     ["train (standard, seed 5000000000): seed: must be at least 0 and at most 4294967295"]),
    ({}, ["--seeds", "0,-1"], ["suite (seed -1): --seed -1 is outside the leaderboard's limits",
                               "--off-leaderboard"]),
    ({"suite": {**MINI["suite"], "bio_people": SUITE_OPTION_MAX["bio_people"] + 1}}, [],
     [f"--bio-people {SUITE_OPTION_MAX['bio_people'] + 1} is outside the leaderboard's limits "
      f"0..{SUITE_OPTION_MAX['bio_people']}"]),
    ({"suite": {"bio_people": "many"}}, [], ["suite: bio_people: expected an integer, got 'many'"]),
    ({"score": {"dtype": "float17"}}, [], ["score: dtype:", "did you mean 'float16'?"]),
    ({"score": {"batch_size": "abc"}}, [], ["score: batch_size: expected a positive number"]),
    ({"train": {"mask_schedule": "fixd"}}, [], ["did you mean 'fixed'?"]),
    ({"train": {"mask_low": 2}}, [], ["mask_low: must be at least 0 and at most 1, got 2.0"]),
    ({"train": {"learning_rate": -1}}, [], ["learning_rate: must be above 0"]),
    ({"train": {"epochs": "three"}}, [], ["epochs: expected a number, got 'three'"]),
    ({"train": {"per_method": {"maskd": {"epochs": 2}}}}, [], ["did you mean 'masked'?"]),
    ({"train": {"per_method": {"sft": {"epochs": 2}}}}, [],
     ["train.per_method: 'sft' is not one of the recipe's methods (masked, standard)"]),
    ({"model": "./typo"}, [], ["model directory './typo' does not exist"]),
])
def test_run_checks_every_stage_and_seed_before_stage_one(tmp_path, changes, args, fragments):
    recipe = run_recipe(tmp_path, **changes)
    refused(cli("run", recipe, "--out", "out", *args, cwd=tmp_path), *fragments)
    assert [p.name for p in tmp_path.iterdir()] == ["mini.yaml"]


def test_run_overwrite_never_deletes_what_it_did_not_make(tmp_path, victim):
    """Issue 12: `run --overwrite` deleted without checking."""
    recipe = run_recipe(tmp_path)
    before = snapshot(tmp_path)
    refused(cli("run", recipe, "--out", victim, "--overwrite", cwd=tmp_path),
            "was not made by maskft-bench (no pipeline.json)")
    assert snapshot(tmp_path) == before


def test_run_overwrite_refuses_a_training_run(tmp_path):
    recipe = run_recipe(tmp_path)
    run = tmp_path / "run"
    run.mkdir()
    (run / "maskft-run.json").write_text('{"fingerprint": "0123"}')
    before = snapshot(tmp_path)
    refused(cli("run", recipe, "--out", run, "--overwrite", cwd=tmp_path),
            "holds a training run", "replaces only a pipeline run")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("where", ["cwd-parent", "repository", "home"])
def test_overwrite_never_deletes_protected_directories(tmp_path, where):
    """The current directory's ancestors, a repository root and the home directory are refused
    even when empty or marked as a run (all of them live under tmp_path here)."""
    recipe = run_recipe(tmp_path)
    home, repo, cwd = tmp_path / "home", tmp_path / "repo", tmp_path / "a" / "b"
    for directory in (home, repo / ".git", cwd):
        directory.mkdir(parents=True)
    target = {"cwd-parent": cwd.parent, "repository": repo, "home": home}[where]
    (target / "pipeline.json").write_text('{"fingerprint": "0123"}')
    before = snapshot(tmp_path)
    reason = {"cwd-parent": "is the current directory or one of its parents",
              "repository": "is a repository root", "home": "is the home directory"}[where]
    refused(cli("run", recipe, "--out", target, "--overwrite", cwd=cwd, env={"HOME": str(home)}),
            reason, "never deletes it")
    assert snapshot(tmp_path) == before


# --- submit and generate ---------------------------------------------------------------------

SUBMIT = ["submit", "--results", "scores", "--out", "subs", "--base-model", "SmolLM2"]


@pytest.mark.parametrize(("args", "fragments"), [
    (["--method", "a/b"], ["method 'a/b' contains a path separator"]),
    (["--method", "masked", "--notes", "\x1b[31mred"], ["notes contains a control"]),
    (["--method", "masked", "--training-tokens", "-5"], ["training_tokens: must be at least 0"]),
    (["--method", "masked", "--training-flops", "inf"], ["training_flops: must be at least 0"]),
    (["--method", "masked"], ["summary.json: not readable JSON"]),
])
def test_submit_refuses_bad_values_before_anything_is_written(tmp_path, args, fragments):
    refused(cli(*SUBMIT, *args, cwd=tmp_path), *fragments)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "fragments"), [
    (["--seed", "-1"], ["--seed -1 is outside the leaderboard's limits 0..2147483647"]),
    (["--bio-people", "20000"], ["--bio-people 20000 is outside the leaderboard's limits",
                                 "pass --off-leaderboard"]),
    # beyond what the generator makes at all: its own limit answers first
    (["--paraphrases", "1000000"], ["--paraphrases must be between 0 and 1,000, got 1,000,000"]),
    (["--math-train", "100000000"], ["--math-train must be between 1 and 100,000"]),
])
def test_generate_refuses_suites_the_leaderboard_would_refuse(tmp_path, args, fragments):
    refused(cli("generate", "--out", "suite", "--quiet", *args, cwd=tmp_path), *fragments)
    assert list(tmp_path.iterdir()) == []


# --- the message itself ------------------------------------------------------------------------

def test_long_values_are_shortened(tmp_path):
    line = refused(cli(*TRAIN, "--set", "epochs=" + "9x" * 5000, cwd=tmp_path),
                   "epochs: expected a number", "(10002 characters)")
    assert len(line) < 200


@pytest.mark.parametrize(("args", "env"), [(["--debug"], {}), ([], {"MASKFT_DEBUG": "1"})])
def test_debug_shows_the_traceback(tmp_path, args, env):
    result = cli(*args, *TRAIN, "--lr", "-1", cwd=tmp_path, env=env)
    assert result.returncode == 2 and "Traceback" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("maskft-bench train: error: learning_rate")


# --- with a model --------------------------------------------------------------------------

@pytest.mark.slow
def test_a_refused_run_leaves_nothing_so_the_corrected_rerun_trains(tmp_path, small_suite,
                                                                     tiny_llama):
    """Issue 12: `train --lr -1` left a maskft-run.json that refused the corrected rerun.
    Then --overwrite replaces the tool's own run, whatever else was put into it."""
    common = ["train", "--method", "standard", "--out", "run", "--model", tiny_llama, "--data",
              small_suite, "--max-steps", "1", "--batch-size", "2", "--val-items", "0",
              "--no-bf16", "--max-length", "64"]
    refused(cli(*common, "--lr", "-1", cwd=tmp_path), "learning_rate")
    assert list(tmp_path.iterdir()) == []
    first = cli(*common, "--lr", "1e-4", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "run" / "maskft-run.json").is_file()
    (tmp_path / "run" / "stray.txt").write_text("left by hand")
    refused(cli(*common, "--lr", "2e-4", cwd=tmp_path), "holds another run")
    again = cli(*common, "--lr", "2e-4", "--overwrite", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert not (tmp_path / "run" / "stray.txt").exists()
    assert (tmp_path / "run" / "final").is_dir()


# --- a busy --out ------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["run", "train"])
def test_a_busy_out_is_refused_before_anything_loads_or_changes(tmp_path, command):
    """Two processes writing one --out would overwrite each other's checkpoints."""
    out = tmp_path / "out"
    args = ["run", run_recipe(tmp_path)] if command == "run" else ["train", "--method", "masked"]
    with exclusive(out, "run"):
        (out / "pipeline.json" if command == "run" else out / "maskft-run.json").write_text(
            '{"fingerprint": "0123"}')
        before = snapshot(tmp_path)
        refused(cli(*args, "--out", out, "--overwrite", cwd=tmp_path, timeout=300),
                f"--out {out} is in use by another maskft-bench process",
                f"give this {command} another --out")
        assert snapshot(tmp_path) == before
