"""The retention-baseline rule: retention is measured against the base model's own entry.

Retention (the share of general-knowledge questions the base model answered fully right that
the fine-tuned model still answers fully right) depends on the base model's answers as much as
on the submission's. A log of them carried inside the submission can be written at will (base
answers that got nothing right but the few the fine-tuned model kept give 100%), so the
validator never takes it alone: the base model must have its own accepted entry (method
`base`, the same base model, the same suite), and retention is recomputed from that entry's
retention log. A submission that carries a baseline log must carry exactly that entry's
answers; one that carries none gets retention only where exactly one such entry exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .. import metrics
from ..scoring import summary as S
from ..scoring.errors import ScoreError
from .table import Entry
from .verdict import Rejected

if TYPE_CHECKING:
    from .validation import Checked

BASE_METHOD = "base"


def retention_answers(log: Sequence[Mapping]) -> dict[int, str]:
    """What a retention log answered, by question index: what two logs are compared by."""
    return {s["doc_id"]: metrics.scored_text(s) for s in log}


def _bases(checked: Checked, accepted: Sequence[Checked]) -> list[Checked]:
    entry = checked.entry
    return [b for b in accepted if b.entry.method == BASE_METHOD and b is not checked
            and b.entry.suite == entry.suite and b.entry.base_model == entry.base_model
            and b.retention_answers is not None]


def link_retention(checked: Checked, accepted: Sequence[Checked]) -> Entry:
    """The entry with its retention recomputed against its base entry; without retention where
    it has no retention log or no single base entry; Rejected("retention-baseline") when the
    baseline it carries is no accepted base entry's."""
    entry = checked.entry
    if checked.retention_items is None or (entry.method == BASE_METHOD
                                           and checked.claimed_baseline is None):
        return entry
    bases = _bases(checked, accepted)
    if checked.claimed_baseline is not None:
        bases = [b for b in bases if b.retention_answers == checked.claimed_baseline]
        if not bases:
            raise Rejected("retention-baseline", "its retention is measured against base-model "
                           "answers that no accepted entry holds: retention needs the base "
                           f"model's own entry (method {BASE_METHOD}, base model "
                           f"{entry.base_model}, suite {entry.suite}) with exactly these "
                           "answers; submit that entry too")
    if len(bases) != 1:
        return entry
    try:
        value = S.retention(checked.retention_items, bases[0].retention_items)
    except ScoreError as err:
        if checked.claimed_baseline is None:
            return entry
        raise Rejected("retention-baseline", str(err)) from err
    return replace(entry, retention=value["value"])
