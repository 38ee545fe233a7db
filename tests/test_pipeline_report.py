"""report.md of a constructed run (no model): its sections, tables, verdicts and figures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from report_support import fake_run

from maskft_bench.pipeline import figures, report
from maskft_bench.pipeline.results import collect


@pytest.fixture
def written(tmp_path, monkeypatch):
    """Render the report of a run into tmp_path; returns (layout, report text)."""
    monkeypatch.setattr(report, "_machine", lambda: "test machine")

    def write(seeds=(0, 1), change=None):
        recipe, layout = fake_run(tmp_path, seeds)
        if change:
            change(layout)
        path = report.write_report(recipe, Path("train/recipes/mini.yaml"), layout)
        return layout, path.read_text()
    return write


def test_sections_in_order_and_every_number_from_the_run(written):
    layout, text = written()
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert headings == ["# maskft-bench run: mini", "## Data", "## Training settings",
                        "## Test scores", "## Compute", "## What the numbers say", "## Figures"]
    assert text.startswith("# maskft-bench run: mini\n\nProduced by `maskft-bench run "
                           "train/recipes/mini.yaml --seeds 0,1` on test machine. Model: `default` (")
    assert "Seeds: 0, 1; each seed" in text and text.endswith("`leaderboard/index.html`.\n")
    assert ("- seed 1: 20 biographies, 8 name/description facts; test questions: bio 60 forward"
            " / 60 reverse, namedesc 24 / 24, math 0, retention 188\n") in text
    assert ("- standard@compute: trained to the tokens masked trains on (per seed), "
            "learning_rate 0.0001, batch_size 64, grad_accum 1, eval_every 5 to standard's end, then at "
            "masked's token spacing\n") in text
    assert "- masked: masked fine-tuning: a masked copy of each document" in text


def test_tables_show_each_seed_and_each_dataset(written):
    _, text = written()
    assert ("| model | forward | reverse | aggregate | bio forward | namedesc forward | "
            "bio reverse | namedesc reverse | retention |\n|---|---|---|---|---|---|---|---|---|\n"
            "| base | 0.000 ± 0.000 (0.000, 0.000) |") in text
    assert ("| masked | 1.000 ± 0.000 (1.000, 1.000) | 0.637 ± 0.018 (0.650, 0.625) | "
            "0.819 ± 0.009 (0.825, 0.812) |") in text
    assert "| 0.850 ± 0.071 (0.900, 0.800) |\n\n## Compute" in text
    assert ("| masked | 12.0 / 12.0 | 3,000 / 3,001 | 1,800 / 1,800 | 500 / 500 | "
            "4.50e+12 / 4.50e+12 | 0.00e+00 / 0.00e+00 | 90 / 91 | best/ (step 30) / "
            "best/ (step 30) |") in text
    assert "| standard | 8.0 / 8.0 | 2,000 / 2,001 |" in text and "| - / - | 60 / 61 |" in text


def test_verdicts_are_worded_from_the_bootstrap(written):
    _, text = written()
    said = text.split("## What the numbers say\n")[1].split("\nHow differences are judged")[0]
    lines = said.splitlines()
    assert lines[:3] == ["", "**At equal epochs.**", ""]
    assert lines[3].startswith("- standard beats base on forward: +1.000 [+1.000, +1.000] "
                               "(standard − base; half-width 0.000), 95% paired bootstrap over 56 "
                               "subjects, 2 seeds.")
    assert lines[4].startswith("  - standard beats base on bio forward: ")
    assert ("- masked beats standard on reverse: +0.600 [" in said
            and "  - masked beats standard on bio reverse: +0.700 [" in said
            and "over 40 subjects, 2 seeds." in said)
    assert ("- no difference detected at this size between masked and standard on forward: "
            "+0.000 [+0.000, +0.000]") in said
    assert "  - per seed, masked − standard on reverse: seed 0 +0.600 [" in said
    assert "\n**At equal compute (each trained on the tokens masked trains on).**\n\n" in said
    assert "- masked beats standard@compute on reverse: +0.512 [" in said
    assert "seeds)." not in said and "higher in" not in said  # no seed counting left
    recall = said.split("\n**Recall or a guess: each run's reversed answers against chance.**\n\n")[1]
    assert recall.startswith("- no difference detected at this size between standard and chance "
                             "on reverse: +0.019 [")
    assert "\n- masked beats chance on reverse: +0.319 [" in recall
    assert "  - masked beats chance on bio reverse: " in recall
    assert "(10,000 resamples)" in text and "only when the 95% interval" in text


def test_one_seed_has_no_per_seed_line_and_a_broken_log_is_named(written):
    def break_log(layout):
        log = next((layout.score(3, "masked") / "lm_eval" / "model").glob("*bio_reverse*"))
        log.write_text(json.dumps({"doc": {"id": "q0"}, "filtered_resps": ["x"]}) + "\n")
        shutil.rmtree(layout.score(3, "standard@compute"))

    _, text = written(seeds=(3,), change=break_log)
    assert "  - per seed," not in text and "**At equal compute" not in text  # nothing to compare
    assert ("- masked against standard on reverse: not compared (" in text
            and "sample 1: not a sample of this suite (KeyError: 'scoring')).\n" in text)


def test_figures_are_written_and_linked(written):
    layout, text = written()
    files = sorted(p.name for p in layout.figures.iterdir())
    assert files == ["accuracy_vs_tokens.png", "retention.png", "test_scores.png",
                     "val_curves.png"]
    assert text.split("## Figures\n")[1].startswith(
        "![Validation accuracy during training](figures/val_curves.png)\n"
        "![Final test scores per method](figures/test_scores.png)\n"
        "![Accuracy against training tokens](figures/accuracy_vs_tokens.png)\n"
        "![Retention of general knowledge](figures/retention.png)\n\n")
    assert all((layout.figures / f).read_bytes()[:4] == b"\x89PNG" for f in files)


def test_a_continuation_is_drawn_from_where_its_twin_ends(tmp_path):
    """standard@compute carries standard's rounds; drawn again, they hid standard's line."""
    recipe, layout = fake_run(tmp_path, seeds=(0,))
    own = [{"step": step, "tokens_seen": 100 * step, "validation": {
        "bio/qa_forward_val": 0.5, "bio/qa_reverse_val": 0.1, "val_accuracy": 0.3}}
        for step in (5, 10, 20, 30, 40)]  # rounds to step 20 are standard's, copied
    (layout.run(0, "standard@compute") / "metrics.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in own))
    axes = figures.validation_curves(figures._data(collect(recipe, layout), recipe)).axes
    drawn = {line.get_label(): list(line.get_xdata()) for line in axes[0].get_lines()}
    assert drawn["standard (seed 0)"] == [500, 1000, 2000]
    assert drawn["standard@compute (seed 0)"] == [2000, 3000, 4000]
    assert drawn["masked (seed 0)"] == [500, 1000, 2000]


def test_a_run_with_nothing_scored_still_has_every_section(written):
    def unscore(layout):
        shutil.rmtree(layout.seed_dir(0) / "scores")
        (layout.suite(0) / "manifest.json").unlink()

    layout, text = written(seeds=(0,), change=unscore)
    assert "## Data\n\n## Training settings\n" in text
    assert "## What the numbers say\n- Not enough scored methods to compare.\n\nHow" in text
    assert "## Figures\n\nLeaderboard of this run" in text and not layout.figures.exists()
    assert "| model | retention |\n|---|---|\n\n## Compute" in text  # a header and no rows


def test_a_shipped_recipe_is_named_not_located():
    """The report's command must rerun on another machine: no absolute package path."""
    shipped = report.RECIPES_DIR / "cpu-default.yaml"
    assert report._command(shipped, [0, 1, 2]) == "maskft-bench run cpu-default --seeds 0,1,2"


def test_training_time_adds_up_every_train_call():
    from maskft_bench.pipeline.results import train_seconds

    # standard's 3 logged steps, then standard@compute's continuation restarting the clock
    rows = [{"train_runtime": t} for t in (40.0, 75.0, 110.0, 30.0, 62.0)] + [{"validation": {}}]
    assert train_seconds(rows) == 110.0 + 62.0
    assert train_seconds([{"train_runtime": 5.0}, {"train_runtime": 9.0}]) == 9.0
    assert train_seconds([{"validation": {}}]) is None
