"""Record types written to the suite's JSONL files; field names are the files' schema."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .templates import qa_prompt


@dataclass(frozen=True)
class Document:
    """A training document: what a fine-tuning method is allowed to read."""

    id: str
    subject: str
    text: str


# The kinds of document rewrite, in the order they are generated, and what each one is. They
# are two different augmentations: "stated" adds wording only, "reversed" also teaches the
# direction the reversed questions ask, so methods must be able to take one without the other.
PARAPHRASE_KINDS: dict[str, str] = {
    "stated": "the facts in the direction the document states them, in fresh wording (bio: "
              "every sentence names the person, by name or pronoun, before the attribute, in "
              "the document's sentence order in the first rewrite and shuffled in the others; "
              "namedesc: name first for N2D facts, description first for D2N facts)",
    "reversed": "the facts in the other direction (bio: all six attributes, each sentence "
                "ending with the full name after its attributes, as in the inverse-search "
                "augmentation of Physics of LMs; namedesc: description first for N2D facts, "
                "name first for D2N facts)",
}


@dataclass(frozen=True)
class Paraphrase:
    """A rewrite of a document; `kind` (a key of PARAPHRASE_KINDS) says which augmentation."""

    id: str  # "<source>-<kind>-<j>"
    source: str
    kind: str
    text: str

# The question files of a dataset (bio, namedesc): one per direction asked and split.
QA_FILES = tuple(f"qa_{d}_{s}.jsonl" for d in ("forward", "reverse") for s in ("val", "test"))


@dataclass(frozen=True)
class QA:
    """One evaluation item. `scoring` names the rule in maskft_bench.metrics."""

    id: str
    subject: str
    direction: str  # "forward" | "reverse"
    question: str
    prompt: str
    answers: list[str]
    scoring: str = "knowledge"
    attributes: list[str] = field(default_factory=list)

    @classmethod
    def knowledge(cls, id: str, subject: str, direction: str, question: str,
                  answers: Iterable[str], attributes: Iterable[str] = ()) -> QA:
        """A knowledge question; its prompt is always the suite's QA prompt around it."""
        return cls(id=id, subject=subject, direction=direction, question=question,
                   prompt=qa_prompt(question), answers=list(answers), attributes=list(attributes))


def to_json(record: object) -> dict:
    # Records are flat; vars() is much cheaper than dataclasses.asdict's deep copy.
    return dict(vars(record))
