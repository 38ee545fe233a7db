"""Turns pre-tokenised examples into padded batches, masking afresh on every call.

One mask ratio t is drawn per batch; every maskable token is then replaced by the mask token
independently with probability t (the diffusion-LM forward process). A document seen twice is
masked twice, differently.

>>> collator = MaskingCollator(pad_id=0, mask_id=9, ratio=MaskRatio(0.5, 0.5), seed=0)
>>> batch = collator([Example([5, 6, 7, 8], [-100, -100, 7, 8], maskable=[1])])
>>> batch["input_ids"].shape, collator.last_ratio
(torch.Size([1, 4]), 0.5)
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

import torch

from .formats import IGNORE, Example

SCHEDULES = ("uniform", "fixed", "linear")


@dataclass(frozen=True)
class MaskRatio:
    """How t is drawn. uniform: t ~ U(low, high) per batch, the paper's default (0.05, 0.95).
    fixed: t = low (the paper reports 0.5 and 0.75 work as well). linear: t moves from high to
    low over training (a curriculum from heavy to light masking)."""

    low: float = 0.05
    high: float = 0.95
    schedule: str = "uniform"

    def __post_init__(self) -> None:
        if self.schedule not in SCHEDULES:
            raise ValueError(f"mask schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if not 0.0 <= self.low <= self.high <= 1.0:
            raise ValueError(f"mask ratio bounds must satisfy 0 <= low <= high <= 1, got "
                             f"{self.low}, {self.high}")

    def draw(self, rng: random.Random, progress: float) -> float:
        if self.schedule == "fixed":
            return self.low
        if self.schedule == "linear":
            return self.high + (self.low - self.high) * min(max(progress, 0.0), 1.0)
        return rng.uniform(self.low, self.high)


@dataclass
class MaskingCollator:
    pad_id: int
    mask_id: int | None = None  # None: no method in this run masks
    ratio: MaskRatio = field(default_factory=MaskRatio)
    seed: int = 0
    progress: float = 0.0  # share of training done; set by the trainer for the linear schedule
    last_ratio: float | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def _mask(self, example: Example, t: float) -> tuple[list[int], list[int]]:
        ids, labels = list(example.input_ids), list(example.labels)
        for position in example.maskable:
            if self._rng.random() < t:
                ids[position] = self.mask_id
                if example.counterpart is not None:
                    target = example.counterpart[position]
                    labels[target] = example.input_ids[target]
        return ids, labels

    def __call__(self, examples: list[Example | Mapping]) -> dict[str, torch.Tensor]:
        examples = [e if isinstance(e, Example) else Example(**e) for e in examples]
        masking = any(e.maskable for e in examples)
        if masking and self.mask_id is None:
            raise ValueError("examples have maskable positions but the collator has no mask_id")
        t = self.ratio.draw(self._rng, self.progress) if masking else None
        self.last_ratio = t
        width = max(len(e) for e in examples)
        input_ids = torch.full((len(examples), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
        attention = torch.zeros((len(examples), width), dtype=torch.long)
        for row, example in enumerate(examples):
            ids, labs = self._mask(example, t) if t is not None else (example.input_ids,
                                                                      example.labels)
            input_ids[row, :len(ids)] = torch.tensor(ids)
            labels[row, :len(labs)] = torch.tensor(labs)
            attention[row, :len(ids)] = 1
        return {"input_ids": input_ids, "labels": labels, "attention_mask": attention}
