"""The suite's scoring rules, in one place: lm-eval tasks, trainers and the leaderboard all call these.

Knowledge QA is scored the way arXiv:2510.09885 scores it: ROUGE-1 recall of the
reference's unigrams in the answer, after removing punctuation and 14 stop-words,
maximised over references. Recall (not F1) is deliberate: a long answer that
contains the fact counts as correct, so verbose chat models are not penalised.
Like the paper's scorer, unigrams are compared as a set and case-sensitively, and text
is split the way NLTK's word_tokenize splits it once ASCII punctuation is gone.
Math is scored on the number lm-eval's gsm8k "flexible-extract" filter would pick.
tests/test_rouge_parity.py and tests/test_math_parity.py hold both rules to the
original code; docs/metric-parity.md lists what still differs and why.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence

# The paper's list, exactly (src/eval_util.py of the official code).
STOP_WORDS = frozenset(
    ["a", "of", "the", "and", "is", "are", "be", "to", "new", "on", "in", "at", "an", "for"]
)
_PUNCTUATION = str.maketrans("", "", string.punctuation)
# What NLTK's word_tokenize (the paper's tokenizer) still splits once ASCII punctuation is
# removed: curly and angle quotes and figure/en/em dashes become tokens of their own, and
# MacIntyre's contractions are cut in two (those spelled with an apostrophe cannot occur).
_SPLIT_OFF = re.compile("[«“‘„»”’\u2012-\u2015]")
_CONTRACTIONS = tuple(
    re.compile(p)
    for p in (r"(?i)\b(can)(not)\b", r"(?i)\b(gim)(me)\b", r"(?i)\b(gon)(na)\b",
              r"(?i)\b(got)(ta)\b", r"(?i)\b(lem)(me)\b", r"(?i)\b(wan)(na)(?=\s)")
)
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_FINAL_ANSWER = re.compile(r"####\s*(-?[\d,]*\.?\d+)")
# lm-eval 0.4.13 gsm8k.yaml, "flexible-extract": the last match, then its exact_match drops
# commas, dollar signs and one trailing period before comparing.
_FLEXIBLE = re.compile(r"(-?[$0-9.,]{2,})|(-?[0-9]+)")
_FLEXIBLE_IGNORED = re.compile(r"[,$]")

# Metric names shared by every task, so lm-eval's group average covers all of them.
METRICS = ("accuracy", "exact_match", "contains")


def _tokens(text: str) -> list[str]:
    """The paper's tokens: ASCII punctuation removed, then split as NLTK's word_tokenize splits."""
    text = " " + _SPLIT_OFF.sub(r" \g<0> ", text.translate(_PUNCTUATION)) + " "
    for contraction in _CONTRACTIONS:
        text = contraction.sub(r" \1 \2 ", text)
    return text.split()


def content_words(text: str) -> list[str]:
    """Tokens that count for ROUGE-1: the paper's tokens less its stop-words (any case)."""
    return [w for w in _tokens(text) if w.lower() not in STOP_WORDS]


def rouge1_recall(prediction: str, references: str | Sequence[str]) -> float:
    """Share of a reference's distinct content words found in the prediction, best reference wins."""
    refs = [references] if isinstance(references, str) else list(references)
    if not refs:
        raise ValueError("rouge1_recall needs at least one reference")
    predicted = set(content_words(prediction))
    best = 0.0
    for ref in refs:
        wanted = set(content_words(ref))
        if wanted:
            best = max(best, len(wanted & predicted) / len(wanted))
    return best


def normalize(text: str) -> str:
    """Lower-case, punctuation-free, single-spaced text for exact and contains matching."""
    return " ".join(text.lower().translate(_PUNCTUATION).split())


def exact_match(prediction: str, references: str | Sequence[str]) -> float:
    refs = [references] if isinstance(references, str) else references
    pred = normalize(prediction)
    return float(any(pred == normalize(r) for r in refs))


def contains(prediction: str, references: str | Sequence[str]) -> float:
    """1.0 when a whole normalised reference appears, on word boundaries, inside the prediction."""
    refs = [references] if isinstance(references, str) else references
    pred = f" {normalize(prediction)} "
    return float(any(normalize(r) and f" {normalize(r)} " in pred for r in refs))


def _to_number(token: str) -> float | None:
    try:
        return float(token.replace(",", ""))
    except ValueError:
        return None


def flexible_number(text: str) -> float | None:
    """lm-eval's gsm8k flexible-extract: the last number-like run, even after a '####' line.

    Its quirks are kept so that scores match the harness: a trailing "..." is read as the
    answer (and is no number), ".5" is 0.5, "-$5" is -5.
    """
    runs = _FLEXIBLE.findall(text)
    if not runs:
        return None
    run = next(group for group in runs[-1] if group)
    return _to_number(_FLEXIBLE_IGNORED.sub("", run).removesuffix("."))


def final_number(text: str, *, strict: bool = False) -> float | None:
    """The answer's number: strict, the one after the last '####'; else flexible_number."""
    if not strict:
        return flexible_number(text)
    marked = _FINAL_ANSWER.findall(text)
    return _to_number(marked[-1]) if marked else None


def score_knowledge(prediction: str, references: Sequence[str]) -> dict[str, float]:
    return {
        "accuracy": rouge1_recall(prediction, references),
        "exact_match": exact_match(prediction, references),
        "contains": contains(prediction, references),
    }


def score_math(prediction: str, references: Sequence[str]) -> dict[str, float]:
    """accuracy: flexible final number; exact_match: '#### N' present and right; contains: N anywhere."""
    gold = _to_number(references[0])
    if gold is None:
        raise ValueError(f"math reference is not a number: {references[0]!r}")
    numbers = {_to_number(n) for n in _NUMBER.findall(prediction)}
    return {
        "accuracy": float(final_number(prediction) == gold),
        "exact_match": float(final_number(prediction, strict=True) == gold),
        "contains": float(gold in numbers),
    }


SCORERS = {"knowledge": score_knowledge, "math": score_math}


def score(kind: str, prediction: str, references: Sequence[str]) -> dict[str, float]:
    """Score one generation; `kind` comes from the QA record so tasks need no scoring logic."""
    try:
        scorer = SCORERS[kind]
    except KeyError:
        raise ValueError(f"unknown scoring kind {kind!r}; expected one of {sorted(SCORERS)}") from None
    return scorer(prediction, references)


def scored_text(sample: Mapping) -> str:
    """The text lm-eval scored in one of its sample records: the filtered response (the
    suite's tasks have no filter). The leaderboard and the bootstrap rescore this text."""
    return sample["filtered_resps"][0]
