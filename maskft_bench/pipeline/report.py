"""report.md and its figures, rebuilt from the run's files alone (scores, checkpoints, logs).

Every number in the report is read from a file the run wrote (pipeline/results.py). A method
is said to beat another only when a paired bootstrap over the suite's subjects
(pipeline/verdicts.py, maskft_bench.significance) puts the whole 95% interval of the difference
on one side of zero; every comparison prints the interval. The prose and the order of the
sections live in report.md.j2; this module fills in its tables and values.
"""

from __future__ import annotations

import os
import platform
import statistics
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .. import methods, significance
from ..atomic import write_text
from ..markdown import table
from ..methods import BASE
from ..scoring.summary import HEADLINES
from . import figures
from .layout import Layout
from .recipe import AT_COMPUTE, RECIPES_DIR, Recipe, method_of
from .results import Entry, by_name, collect, suite_counts, values
from .verdicts import against_chance, comparisons

TEMPLATE = "report.md.j2"
SETTINGS = ("learning_rate", "batch_size", "grad_accum", "eval_every")  # per run, after its length
COMPUTE_COLUMNS = (  # (heading, maskft-train.json key, format)
    ("epochs", "epoch", "{:.1f}"), ("input tokens", "tokens_seen", "{:,}"),
    ("loss tokens", "loss_tokens", "{:,}"), ("document tokens", "document_tokens", "{:,}"),
    ("training FLOPs", "training_flops", "{:.2e}"),
    ("rewrite generation FLOPs", "generation_flops", "{:.2e}"))


def spread(numbers: list[float]) -> str:
    """`mean ± sd (each value)`, the mean alone for one value, "n/a" for none."""
    if not numbers:
        return "n/a"
    mean = statistics.fmean(numbers)
    if len(numbers) == 1:
        return f"{mean:.3f}"
    return f"{mean:.3f} ± {statistics.stdev(numbers):.3f} ({', '.join(f'{v:.3f}' for v in numbers)})"


def score_table(entries: list[Entry], recipe: Recipe) -> str:
    """Headlines, and beside them the dataset scores they average, so none hides its source."""
    grouped = by_name(entries)
    keys = [h for h in HEADLINES if any(values(entries, h))]
    keys += [t for h in keys for t in HEADLINES[h] if h != "aggregate" and len(
        HEADLINES[h]) > 1 and any(values(entries, t))]
    rows = [[name, *(spread(values(group, k)) for k in keys),
             spread(values(group, "retention")) if name != BASE else "(reference)"]
            for name in (BASE, *recipe.runs()) if (group := grouped.get(name))]
    return table(["model", *(k.replace("_", " ") for k in keys), "retention"], rows)


def compute_table(entries: list[Entry], recipe: Recipe) -> str:
    """Compute at each scored checkpoint, one value per seed."""
    grouped = by_name(entries)
    rows = [[name,
             *(" / ".join(fmt.format(e.compute[key]) if e.compute.get(key) is not None else "-"
                          for e in group) for _, key, fmt in COMPUTE_COLUMNS),
             " / ".join(f"{e.train_seconds:.0f}" if e.train_seconds else "-" for e in group),
             " / ".join(e.checkpoint or "-" for e in group)]
            for name in recipe.runs() if (group := grouped.get(name))]
    return table(["model", *(c[0] for c in COMPUTE_COLUMNS), "whole training run (s)",
                  "scored checkpoint"], rows)


def run_settings(recipe: Recipe, run: str) -> dict:
    """How long a run trained (epochs, or the matched token budget) and its SETTINGS."""
    config = recipe.train_config(run, 0, Path("."))
    settings = [(k, getattr(config, k)) for k in SETTINGS]
    if not run.endswith(AT_COMPUTE):
        return {"run": run, "length": f"epochs {config.epochs}", "settings": settings}
    match, twin = recipe.compute["match"], recipe.twin(run)
    spacing = 0 if not config.eval_every else f"at {match}'s token spacing" if twin is None \
        else f"{config.eval_every} to {twin}'s end, then at {match}'s token spacing"  # stages._train
    return {"run": run, "length": f"trained to the tokens {match} trains on (per seed)",
            "settings": [(k, spacing if k == "eval_every" else v) for k, v in settings]}


def _machine() -> str:
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{platform.machine()}, {os.cpu_count()} CPU cores, {gpu}, {platform.platform()}"


def _oneline(text: str) -> str:
    """A paragraph wrapped in the template, as one line of the report."""
    return " ".join(line.strip() for line in text.strip().splitlines()) + "\n"


def render(context: dict) -> str:
    """report.md.j2 filled in; `context` holds every name the template uses."""
    env = Environment(loader=FileSystemLoader(Path(__file__).parent), autoescape=False,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["oneline"] = _oneline
    return env.get_template(TEMPLATE).render(context)


def _command(recipe_path: Path, seeds: list[int]) -> str:
    """The command that reruns this report: a shipped recipe by its name, not by a path that
    holds only on the machine that ran it."""
    shipped = recipe_path.resolve().parent == RECIPES_DIR.resolve()
    return f"maskft-bench run {recipe_path.stem if shipped else recipe_path} " \
           f"--seeds {','.join(map(str, seeds))}"


def write_report(recipe: Recipe, recipe_path: Path, layout: Layout) -> Path:
    """Collect the run's results, draw the figures, write report.md; returns its path."""
    entries = collect(recipe, layout)
    train = recipe.train_config(recipe.methods[0], recipe.seeds[0], layout.suite(recipe.seeds[0]))
    text = render({
        "recipe": recipe, "recipe_path": recipe_path, "command": _command(recipe_path, layout.seeds()),
        "machine": _machine(),
        "model": train.model,
        "seeds": layout.seeds(), "counts": suite_counts(layout), "datasets": train.datasets,
        "runs": [run_settings(recipe, run) for run in recipe.runs()],
        "methods": [(m, methods.describe(m)) for m in dict.fromkeys(map(method_of, recipe.runs()))],
        "score_table": score_table(entries, recipe),
        "compute_table": compute_table(entries, recipe),
        "regimes": [*comparisons(entries, recipe, layout), against_chance(entries, recipe, layout)],
        "sentence": significance.sentence,
        "resamples": f"{significance.RESAMPLES:,}", "level": f"{significance.LEVEL:.0%}",
        "figures": figures.draw(entries, recipe, layout.figures) if entries else [],
    })
    write_text(layout.report, text)
    return layout.report
