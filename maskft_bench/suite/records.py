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


@dataclass(frozen=True)
class Paraphrase:
    """A rewrite of a document; `order` says whether facts keep the document's order."""

    id: str
    source: str
    order: str  # "same" | "permuted"
    text: str


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
