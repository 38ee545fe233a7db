"""Pipeline recipes, the output-directory claim and progress lines: no model needed."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from maskft_bench.cli import main
from maskft_bench.pipeline.layout import Layout
from maskft_bench.pipeline.preflight import check
from maskft_bench.pipeline.recipe import RECIPES_DIR, RecipeError, load, parse
from maskft_bench.pipeline.runner import Progress, claim
from maskft_bench.pipeline.stages import Stage, plan
from maskft_bench.suite.emit import KNOWLEDGE_MAX_GEN_TOKS

MINI = {"name": "mini", "seeds": [0], "methods": ["standard", "masked"],
        "suite": {"bio_people": 4}, "train": {"epochs": 1, "batch_size": 4}}


def _recipe(tmp_path: Path, **changes) -> tuple[object, Path]:
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump({**MINI, **changes}))
    return load(str(path))


@pytest.mark.parametrize("name", sorted(p.stem for p in RECIPES_DIR.glob("*.yaml")))
def test_shipped_recipes_resolve_for_every_method(name):
    recipe, path = load(name)
    assert path.parent == RECIPES_DIR
    for method in recipe.methods:
        config = recipe.train_config(method, recipe.seeds[0], Path("suite"))
        assert config.method == method and config.data == "suite"
        # Selection must score the answers the test scores: a shorter validation window cut
        # 17-22% of trained SmolLM2 answers short of their facts (2026-12-03).
        assert config.val_max_new_tokens >= KNOWLEDGE_MAX_GEN_TOKS, method


@pytest.mark.parametrize("name", sorted(p.stem for p in RECIPES_DIR.glob("*.yaml")))
def test_shipped_recipes_pass_the_preflight_for_every_seed(name, tmp_path):
    """Every shipped recipe's suites are within the leaderboard's limits and every run's
    settings resolve for every seed, so `maskft-bench run NAME` gets past its checks."""
    recipe, _ = load(name)
    assert check(recipe, Layout(tmp_path / "out"), overwrite=False) is False
    assert not (tmp_path / "out").exists()


def test_cpu_default_compares_masked_with_standard_at_equal_epochs_and_compute():
    recipe, _ = load("cpu-default")
    assert recipe.methods == ("standard", "masked")
    assert recipe.runs()[2:] == ("standard@compute", "paraphrase@compute")
    assert recipe.compute["match"] == "masked" and recipe.model == "default"


def test_train_settings_from_a_file_follow_per_method(tmp_path):
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(
        {"epochs": 2, "learning_rate": 1e-4, "per_method": {"masked": {"learning_rate": 3e-4}}}))
    recipe, _ = _recipe(tmp_path, train="t.yaml")
    assert recipe.train_config("masked", 0, Path("s")).learning_rate == 3e-4
    assert recipe.train_config("standard", 0, Path("s")).learning_rate == 1e-4


@pytest.mark.parametrize(("changes", "message"), [
    ({"method": ["standard"]}, "unknown key 'method'"),
    ({"methods": ["standard", "magic"]}, "unknown method 'magic'"),
    ({"seeds": ["zero"]}, "seeds: expected a non-empty list of int"),
    ({"seeds": []}, "seeds: expected a non-empty list of int"),
    ({"suite": {"bio_persons": 3}}, "suite: expected some of"),
    ({"score": {"select": "last"}}, "score.select must be best or final"),
    ({"train": {"epochz": 1}}, "unknown setting 'epochz'"),
    ({"train": "missing.yaml"}, "train:"),
    ({"compute": {"match": "masked"}}, "compute: expected {match: METHOD, methods:"),
    ({"compute": {"match": "reverse", "methods": ["standard"]}}, "must be one of the recipe's"),
    ({"compute": {"match": "masked", "methods": ["masked"]}}, "sets the budget"),
    ({"compute": {"match": "masked", "methods": ["standrd"]}}, "did you mean 'standard'"),
    ({"compute": {"match": "masked", "methods": ["standard"]},
      "train": {"max_steps": 3}}, "must train by epochs"),
])
def test_bad_recipes_are_refused_before_anything_runs(tmp_path, changes, message):
    with pytest.raises(RecipeError, match=message):
        _recipe(tmp_path, **changes)


def test_missing_key_is_named():
    with pytest.raises(RecipeError, match="missing 'methods'"):
        parse({"name": "x", "seeds": [0]}, Path("r.yaml"))


def test_unknown_recipe_name_lists_the_shipped_ones(capsys):
    assert main(["run", "no-such-recipe", "--out", "unused"]) == 2
    err = capsys.readouterr().err
    assert "no-such-recipe" in err and "cpu-default" in err and len(err.splitlines()) == 1


def test_fingerprint_ignores_seeds_but_not_settings(tmp_path):
    recipe, _ = _recipe(tmp_path)
    assert replace(recipe, seeds=(1, 2)).fingerprint() == recipe.fingerprint()
    assert replace(recipe, methods=("masked",)).fingerprint() != recipe.fingerprint()


def test_claim_refuses_another_recipe_and_unrelated_files(tmp_path):
    recipe, path = _recipe(tmp_path)
    layout = Layout(tmp_path / "out")
    claim(layout, recipe, path, overwrite=False)
    claim(layout, replace(recipe, seeds=(7,)), path, overwrite=False)  # more seeds: same run
    other = replace(recipe, methods=("masked",))
    with pytest.raises(RecipeError, match="another recipe"):
        claim(layout, other, path, overwrite=False)
    (layout.out / "keep.txt").write_text("x")
    claim(layout, other, path, overwrite=True)
    assert not (layout.out / "keep.txt").exists()

    unrelated = tmp_path / "mine"
    unrelated.mkdir()
    (unrelated / "notes.txt").write_text("mine")
    with pytest.raises(RecipeError, match="not a pipeline run"):
        claim(Layout(unrelated), recipe, path, overwrite=False)
    assert (unrelated / "notes.txt").read_text() == "mine"


def test_a_broken_run_marker_is_one_line_from_the_cli(tmp_path, capsys):
    recipe, path = _recipe(tmp_path)
    layout = Layout(tmp_path / "out")
    claim(layout, recipe, path, overwrite=False)
    layout.marker.write_text("{cut short")
    assert main(["run", str(path), "--out", str(layout.out)]) == 2
    assert capsys.readouterr().err == (f"maskft-bench run: error: {layout.marker}: not JSON "
                                       "(Expecting property name enclosed in double quotes: "
                                       "line 1 column 2 (char 1))\n")


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path, capsys):
    recipe, path = _recipe(tmp_path)
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "[1/9] generate suite (seed 0): to run" and len(lines) == 11
    assert lines[-1] == "dry run: 9 of 9 stages to run; nothing was written" and not out.exists()
    claim(Layout(out), replace(recipe, methods=("masked",)), path, overwrite=False)
    assert main(["run", str(path), "--out", str(out), "--dry-run"]) == 2  # another recipe's run
    assert "holds a run of another recipe" in capsys.readouterr().err


def test_plan_orders_stages_per_seed(tmp_path):
    recipe, path = _recipe(tmp_path, seeds=[0, 1])
    labels = [s.label for s in plan(recipe, path, Layout(tmp_path / "out"))]
    assert labels[:6] == ["generate suite (seed 0)", "score base (seed 0)", "submit base (seed 0)",
                          "train standard (seed 0)", "score standard (seed 0)",
                          "submit standard (seed 0)"]
    assert len(labels) == 2 * (1 + 2 + 3 * 2) and labels[9] == "generate suite (seed 1)"


def test_progress_estimates_from_stages_of_the_same_kind():
    stages = [Stage(kind, kind, bool, lambda: None) for kind in ("train", "score", "train",
                                                                 "score")]
    stream = io.StringIO()
    progress = Progress(stages, stream)
    progress.ran(0, 100.0)
    assert stream.getvalue().endswith("left ~1m40s + not yet timed: 2 score\n")
    progress.ran(1, 10.0)
    assert stream.getvalue().endswith("left ~1m50s\n")  # one train (100 s), one score (10 s)
    progress.ran(3, 12.0)
    assert stream.getvalue().endswith("left nothing\n")


def test_compute_matched_runs_follow_the_methods_and_carry_the_budget(tmp_path):
    recipe, _ = _recipe(tmp_path, compute={"match": "masked", "methods": ["standard", "paraphrase"]})
    assert recipe.runs() == ("standard", "masked", "standard@compute", "paraphrase@compute")
    config = recipe.train_config("paraphrase@compute", 0, Path("s"), budget=1234)
    assert (config.method, config.budget_tokens, config.epochs) == ("paraphrase", 1234, 1)
    assert recipe.train_config("standard", 0, Path("s")).budget_tokens == 0
    labels = [stage.label for stage in plan(recipe, Path("r.yaml"), Layout(tmp_path / "out"))]
    # standard@compute continues standard, so it trains next, while standard's checkpoint is here
    trained = [label.split()[1] for label in labels if label.startswith("train ")]
    assert trained == ["standard", "standard@compute", "masked", "paraphrase@compute"]
    assert "score paraphrase@compute (seed 0)" in labels


def test_retention_is_measured_against_the_base_model_only_when_scored(tmp_path):
    from maskft_bench.pipeline.stages import retention_baseline

    layout = Layout(tmp_path / "out")
    without, _ = _recipe(tmp_path, score={"tasks": ["maskft_bio_forward", "maskft_bio_reverse"]})
    assert retention_baseline(without, layout, 0, "masked") is None
    with_retention, _ = _recipe(tmp_path, score={"tasks": ["maskft_bio_forward", "maskft_retention"]})
    assert retention_baseline(with_retention, layout, 0, "masked") == layout.score(0, "base")
    assert retention_baseline(with_retention, layout, 0, "base") is None
    default_tasks, _ = _recipe(tmp_path)
    assert retention_baseline(default_tasks, layout, 1, "standard@compute") == layout.score(1, "base")
