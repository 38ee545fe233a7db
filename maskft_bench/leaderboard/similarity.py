"""Near-duplicates: a submission that gave (almost) the same answers as another on its suite.

A file hash, or a hash of every response, is defeated by changing one character of one answer
and resubmitting under the id derived from the new content. So two submissions on the same
suite (the same board) are compared question by question: the share of the ranked questions
(knowledge and math, not retention) both answered where the responses are identical. A
submission is a near-duplicate of another when that share is at least NEAR_DUPLICATE_SHARE.
Retention is left out because answering the general questions exactly as the base model does
is what a fine-tuned model should do, not a sign of copying.

Why 0.9. Greedy decoding makes a model's answers a fingerprint of its weights. Among the
committed entries the most similar pairs of different models are the same training done two
ways (cpu-default seed 1's paraphrase@compute at step 24, trained as one batch of 12 and as
three micro-batches of 4: the same updates up to rounding, 69%; standard at step 20 likewise,
62%); two methods on one suite share at most 53% (masked and standard fine-tuning of cpu-long
seed 1; many are the same right answer, word for word).
A resubmission edited by hand shares all but
the edited answers. At 0.9, passing off a copy as a new entry means rewriting a tenth of its
answers, which moves its scores as much as a different model would; and two models that answer
90% of the questions word for word alike are indistinguishable on the board, so the second
must show otherwise (`leaderboard reproduce`). The share is over the smaller submission's
questions, so leaving out the optional math task does not dilute it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import metrics
from ..suite.emit import RETENTION_TASK

NEAR_DUPLICATE_SHARE = 0.9

Answers = Mapping[tuple[str, int], str]


def answers(samples: Mapping[str, Sequence[Mapping]]) -> dict[tuple[str, int], str]:
    """The scored response to each (task, question index) of the ranked tasks."""
    return {(task, s["doc_id"]): metrics.scored_text(s) for task, log in samples.items()
            if task != RETENTION_TASK for s in log}


def identical_share(a: Answers, b: Answers) -> float:
    """Share of the smaller submission's questions that the other answered identically."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if not small:
        return 0.0
    return sum(large.get(key) == text for key, text in small.items()) / len(small)
