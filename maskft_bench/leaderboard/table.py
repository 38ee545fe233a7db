"""Leaderboard rows: one per accepted submission, on boards ranked by aggregate.

Entries scored on different suites are different benchmarks, and so are entries that left out
the math task (the CPU pipeline does): each (suite, math scored or not) pair is its own board,
ranked by aggregate, or by knowledge (the mean of forward and reverse) where math was not scored.
The board with the most entries comes first (the page opens on it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Fixed colours for the reference methods, so a method looks the same in every plot and table.
METHOD_COLOURS = {
    "base": "#6b7280",
    "standard": "#2563eb",
    "paraphrase": "#ea580c",
    "reversed_statements": "#ca8a04",
    "masked": "#16a34a",
    "reverse": "#9333ea",
    "sft": "#0891b2",
    "masked_sft": "#db2777",
}
EXTRA_COLOURS = ("#be123c", "#4d7c0f", "#7c3aed", "#0f766e", "#a16207", "#1d4ed8")


@dataclass(frozen=True)
class Entry:
    """What the leaderboard shows of one submission (scores as recomputed by the validator)."""

    id: str
    suite: str  # suite label, e.g. "default"
    suite_command: str  # the `maskft-bench generate` command that makes the suite
    model_name: str
    method: str
    base_model: str
    family: str  # "autoregressive" or "diffusion" (summary.json's model_family; see schema.json)
    forward: float  # mean of bio_forward and namedesc_forward
    reverse: float  # mean of bio_reverse and namedesc_reverse
    bio_forward: float  # each dataset's own score (summary.json's "datasets" block), so that
    bio_reverse: float  # a mean never hides where it came from
    namedesc_forward: float
    namedesc_reverse: float
    reverse_chance: float  # what its reversed answers earn given to other subjects (chance.py)
    knowledge: float  # mean of the four knowledge tasks: (forward + reverse) / 2
    math: float | None  # None: the math task was not scored
    aggregate: float | None  # all five tasks; None without math
    aggregate_stderr: float | None
    retention: float | None
    training_tokens: int | None
    training_flops: float | None
    paraphrases: int | None
    date: str
    notes: str
    recipe: str | None
    seed: int | None
    # From a reproduction record (reproductions.py), not the submission: the share of its
    # responses a rerun of its model gave again, and whether that counts as reproduced.
    reproduction: float | None = None
    reproduced: bool | None = None

    def score(self) -> float:
        """What the entry is ranked by on its board."""
        return self.knowledge if self.aggregate is None else self.aggregate


@dataclass(frozen=True)
class Ranked:
    rank: int
    entry: Entry


@dataclass(frozen=True)
class Board:
    """Entries that are comparable: one suite, all scored with math or all without."""

    key: str  # "default", "bio20-nd5-seed0", "bio20-nd5-seed0-nomath"
    suite: str  # the suite label: "default", "bio20-nd5-seed0"
    suite_command: str
    math: bool
    ranked: list[Ranked]

    @property
    def ranked_by(self) -> str:
        return "aggregate" if self.math else "knowledge"

    @property
    def title(self) -> str:
        return self.suite if self.math else f"{self.suite}, without math"


def _rank(entries: list[Entry]) -> list[Ranked]:
    """Best first; ties share a rank (1, 2, 2, 4) and are listed by model name, then id, so the
    order never depends on the order files were read in."""
    ranked: list[Ranked] = []
    for i, entry in enumerate(sorted(entries, key=lambda e: (-e.score(), e.model_name, e.id))):
        tied = ranked and ranked[-1].entry.score() == entry.score()
        ranked.append(Ranked(ranked[-1].rank if tied else i + 1, entry))
    return ranked


def boards(entries: Iterable[Entry]) -> list[Board]:
    """The boards in display order, the page opens on the first: most entries first; among
    boards with as many, the default suite, then suite labels alphabetically, then with math
    before without (so the order never depends on the order files were read in)."""
    groups: dict[tuple[str, bool], list[Entry]] = {}
    for entry in entries:
        groups.setdefault((entry.suite, entry.math is not None), []).append(entry)
    out = []
    for suite, math in sorted(groups, key=lambda k: (-len(groups[k]), k[0] != "default", k[0],
                                                     not k[1])):
        members = groups[suite, math]
        out.append(Board(key=suite if math else f"{suite}-nomath", suite=suite,
                         suite_command=members[0].suite_command, math=math,
                         ranked=_rank(members)))
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
