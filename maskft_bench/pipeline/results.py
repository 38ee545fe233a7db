"""What a pipeline run left on disk, read into one Entry per scored model and seed.

The report's statistics, figures and tables use these entries (and, for the bootstrap, the
score directories' per-question logs) and read nothing else, so every number in the report
comes from a file the run wrote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import read_json
from ..methods import BASE
from ..scoring.summary import DIRECTIONS, HEADLINES, SPLIT_PREFIX
from ..training.engine import META_FILE
from .layout import Layout
from .recipe import Recipe
from .stages import scored_checkpoint


@dataclass
class Entry:
    """One scored model of one seed."""

    name: str
    seed: int
    scores: dict[str, float | None]  # headlines, and each dataset's task ("bio_reverse")
    retention: float | None
    tokens: int
    flops: float
    steps: int
    train_seconds: float | None
    score_seconds: float | None
    checkpoint: str | None
    curve: list[dict] = field(default_factory=list)  # {"tokens", "step", "forward", "reverse"}
    compute: dict = field(default_factory=dict)  # the scored checkpoint's maskft-train.json


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] \
        if path.is_file() else []


def _curve(metrics: list[dict]) -> list[dict]:
    """Validation accuracy per direction (mean over the datasets) at each selection round."""
    points = []
    for record in metrics:
        val = record.get("validation")
        if not val:
            continue
        point = {"step": record["step"], "tokens": record["tokens_seen"]}
        for direction in DIRECTIONS:
            values = [v for k, v in val.items() if k.endswith(f"qa_{direction}_val")]
            point[direction] = sum(values) / len(values) if values else None
        points.append(point)
    return points


def train_seconds(metrics: list[dict]) -> float | None:
    """Seconds of training over every train() call of a run. Trainer's train_runtime restarts
    at each call: a resumed run, and a compute-matched run that continues another (its first
    calls' records are the other run's), so each call's last value counts once."""
    total, last = 0.0, None
    for runtime in (float(r["train_runtime"]) for r in metrics if "train_runtime" in r):
        if last is not None and runtime < last:
            total += last
        last = runtime
    return None if last is None else total + last


def _entry(recipe: Recipe, layout: Layout, seed: int, name: str, summary: dict) -> Entry:
    scores = {h: (summary["scores"].get(h) or {}).get("value") for h in HEADLINES}
    scores |= {t.removeprefix(f"{SPLIT_PREFIX['test']}_"): row.get("accuracy")
               for t, row in summary.get("tasks", {}).items()}
    meta, metrics, checkpoint = {}, [], None
    if name != BASE:
        scored = scored_checkpoint(recipe, layout, seed, name)
        meta = read_json(scored / META_FILE)
        metrics = _jsonl(layout.run(seed, name) / "metrics.jsonl")
        checkpoint = f"{scored.name}/ (step {meta['optimizer_steps']})"
    return Entry(
        name=name, seed=seed, scores=scores, retention=(summary.get("retention") or {}).get("value"),
        tokens=meta.get("tokens_seen", 0), flops=meta.get("training_flops", 0.0),
        steps=meta.get("optimizer_steps", 0), compute=meta,
        train_seconds=train_seconds(metrics),
        score_seconds=summary.get("wall_seconds"), checkpoint=checkpoint, curve=_curve(metrics))


def collect(recipe: Recipe, layout: Layout) -> list[Entry]:
    """Every scored model of every seed in the output directory, the base model first."""
    entries = []
    for seed in layout.seeds():
        for name in (BASE, *recipe.runs()):
            summary_path = layout.score(seed, name) / "summary.json"
            if summary_path.is_file():
                entries.append(_entry(recipe, layout, seed, name, read_json(summary_path)))
    return entries


def suite_counts(layout: Layout) -> dict[int, dict[str, int]]:
    """seed -> the suite manifest's line count per file, for the seeds whose suite exists."""
    counts = {}
    for seed in layout.seeds():
        manifest = layout.suite(seed) / "manifest.json"
        if manifest.is_file():
            counts[seed] = read_json(manifest)["counts"]
    return counts


def by_name(entries: list[Entry]) -> dict[str, list[Entry]]:
    grouped: dict[str, list[Entry]] = {}
    for entry in entries:
        grouped.setdefault(entry.name, []).append(entry)
    return grouped


def values(entries: list[Entry], key: str) -> list[float]:
    """A headline's, a dataset task's or "retention"'s values over the entries that have one."""
    got = [e.retention if key == "retention" else e.scores.get(key) for e in entries]
    return [v for v in got if v is not None]

