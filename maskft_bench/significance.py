"""Does method A beat method B? A paired bootstrap that resamples facts, not questions.

Questions about one subject (a person `bio-000012`, a name/description fact `nd-n2d-0003`; a
math problem is its own subject) succeed or fail together: a model that learnt the fact tends
to answer all of its questions. They are not independent draws, and resampling questions would
make an interval too narrow. Here whole subjects are drawn, with all their questions.

Statistic. Within one seed a score is the mean over the given tasks of each task's mean
per-question accuracy (scoring/summary.py's headline rule; the caller passes the tasks), and
A - B is taken on the same questions (paired). The pooled difference is the mean over seeds of
the per-seed differences, so every seed counts once whatever its size.

Resampling. Each seed has its own suite, hence its own subjects: subjects are drawn with
replacement within each seed, and within a seed per stratum (subjects asked in the same set of
tasks, in practice one dataset), so a resample keeps the mix of datasets and every task keeps
questions. Seeds are drawn independently; a pooled draw is the mean over seeds of the per-seed
draws. Intervals are percentile intervals. What is resampled is the choice of facts, given the
trained models: training randomness enters only through the seeds that were run.

Pure: numpy and maskft_bench.metrics only (no torch, no lm-eval), so it loads in no time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from . import metrics
from .errors import MaskftError

RESAMPLES = 10_000
LEVEL = 0.95

# {task: {question id: (subject, accuracy)}}: one score directory's per-question results.
Scores = dict[str, dict[str, tuple[str, float]]]


class SignificanceError(MaskftError, ValueError):
    """Inputs a comparison cannot be computed from (unreadable logs, unpaired questions)."""


class PairedQuestion(NamedTuple):
    """One question answered by both models: its task, its subject and each model's score."""

    task: str
    subject: str
    a: float
    b: float


@dataclass(frozen=True)
class Interval:
    """A difference A - B and its percentile interval."""

    difference: float
    low: float
    high: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def flipped(self) -> Interval:
        """The same interval for B - A."""
        return Interval(-self.difference, -self.high, -self.low)

    def __str__(self) -> str:
        return f"{self.difference:+.3f} [{self.low:+.3f}, {self.high:+.3f}]"


@dataclass(frozen=True)
class Bootstrap:
    """pooled: the mean over seeds; per_seed: each seed alone; subjects: summed over seeds."""

    pooled: Interval
    per_seed: dict[int, Interval]
    subjects: int
    resamples: int
    level: float


def sample_scores(samples: Iterable[Mapping], source: str) -> dict[str, tuple[str, float]]:
    """question id -> (subject, accuracy) of lm-eval sample records, as logged or as a
    leaderboard submission carries them; `source` names them in errors."""
    scores = {}
    for number, sample in enumerate(samples, 1):
        try:
            doc = sample["doc"]
            accuracy = metrics.score(doc["scoring"], metrics.scored_text(sample), doc["answers"])
            scores[doc["id"]] = (doc["subject"], accuracy["accuracy"])
        except (ValueError, KeyError, IndexError, TypeError) as err:
            raise SignificanceError(f"{source} sample {number}: not a sample of this suite "
                                    f"({type(err).__name__}: {err})") from None
    return scores


def _read_log(path: Path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    except ValueError as err:
        raise SignificanceError(f"{path}: not a JSON-lines sample log ({err})") from None


def sample_logs(directory: Path) -> dict[str, tuple[Path, list[dict]]]:
    """task -> (its log, its lm-eval sample records) of a `maskft-bench score` directory."""
    try:
        files = json.loads((directory / "summary.json").read_text())["files"]["samples"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise SignificanceError(f"{directory}: no summary.json listing sample logs "
                                f"({type(err).__name__})") from None
    try:
        return {task: (directory / rel, _read_log(directory / rel)) for task, rel in files.items()}
    except OSError as err:
        raise SignificanceError(f"{directory}: a sample log is unreadable ({err})") from None


def question_scores(directory: Path) -> Scores:
    """Per-question accuracy of a `maskft-bench score` directory, for every logged task.

    Accuracy is recomputed from each logged answer with maskft_bench.metrics (as the
    leaderboard does), not read from the log's `accuracy` field, so a comparison always uses
    the package's current metric.
    """
    return {task: sample_scores(samples, str(path))
            for task, (path, samples) in sample_logs(directory).items()}


def pair(a: Scores, b: Scores, tasks: Sequence[str]) -> list[PairedQuestion]:
    """The questions of `tasks` that both models answered, with both scores.

    Both must have been scored on exactly the same questions: a paired comparison on
    different question sets would compare the questions as much as the models.
    """
    paired = []
    for task in tasks:
        if task not in a or task not in b:
            raise SignificanceError(f"{task}: not scored for both models")
        if a[task].keys() != b[task].keys():
            raise SignificanceError(f"{task}: the two models were scored on different questions; "
                                    "score both on the same suite with the same --limit")
        for qid in sorted(a[task]):
            subject, score_a = a[task][qid]
            paired.append(PairedQuestion(task, subject, score_a, b[task][qid][1]))
    return paired


def _seed_draws(questions: Sequence[PairedQuestion], resamples: int,
                rng: np.random.Generator) -> tuple[float, np.ndarray, int]:
    """One seed's observed difference, its bootstrap draws and its number of subjects."""
    tasks = sorted({q.task for q in questions})
    subjects = sorted({q.subject for q in questions})
    t_index = np.searchsorted(tasks, [q.task for q in questions])
    s_index = np.searchsorted(subjects, [q.subject for q in questions])
    sums = np.zeros((len(subjects), len(tasks)))
    counts = np.zeros((len(subjects), len(tasks)))
    np.add.at(sums, (s_index, t_index), [q.a - q.b for q in questions])
    np.add.at(counts, (s_index, t_index), 1.0)
    observed = float(np.mean(sums.sum(axis=0) / counts.sum(axis=0)))

    totals = np.hstack([sums, counts])  # one product per stratum gives both
    drawn = np.zeros((resamples, 2 * len(tasks)))
    signatures = counts > 0
    for signature in sorted({tuple(row) for row in signatures}):  # sorted: deterministic order
        members = np.flatnonzero((signatures == signature).all(axis=1))
        n = len(members)
        picks = rng.integers(0, n, size=(resamples, n), dtype=np.int64)
        picks += np.arange(resamples)[:, None] * n
        times = np.bincount(picks.ravel(), minlength=resamples * n).reshape(resamples, n)
        drawn += times.astype(float) @ totals[members]  # times: how often each subject was drawn
    draws = (drawn[:, :len(tasks)] / drawn[:, len(tasks):]).mean(axis=1)
    return observed, draws, len(subjects)


def _interval(observed: float, draws: np.ndarray, level: float) -> Interval:
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(draws, [tail, 100 - tail])
    return Interval(observed, float(low), float(high))


def paired_bootstrap(seeds: Mapping[int, Sequence[PairedQuestion]], *,
                     resamples: int = RESAMPLES, seed: int = 0,
                     level: float = LEVEL) -> Bootstrap:
    """A - B with percentile intervals, pooled over seeds and per seed (see the module doc).

    `seed` seeds the numpy Generator, so one input always gives the same intervals.

    >>> q = {0: [PairedQuestion("t", f"s{i}", 1.0, 0.0) for i in range(5)]}
    >>> str(paired_bootstrap(q, resamples=100).pooled)
    '+1.000 [+1.000, +1.000]'
    """
    if not seeds or not all(seeds.values()):
        raise SignificanceError("paired_bootstrap needs at least one seed, each with questions")
    if resamples < 1 or not 0 < level < 1:
        raise SignificanceError(f"resamples must be >= 1 and level in (0, 1), got {resamples}, "
                                f"{level}")
    rng = np.random.default_rng(seed)
    per_seed, observed, draws, subjects = {}, [], [], 0
    for name in sorted(seeds):
        seed_observed, seed_draws, seed_subjects = _seed_draws(seeds[name], resamples, rng)
        per_seed[name] = _interval(seed_observed, seed_draws, level)
        observed.append(seed_observed)
        draws.append(seed_draws)
        subjects += seed_subjects
    pooled = _interval(float(np.mean(observed)), np.mean(draws, axis=0), level)
    return Bootstrap(pooled, per_seed, subjects, resamples, level)


def sentence(a: str, b: str, on: str, result: Bootstrap) -> str:
    """The verdict in words, always with the difference and its interval.

    "A beats B" only when the whole interval of A - B is above zero, "B beats A" when it is
    below; otherwise no difference is detected, which at these sizes is not evidence that
    there is none.
    """
    pooled = result.pooled
    if pooled.low > 0:
        head, shown, order = f"{a} beats {b} on {on}", pooled, f"{a} − {b}"
    elif pooled.high < 0:
        head, shown, order = f"{b} beats {a} on {on}", pooled.flipped(), f"{b} − {a}"
    else:
        head, shown, order = (f"no difference detected at this size between {a} and {b} on {on}",
                              pooled, f"{a} − {b}")
    seeds = len(result.per_seed)
    return (f"{head}: {shown} ({order}; half-width {shown.half_width:.3f}), {result.level:.0%} "
            f"paired bootstrap over {result.subjects} subjects, {seeds} seed{'s' if seeds != 1 else ''}")
