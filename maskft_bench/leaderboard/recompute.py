"""Scores recomputed from a submission's responses with the project's own metrics.

The per-sample `accuracy` fields of a log are never read: every response is scored again by
maskft_bench.metrics against the regenerated suite's references, and the task means and
standard errors are computed the way lm-eval computes them (mean, sample stddev / sqrt(n)).
"""

from __future__ import annotations

import hashlib
import json
import math
import statistics
from collections.abc import Mapping, Sequence

from .. import metrics
from ..chance import chance_scores
from ..scoring import summary as S


def score_items(questions: Sequence[Mapping], samples: Sequence[Mapping]) -> list[dict[str, float]]:
    """Per-question metrics, in question order; `samples` must cover each question once."""
    return [metrics.score(q["scoring"], text, q["answers"])
            for q, text in zip(questions, responses(questions, samples), strict=True)]


def responses(questions: Sequence[Mapping], samples: Sequence[Mapping]) -> list[str]:
    """The scored response to each question, in question order (a sample's doc_id is its
    question's index)."""
    by_id = {s["doc_id"]: metrics.scored_text(s) for s in samples}
    return [by_id[i] for i in range(len(questions))]


def reverse_chance(questions: Mapping[str, Sequence[Mapping]],
                   samples: Mapping[str, Sequence[Mapping]], group: str) -> float:
    """What the entry's own reversed answers earn given to the other subjects of their kind
    (maskft_bench.chance), by the reverse headline's rule: the mean of its tasks' means. The
    questions are the regenerated suite's, so a submission's docs are not trusted for it."""
    means = []
    for task in (f"{group}_{part}" for part in S.HEADLINES["reverse"]):
        records = [{"doc": q, "filtered_resps": [text]} for q, text in
                   zip(questions[task], responses(questions[task], samples[task]), strict=True)]
        means.append(statistics.fmean(v for _, v in chance_scores(records, task).values()))
    return statistics.fmean(means)


def _stderr(values: Sequence[float]) -> float | None:
    """lm-eval's mean_stderr: sample standard deviation over sqrt(n)."""
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    return math.sqrt(sum((x - mean) ** 2 for x in values) / (n - 1)) / math.sqrt(n)


def task_row(items: Sequence[Mapping[str, float]]) -> dict[str, float | int | None]:
    """The same fields as a summary.json task row (see scoring.summary.task_rows)."""
    n = len(items)
    accuracy = [i["accuracy"] for i in items]
    return {
        "accuracy": sum(accuracy) / n,
        "accuracy_stderr": _stderr(accuracy),
        "exact_match": sum(i["exact_match"] for i in items) / n,
        "contains": sum(i["contains"] for i in items) / n,
        "n": n,
    }


def retention(current: Sequence[Mapping], baseline: Sequence[Mapping],
              questions: Sequence[Mapping]) -> dict[str, object]:
    """The summary's retention figure from both models' recomputed retention scores."""
    ids = [q["id"] for q in questions]
    now = dict(zip(ids, (i["accuracy"] for i in current), strict=True))
    base = dict(zip(ids, (i["accuracy"] for i in baseline), strict=True))
    return S.retention(now, base)


def responses_sha256(samples: Mapping[str, Sequence[Mapping]]) -> str:
    """Hash of what a model answered (task, question index, response) and nothing else.

    Two files with the same answers are the same run whatever their metadata says, so this
    is what duplicates are judged by and what a submission's id is derived from.
    """
    canonical = {task: sorted([s["doc_id"], metrics.scored_text(s)] for s in log)
                 for task, log in samples.items()}
    data = json.dumps(canonical, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()
