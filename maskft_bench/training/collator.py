"""Turns pre-tokenised examples into padded batches, masking afresh on every call.

Masked fine-tuning (MaskingCollator): one mask ratio t is drawn per batch; every maskable token
is then replaced by the mask token independently with probability t (the diffusion-LM forward
process). A document seen twice is masked twice, differently. The diffusion LM's own objective
(DiffusionCollator) masks the answer it is asked to predict instead; see that class.

With packing, MaskingCollator returns the batch as one padding-free row: the examples end to
end, position ids restarting at 0 for each, no attention mask. transformers reads the restarts
as sequence boundaries and keeps each example's attention to itself, so the loss is the padded
batch's loss without the padding's compute. The first label of each example is ignored, as the
shift in the causal-LM loss would otherwise make one example predict the next one's first token.
The batch also says use_cache=False: a model that opens a KV cache (as transformers models do by
default, in training mode too) no longer reads the restarts, and the examples would attend to
each other.

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
    packing: bool = False
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
        rows = [self._mask(e, t) if t is not None else (e.input_ids, e.labels) for e in examples]
        return self._packed(rows) if self.packing else self._padded(rows)

    def _padded(self, rows: list[tuple[list[int], list[int]]]) -> dict[str, torch.Tensor]:
        width = max(len(ids) for ids, _ in rows)
        input_ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        labels = torch.full((len(rows), width), IGNORE, dtype=torch.long)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        for row, (ids, labs) in enumerate(rows):
            input_ids[row, :len(ids)] = torch.tensor(ids)
            labels[row, :len(labs)] = torch.tensor(labs)
            attention[row, :len(ids)] = 1
        return {"input_ids": input_ids, "labels": labels, "attention_mask": attention}

    @staticmethod
    def _packed(rows: list[tuple[list[int], list[int]]]) -> dict[str, torch.Tensor | bool]:
        ids = [i for row_ids, _ in rows for i in row_ids]
        labels = [lab for _, row_labels in rows for lab in [IGNORE, *row_labels[1:]]]
        positions = [p for row_ids, _ in rows for p in range(len(row_ids))]
        return {"input_ids": torch.tensor([ids]), "labels": torch.tensor([labels]),
                "position_ids": torch.tensor([positions]), "use_cache": False}


@dataclass
class DiffusionCollator:
    """LLaDA's SFT forward process, for `--method dllm`.

    The prompt stays unmasked. The answer is everything from the example's first labelled
    token on (the document and the end of turn), followed by end-of-sequence tokens up to the
    longest example of the batch: LLaDA pads short pairs of a batch with EOS and treats those
    EOS as part of the answer, masked and predicted like any answer token, so that the model
    learns to fill the rest of its generation window with EOS. There is no other padding (the
    attention mask is all ones) and the EOS count in the answer length that normalises the
    loss. Each sequence draws its own t ~ U(eps, 1); each answer token is masked with
    probability t. The batch carries what `objective.diffusion_loss` needs: labels (the
    original token at masked positions, IGNORE elsewhere), mask_ratio (t per sequence) and
    response_length (answer tokens per sequence, EOS included).

    >>> collator = DiffusionCollator(eos_id=0, mask_id=9, seed=0)
    >>> batch = collator([Example([5, 6, 7], [-100, 6, 7]), Example([5, 6], [-100, 6])])
    >>> batch["response_length"].tolist()
    [2.0, 2.0]
    """

    eos_id: int
    mask_id: int
    eps: float = 1e-3
    seed: int = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def __call__(self, examples: list[Example | Mapping]) -> dict[str, torch.Tensor]:
        examples = [e if isinstance(e, Example) else Example(**e) for e in examples]
        width = max(len(e) for e in examples)
        input_ids = torch.full((len(examples), width), self.eos_id, dtype=torch.long)
        labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
        ratio = torch.empty(len(examples))
        length = torch.empty(len(examples))
        for row, example in enumerate(examples):
            start = next((i for i, lab in enumerate(example.labels) if lab != IGNORE), None)
            if start is None:
                raise ValueError("an example has no answer tokens (is the prompt longer than "
                                 "max_length?)")
            t = self._rng.uniform(self.eps, 1.0)
            ids = list(example.input_ids) + [self.eos_id] * (width - len(example))
            for position in range(start, width):
                if self._rng.random() < t:
                    labels[row, position] = ids[position]
                    ids[position] = self.mask_id
            input_ids[row] = torch.tensor(ids)
            ratio[row], length[row] = t, width - start
        return {"input_ids": input_ids, "labels": labels,
                "attention_mask": torch.ones_like(input_ids), "mask_ratio": ratio,
                "response_length": length}
