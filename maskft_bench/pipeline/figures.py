"""The report's figures, one function each, drawn from the collected entries alone.

Every model keeps one colour across all figures (the base model, then the recipe's runs, in
tab10 order) and every seed one line style, so the figures can be read side by side.
"""

from __future__ import annotations

import io
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_bytes
from ..methods import BASE
from ..scoring.summary import DIRECTIONS
from .recipe import Recipe
from .results import Entry, by_name, values

SEED_STYLES = ("-", "--", ":", "-.")


@dataclass(frozen=True)
class Figure:
    title: str
    file: str  # in the figures directory, next to report.md


@dataclass(frozen=True)
class _Data:
    """What every figure draws from: entries per model, the models in order, their colours."""

    runs: tuple[str, ...]   # the recipe's training runs
    names: tuple[str, ...]  # the base model, then the runs
    grouped: dict[str, list[Entry]]
    seeds: list[int]
    colour: dict[str, tuple]
    twins: dict[str, str]   # a compute-matched run -> the equal-epochs run it continues


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    return plt


def _curve_start(data: _Data, name: str, seed: int) -> int:
    """Tokens from which a run's curve is its own: a continuation carries its twin's rounds,
    which the twin's line draws already, so its line starts where the twin's ends."""
    twin = data.twins.get(name)
    ends = [p["tokens"] for e in data.grouped.get(twin, []) if e.seed == seed for p in e.curve]
    return max(ends, default=0)


def validation_curves(data: _Data):
    """Validation accuracy per direction against tokens seen, one line per run and seed."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, direction in zip(axes, DIRECTIONS, strict=True):
        for name in data.runs:
            for entry in data.grouped.get(name, []):
                start = _curve_start(data, name, entry.seed)
                points = [p for p in entry.curve
                          if p[direction] is not None and p["tokens"] >= start]
                ax.plot([p["tokens"] for p in points], [p[direction] for p in points],
                        marker="o", ms=3, color=data.colour[name],
                        linestyle=SEED_STYLES[data.seeds.index(entry.seed) % len(SEED_STYLES)],
                        label=f"{name} (seed {entry.seed})")
        ax.set_title(f"validation accuracy, {direction} QA")
        ax.set_xlabel("training tokens seen")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("ROUGE-1 recall")
    axes[1].legend(fontsize=7, loc="best")
    return fig


def score_bars(data: _Data):
    """Forward and reverse test accuracy per model: bars for the mean, dots for the seeds."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 3.8))
    width = 0.8 / len(DIRECTIONS)
    for d, direction in enumerate(DIRECTIONS):
        for i, name in enumerate(data.names):
            got = values(data.grouped.get(name, []), direction)
            if not got:
                continue
            x = i + (d - (len(DIRECTIONS) - 1) / 2) * width
            ax.bar(x, statistics.fmean(got), width, color=data.colour[name],
                   alpha=1.0 if direction == "forward" else 0.55,
                   label=direction if i == 0 else None, edgecolor="black", linewidth=0.5)
            ax.scatter([x] * len(got), got, color="black", s=10, zorder=3)
    ax.set_xticks(range(len(data.names)), data.names)
    ax.set_ylabel("test accuracy (ROUGE-1 recall)")
    ax.set_title("Test scores per method (bars: mean over seeds, dots: seeds; "
                 "dark: forward, light: reverse)", fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    return fig


def accuracy_vs_tokens(data: _Data):
    """Test accuracy of every model and seed against the tokens it trained on."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for name in data.names:
        for direction, marker in (("forward", "o"), ("reverse", "^")):
            pts = [(e.tokens, e.scores[direction]) for e in data.grouped.get(name, [])
                   if e.scores.get(direction) is not None]
            if pts:
                ax.scatter(*zip(*pts, strict=True), color=data.colour[name], marker=marker,
                           label=f"{name} {direction}")
    ax.set_xlabel("training tokens (non-padding, at the scored checkpoint)")
    ax.set_ylabel("test accuracy")
    ax.set_title("Accuracy against training compute")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    return fig


def retention_bars(data: _Data):
    """Retention per trained run (bars: mean, dots: seeds); None when none measured it."""
    trained = [n for n in data.runs if values(data.grouped.get(n, []), "retention")]
    if not trained:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for i, name in enumerate(trained):
        got = values(data.grouped[name], "retention")
        ax.bar(i, statistics.fmean(got), 0.6, color=data.colour[name], edgecolor="black",
               linewidth=0.5)
        ax.scatter([i] * len(got), got, color="black", s=10, zorder=3)
    ax.set_xticks(range(len(trained)), trained)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of base-model-correct\ngeneral questions still correct")
    ax.set_title("Retention of general knowledge")
    ax.grid(axis="y", alpha=0.3)
    return fig


# (file, title in the report, drawing function), in the report's order.
FIGURES: tuple[tuple[str, str, Callable[[_Data], object]], ...] = (
    ("val_curves.png", "Validation accuracy during training", validation_curves),
    ("test_scores.png", "Final test scores per method", score_bars),
    ("accuracy_vs_tokens.png", "Accuracy against training tokens", accuracy_vs_tokens),
    ("retention.png", "Retention of general knowledge", retention_bars),
)


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=110)
    write_bytes(path, png.getvalue())
    _pyplot().close(fig)


def _data(entries: list[Entry], recipe: Recipe) -> _Data:
    names = (BASE, *recipe.runs())
    tab10 = _pyplot().get_cmap("tab10")
    return _Data(runs=recipe.runs(), names=names, grouped=by_name(entries),
                 seeds=sorted({e.seed for e in entries}),
                 colour={n: tab10(i) for i, n in enumerate(names)},
                 twins={r: t for r in recipe.runs() if (t := recipe.twin(r))})


def draw(entries: list[Entry], recipe: Recipe, directory: Path) -> list[Figure]:
    """Every figure the entries allow, written into `directory`, in the report's order."""
    data = _data(entries, recipe)
    directory.mkdir(parents=True, exist_ok=True)
    made = []
    for file, title, plot in FIGURES:
        fig = plot(data)
        if fig is not None:
            _save(fig, directory / file)
            made.append(Figure(title, file))
    return made
