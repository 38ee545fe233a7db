"""metrics.rouge1_recall against the paper's scorer, rebuilt here from the `rouge` and `nltk` packages.

The paper (github xup5/masked_arLLM, src/eval_util.py; nltk 3.9.1, rouge 1.0.1) strips
string.punctuation, tokenises with nltk's word_tokenize, drops 14 stop-words, joins the
tokens with spaces and takes Rouge().get_scores(...)["rouge-1"]["r"], the best over the
references. `paper_recall` below does the same with those packages; the sample pairs real
references of the shipped suite with model-like answers. docs/metric-parity.md records
the outcome.
"""

from __future__ import annotations

import json
import random
import re
import string
from collections import Counter
from pathlib import Path

import pytest
from nltk.tokenize import word_tokenize
from rouge import Rouge

from maskft_bench import metrics

DATA = Path(__file__).resolve().parents[1] / "tasks" / "data"
PAPER_STOP_WORDS = ("a", "of", "the", "and", "is", "are", "be", "to", "new", "on", "in", "at", "an",
                    "for")
SAMPLE_SIZE = 400


def _paper_text(text: str) -> str:
    """One side of the paper's comparison: the space-joined tokens it hands to rouge.

    word_tokenize first cuts sentences with Punkt (downloaded data); Punkt ends sentences only
    at . ? !, which the punctuation removal has already deleted, so preserve_line=True (one
    sentence) gives the same tokens without the download.
    """
    kept = "".join(c for c in text.strip() if c not in string.punctuation)
    tokens = word_tokenize(kept, preserve_line=True)
    return " ".join(t for t in tokens if t.lower() not in PAPER_STOP_WORDS)


def paper_recall(prediction: str, references: list[str]) -> float:
    hypothesis = _paper_text(prediction)
    if not hypothesis:
        return 0.0  # rouge raises "Hypothesis is empty."; the paper counts such an answer as 0
    refs = [_paper_text(r) for r in references]
    scores = Rouge(metrics=["rouge-1"]).get_scores([hypothesis] * len(refs), refs)
    return max(s["rouge-1"]["r"] for s in scores)


def _suite_references() -> list[list[str]]:
    refs = []
    for path in sorted(DATA.glob("*/qa_*_test.jsonl")):
        refs += [json.loads(line)["answers"] for line in path.read_text().splitlines()]
    return refs


# --- model-like answers: each takes (rng, reference, an unrelated reference) --------------------

_DATE = re.compile(r"^(January|February|March|April|May|June|July|August|September|October|"
                   r"November|December) (\d{1,2}), (\d{4})$")


def _reworded_date(rng: random.Random, ref: str, _other: str) -> str:
    found = _DATE.match(ref)
    if not found:
        return f"It was {ref}."
    month, day, year = found.groups()
    return rng.choice([f"{day} {month} {year}", f"{month} {day}th, {year}", f"{month} {year}",
                       f"{year}-05-{int(day):02d}", f"on {day}/{year}", f"{month} {day} {year}."])


def _possessive(rng: random.Random, ref: str, _other: str) -> str:
    first, *rest = ref.split()
    mark = rng.choice(["'s", "’s", "s'"])
    return rng.choice([f"{first}{mark} answer: {ref}.", f"It is {first}{mark}.",
                       f"{' '.join(rest) or first}{mark} work"])


def _quoted(rng: random.Random, ref: str, _other: str) -> str:
    curly = re.sub(r"'([^']*)'", r"‘\1’", ref)
    return rng.choice([f"“{ref}”", f"'{ref}'", f'"{ref}"', curly, f"«{ref}»", f"„{ref}“",
                       f"The answer is “{curly}”."])


def _dashed(rng: random.Random, ref: str, _other: str) -> str:
    dash = rng.choice(["-", "–", "—", "‒", "―", "--"])
    return rng.choice([f"{ref} {dash} I am fairly sure", f"{ref}{dash}probably",
                       dash.join(ref.split()), f"1990{dash}1995: {ref}",
                       ref.replace("-", rng.choice([" ", "", "–"]))])


def _ampersand(rng: random.Random, ref: str, _other: str) -> str:
    swapped = ref.replace("&", "and") if "&" in ref else ref.replace(" ", " & ", 1)
    return rng.choice([swapped, ref.replace(" ", "&"), f"{ref} (&amp; co.)"])


def _numbers(rng: random.Random, ref: str, _other: str) -> str:
    return rng.choice([f"{ref}, with 1,200 staff and a 3.5 rating", f"{ref} (est. 1,990.50)",
                       re.sub(r"\d", lambda d: str((int(d.group()) + 1) % 10), ref),
                       ref.replace(",", ""), f"#1 {ref} #2"])


def _case(rng: random.Random, ref: str, _other: str) -> str:
    return rng.choice([ref.lower(), ref.upper(), ref.title(), ref.swapcase()])


def _empty(rng: random.Random, _ref: str, _other: str) -> str:
    return rng.choice(["", "   ", "\n", ".", "The.", "a of the", "It is the new one!"])


def _long(rng: random.Random, ref: str, other: str) -> str:
    return rng.choice([
        f"Based on my knowledge, the answer is {ref}. Note that {other} is often confused with it.",
        f"I'm not entirely certain, but I believe it's {ref} — at least, that's what I recall. "
        f"{other}? No.",
        f"Sure! Here is the answer:\n\n**{ref}**\n\nLet me know if you need more details.",
    ])


def _partial(rng: random.Random, ref: str, _other: str) -> str:
    tokens = ref.split()
    return " ".join(rng.sample(tokens, rng.randint(0, len(tokens))))


def _wrong(rng: random.Random, _ref: str, other: str) -> str:
    return rng.choice([other, f"I think it is {other}.", "I don't know."])


def _contraction(rng: random.Random, ref: str, _other: str) -> str:
    return rng.choice([f"I cannot be sure, but {ref}", f"I'm gonna say {ref}",
                       f"{ref}. CANNOT confirm.", f"Gotta be {ref}, wanna bet?", f"can not say: {ref}"])


def _spacing(rng: random.Random, ref: str, _other: str) -> str:
    return rng.choice([ref.replace(" ", "\u00a0"), ref.replace(" ", "  \t"), f"{ref}…",
                       f"({ref})", f"{ref}!?", ref.replace(" ", "_")])


VARIANTS = {f.__name__.lstrip("_"): f for f in (
    _reworded_date, _possessive, _quoted, _dashed, _ampersand, _numbers, _case, _empty, _long,
    _partial, _wrong, _contraction, _spacing)}
VARIANTS["exact"] = lambda _rng, ref, _other: ref


def sample_pairs(seed: int = 0, n: int = SAMPLE_SIZE) -> list[tuple[str, str, list[str]]]:
    """(variant, answer, references): the same list for the same seed."""
    rng = random.Random(seed)
    refs = _suite_references()
    names = sorted(VARIANTS)
    pairs = []
    for i in range(n):
        references = rng.choice(refs)
        name = names[i % len(names)]
        answer = VARIANTS[name](rng, rng.choice(references), rng.choice(rng.choice(refs)))
        pairs.append((name, answer, references))
    return pairs


# Where the tokenisers part ways, on references the shipped suite does not contain.
EDGE_PAIRS = [
    ("He cannot swim", ["cannot"]),
    ("He can swim", ["He cannot swim"]),
    ("can not", ["Cannot"]),
    ("gon na win", ["Gonna Win"]),
    ("wanna", ["wan na"]),
    ("wannabe", ["wan na"]),
    ("1990–1995", ["1990"]),
    ("1990 1995", ["1990–1995"]),
    ("“Silver Lantern”", ["Silver Lantern"]),
    ("Silver Lantern", ["“Silver Lantern”"]),
    ("Anya’s", ["Anya"]),
    ("Anya's", ["Anya"]),
    ("The", ["the New"]),  # neither side has a content word: paper's rouge raises, here 0
]


def test_the_sample_covers_every_kind_of_answer():
    pairs = sample_pairs()
    kinds = Counter(name for name, _, _ in pairs)
    assert set(kinds) == set(VARIANTS) and min(kinds.values()) >= SAMPLE_SIZE // len(VARIANTS)
    answers = " ".join(a for _, a, _ in pairs)
    for needle in ("’s", "'s", "“", "—", "–", "&", "1,200", "3.5", "cannot", "…", "\u00a0"):
        assert needle in answers, needle
    assert sum(not _paper_text(a) for _, a, _ in pairs) >= 10  # empty after the paper's cleaning
    # Every shipped reference keeps a content word, so rouge never sees an empty reference.
    assert all(_paper_text(r) for refs in _suite_references() for r in refs)


def test_recall_matches_the_papers_scorer_on_the_sample():
    differing = [(a, refs, metrics.rouge1_recall(a, refs), paper_recall(a, refs))
                 for _, a, refs in sample_pairs()
                 if metrics.rouge1_recall(a, refs) != pytest.approx(paper_recall(a, refs), abs=1e-12)]
    assert not differing, f"{len(differing)} of {SAMPLE_SIZE} pairs differ: {differing[:5]}"


@pytest.mark.parametrize(("answer", "references"), EDGE_PAIRS)
def test_recall_matches_the_papers_scorer_where_tokenisers_differ(answer, references):
    if not any(_paper_text(r) for r in references):
        assert metrics.rouge1_recall(answer, references) == 0.0
        return
    assert metrics.rouge1_recall(answer, references) == pytest.approx(paper_recall(answer, references))
