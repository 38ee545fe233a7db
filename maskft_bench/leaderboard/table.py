"""Leaderboard rows: one per accepted submission, grouped by suite and ranked by aggregate.

Entries scored on different suites are different benchmarks, so ranks are per suite and the
renderers show one table (or one filtered view) per suite.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Fixed colours for the reference methods, so a method looks the same in every plot and table.
METHOD_COLOURS = {
    "base": "#6b7280",
    "standard": "#2563eb",
    "paraphrase": "#ea580c",
    "masked": "#16a34a",
    "reverse": "#9333ea",
    "sft": "#0891b2",
    "masked_sft": "#db2777",
}
EXTRA_COLOURS = ("#ca8a04", "#be123c", "#4d7c0f", "#7c3aed", "#0f766e", "#a16207", "#1d4ed8")


@dataclass(frozen=True)
class Entry:
    """What the leaderboard shows of one submission (scores as recomputed by the validator)."""

    id: str
    suite: str  # suite label, e.g. "default"
    suite_command: str  # the `maskft-bench generate` command that makes the suite
    model_name: str
    method: str
    base_model: str
    forward: float
    reverse: float
    math: float
    aggregate: float
    aggregate_stderr: float | None
    retention: float | None
    training_tokens: int | None
    training_flops: float | None
    paraphrases: int | None
    date: str
    notes: str
    recipe: str | None
    seed: int | None


@dataclass(frozen=True)
class Ranked:
    rank: int
    entry: Entry


def by_suite(entries: Iterable[Entry]) -> dict[str, list[Ranked]]:
    """Suites in display order ("default" first), each ranked by aggregate, best first.

    Ties share a rank (1, 2, 2, 4); ties are listed by model name, then id, so the order never
    depends on the order files were read in.
    """
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.suite, []).append(entry)
    out = {}
    for suite in sorted(groups, key=lambda s: (s != "default", s)):
        ordered = sorted(groups[suite], key=lambda e: (-e.aggregate, e.model_name, e.id))
        ranked = []
        for i, entry in enumerate(ordered):
            tied = ranked and ranked[-1].entry.aggregate == entry.aggregate
            ranked.append(Ranked(ranked[-1].rank if tied else i + 1, entry))
        out[suite] = ranked
    return out


def method_colours(methods: Iterable[str]) -> dict[str, str]:
    """A colour per method: the fixed ones, then the extra palette in alphabetical order."""
    colours = {}
    extra = 0
    for method in sorted(set(methods)):
        if method in METHOD_COLOURS:
            colours[method] = METHOD_COLOURS[method]
        else:
            colours[method] = EXTRA_COLOURS[extra % len(EXTRA_COLOURS)]
            extra += 1
    return colours
