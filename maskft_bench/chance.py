"""Recall or a guess? What a run's reversed answers would score given to the wrong subjects.

A reversed question lists a person's attributes and asks who it is. A small suite has few
people (cpu-default: four a seed), so a model that answers every such question with the name of
some trained person is right about one time in four without knowing who fits. The chance score
of an answer is its mean score against the references of the other subjects of its kind in the
same task and seed (a person's name against the other people's names, a description against
the other descriptions): what it would earn had it named one of them at random. Paired with the
answer's real score, the bootstrap (significance.py) says whether a run recalls more than its
guesses would give. Kind: the subject id without its number (`bio`, `nd-n2d`, `nd-d2n`). A
subject alone of its kind is its own chance: naming the only candidate shows nothing.

Against at most PEERS others (those that follow the subject in the suite's order, wrapping
around): exact for suites of up to PEERS + 1 subjects of a kind, an estimate beyond, and a
bounded cost for the largest suite a submission may use (2,000 people: 6,000 answers x 24
scores, not x 1,999).

Meant for tasks whose questions about one subject share one answer (the reversed ones, where
the answer is the subject); pure, like significance.py.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path

from . import metrics
from .significance import Scores, SignificanceError, sample_logs

_NUMBER = re.compile(r"-?\d+$")
PEERS = 24


def kind(subject: str) -> str:
    """`nd-n2d-0003` -> `nd-n2d`: the subjects an answer could be confused among."""
    return _NUMBER.sub("", subject)


def chance_scores(samples: Sequence[Mapping], source: str) -> dict[str, tuple[str, float]]:
    """question id -> (subject, chance score) of one task's lm-eval sample records."""
    try:
        answers = {}  # subject -> (scoring rule, references), from its first question
        for sample in samples:
            doc = sample["doc"]
            answers.setdefault(doc["subject"], (doc["scoring"], doc["answers"]))
        kinds: dict[str, list[str]] = {}
        for subject in answers:
            kinds.setdefault(kind(subject), []).append(subject)
        others = {}  # subject -> the peers its answers are scored against
        for members in kinds.values():
            n = len(members)
            for i, subject in enumerate(members):
                others[subject] = [members[(i + d) % n] for d in range(1, min(n, PEERS + 1))]
        scores = {}
        for sample in samples:
            doc, text = sample["doc"], metrics.scored_text(sample)
            pool = [answers[s] for s in others[doc["subject"]]] or [(doc["scoring"], doc["answers"])]
            scores[doc["id"]] = (doc["subject"], statistics.fmean(
                metrics.score(rule, text, references)["accuracy"] for rule, references in pool))
    except (ValueError, KeyError, IndexError, TypeError) as err:
        raise SignificanceError(f"{source}: not samples of this suite "
                                f"({type(err).__name__}: {err})") from None
    return scores


def directory_chance(directory: Path, tasks: Sequence[str]) -> Scores:
    """The chance scores of the logged `tasks` of a `maskft-bench score` directory."""
    return {task: chance_scores(samples, str(path))
            for task, (path, samples) in sample_logs(directory).items() if task in tasks}
