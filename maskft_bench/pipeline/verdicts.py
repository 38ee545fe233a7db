"""Which run is compared with which, and the paired bootstrap's verdict on each comparison.

A recipe compares methods in one or two regimes: at its epochs, and, with a `compute:` block,
at the token budget of the matched method. In each regime every method is set against the
method its registry record names (`compared_with`; the base model for standard fine-tuning and
SFT), on the seeds both were scored in: knowledge methods on forward and reverse, math methods
on math, each headline and then each dataset it averages (maskft_bench.significance).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import chance, methods, significance
from ..methods import BASE
from ..scoring.summary import DIRECTIONS, HEADLINES, SPLIT_PREFIX
from .layout import Layout
from .recipe import AT_COMPUTE, Recipe, method_of
from .results import Entry, by_name

Loader = Callable[[int, str], significance.Scores]  # (seed, run) -> its per-question scores
CHANCE = "chance"  # a run's own reversed answers, scored against other subjects (chance.py)


@dataclass(frozen=True)
class Verdict:
    """`name` against `reference` on the headline `key`: the bootstrap on the headline, then on
    each dataset it averages, as (label, result) with labels like "reverse", "bio reverse";
    or, instead, why the two could not be compared."""

    name: str
    reference: str
    key: str
    results: tuple[tuple[str, significance.Bootstrap], ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Regime:
    """One way the recipe compares methods, and its verdicts (none: nothing to compare)."""

    title: str
    verdicts: tuple[Verdict, ...]


def regimes(recipe: Recipe) -> list[tuple[str, dict[str, str]]]:
    """(title, {method: its run}) for each way the recipe compares methods: at its epochs, and,
    with a compute block, at the token budget of the matched method."""
    found = [("At equal epochs", {m: m for m in recipe.methods})]
    if recipe.compute:
        match = recipe.compute["match"]
        runs = {match: match, **{m: f"{m}{AT_COMPUTE}" for m in recipe.compute["methods"]}}
        found.append((f"At equal compute (each trained on the tokens {match} trains on)", runs))
    return found


def reference(method: str, runs: dict[str, str]) -> tuple[str, tuple[str, ...]] | None:
    """The run a method is compared with in a regime (its registry record names the method),
    and on which headlines; None when that method has no run in the regime."""
    record = methods.get(method)
    other = BASE if record.compared_with == BASE else runs.get(record.compared_with or "")
    if other is None:
        return None
    return other, DIRECTIONS if record.knowledge else ("math",)


def scopes(key: str) -> list[tuple[str, tuple[str, ...]]]:
    """(label, test tasks): the headline, then each dataset it averages when there are several.

    A headline is the mean of its tasks' means (scoring/summary.py); the bootstrap computes
    exactly that statistic from the same task list.
    """
    parts = HEADLINES[key]
    tasks = tuple(f"{SPLIT_PREFIX['test']}_{part}" for part in parts)
    datasets: dict[str, list[str]] = {}
    for part, task in zip(parts, tasks, strict=True):
        datasets.setdefault(part.split("_")[0], []).append(task)
    extra = [(f"{d} {key}", tuple(t)) for d, t in datasets.items()] if len(datasets) > 1 else []
    return [(key, tasks), *extra]


def compare(name: str, other: str, key: str, seeds: list[int], load: Loader) -> Verdict | None:
    """The verdict on the headline and its datasets, over the seeds where both runs logged
    every task of a scope; None when not even the headline could be paired. Unreadable or
    unpaired logs raise SignificanceError."""
    results = []
    for label, tasks in scopes(key):
        paired = {}
        for seed in seeds:
            ours, theirs = load(seed, name), load(seed, other)
            if all(t in ours and t in theirs for t in tasks):
                paired[seed] = significance.pair(ours, theirs, tasks)
        if not paired:
            break
        results.append((label, significance.paired_bootstrap(paired)))
    return Verdict(name, other, key, tuple(results)) if results else None


def comparisons(entries: list[Entry], recipe: Recipe, layout: Layout) -> list[Regime]:
    """Every regime of the recipe with the verdicts its scored runs allow, judged from the
    score directories' per-question logs."""
    grouped = by_name(entries)
    cache: dict[tuple[int, str], significance.Scores] = {}

    def load(seed: int, name: str) -> significance.Scores:
        if (seed, name) not in cache:
            cache[seed, name] = significance.question_scores(layout.score(seed, name))
        return cache[seed, name]

    found = []
    for title, runs in regimes(recipe):
        verdicts = []
        for method, name in runs.items():
            ref = reference(method, runs)
            if name not in grouped or ref is None or ref[0] not in grouped:
                continue
            other, keys = ref
            seeds = sorted({e.seed for e in grouped[name]} & {r.seed for r in grouped[other]})
            for key in keys:
                try:
                    verdict = compare(name, other, key, seeds, load)
                except significance.SignificanceError as err:
                    verdict = Verdict(name, other, key, error=str(err))
                if verdict is not None:
                    verdicts.append(verdict)
        found.append(Regime(title, tuple(verdicts)))
    return found


def against_chance(entries: list[Entry], recipe: Recipe, layout: Layout) -> Regime:
    """Each trained knowledge run's reversed scores against chance: what its own answers earn
    given to other subjects of their kind (maskft_bench.chance), over the seeds it was scored in."""
    grouped = by_name(entries)
    tasks = scopes("reverse")[0][1]
    cache: dict[tuple[int, str, str], significance.Scores] = {}
    verdicts = []
    for name in recipe.runs():
        if name not in grouped or not methods.get(method_of(name)).knowledge:
            continue

        def load(seed: int, which: str, name: str = name) -> significance.Scores:
            if (seed, name, which) not in cache:
                directory = layout.score(seed, name)
                cache[seed, name, which] = chance.directory_chance(directory, tasks) \
                    if which == CHANCE else significance.question_scores(directory)
            return cache[seed, name, which]

        try:
            verdict = compare(name, CHANCE, "reverse", sorted(e.seed for e in grouped[name]), load)
        except significance.SignificanceError as err:
            verdict = Verdict(name, CHANCE, "reverse", error=str(err))
        if verdict is not None:
            verdicts.append(verdict)
    return Regime("Recall or a guess: each run's reversed answers against chance", tuple(verdicts))
