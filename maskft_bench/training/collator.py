"""Turns pre-tokenised examples into padded batches, masking afresh on every call.

Masked fine-tuning (MaskingCollator): one mask ratio t is drawn per batch; every maskable token
is then replaced by the mask token independently with probability t (the diffusion-LM forward
process). A document seen twice is masked twice, differently. The diffusion LM's own objective
(DiffusionCollator) masks the answer it is asked to predict instead; see that class.

The random numbers come from one torch.Generator per run (MaskStream), seeded with the run's
seed plus the process index, in one vectorised draw per batch: t, then one uniform number per
position of the padded batch. The stream's state is saved with every checkpoint
(callbacks.MaskStreamCheckpoint), so a resumed run draws the masks an uninterrupted one draws.
The same seed gives other masks than the earlier per-token Python draw (random.Random) did.

With packing, MaskingCollator returns the batch as one padding-free row: the examples end to
end, position ids restarting at 0 for each, no attention mask. transformers reads the restarts
as sequence boundaries and keeps each example's attention to itself, so the loss is the padded
batch's loss without the padding's compute. The first label of each example is ignored, as the
shift in the causal-LM loss would otherwise make one example predict the next one's first token.
The batch also says use_cache=False: a model that opens a KV cache (as transformers models do by
default, in training mode too) no longer reads the restarts, and the examples would attend to
each other.

>>> collator = MaskingCollator(pad_id=0, mask_id=9, ratio=MaskRatio(0.5, 0.5), seed=0)
>>> batch = collator([Example([5, 6, 7, 8], [-100, -100, 7, 8], maskable=[1, 2])])
>>> batch["input_ids"].tolist(), collator.last_ratio
([[5, 9, 9, 8]], 0.5)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

import torch
from torch.nn.utils.rnn import pad_sequence

from .config import MASK_SCHEDULES as SCHEDULES
from .formats import IGNORE, Example


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

    def draw(self, generator: torch.Generator, progress: float) -> float:
        """t for one batch; progress is the share of training done (linear schedule only)."""
        if self.schedule == "fixed":
            return self.low
        if self.schedule == "linear":
            return self.high + (self.low - self.high) * min(max(progress, 0.0), 1.0)
        return self.low + (self.high - self.low) * torch.rand((), generator=generator).item()


class MaskStream:
    """A collator's random numbers: one torch.Generator, seeded once per run.

    Trainer's data loader collates a batch ahead of training (accelerate looks one batch ahead
    to find the end of an epoch), so the generator has often drawn one batch more than the
    model has trained on when a checkpoint is saved. The stream therefore keeps its state from
    before each of its last few batches: `state_at(n)` is the state after n batches, the one a
    resumed run must continue from.

    >>> stream = MaskStream(seed=0)
    >>> first = torch.rand(3, generator=stream.next_batch())
    >>> saved = stream.state_at(0)
    >>> _ = torch.rand(3, generator=stream.next_batch())
    >>> stream.restore(saved)
    >>> torch.equal(torch.rand(3, generator=stream.next_batch()), first)
    True
    """

    KEPT = 4  # states kept: the look-ahead is one batch; more is slack

    def __init__(self, seed: int):
        self.generator = torch.Generator().manual_seed(seed)
        self.batches = 0  # batches drawn so far
        self._before: deque[torch.Tensor] = deque(maxlen=self.KEPT)  # [-k]: state after batches-k

    def next_batch(self) -> torch.Generator:
        """The generator, for the draws of one more batch."""
        self._before.append(self.generator.get_state())
        self.batches += 1
        return self.generator

    def state_at(self, batches: int) -> dict:
        """{"batches", "generator"}: the stream as it stood after its first `batches` batches."""
        back = self.batches - batches
        if back == 0:
            return {"batches": batches, "generator": self.generator.get_state()}
        if not 0 < back <= len(self._before):
            raise ValueError(f"mask stream: the state after batch {batches} is not kept "
                             f"({self.batches} batches drawn, the last {len(self._before)} kept)")
        return {"batches": batches, "generator": self._before[-back]}

    def restore(self, saved: Mapping) -> None:
        """Continue from a `state_at` record (a resumed run)."""
        self.generator.set_state(saved["generator"])
        self.batches = int(saved["batches"])
        self._before.clear()


def _pad(rows: list[list[int]], fill: int) -> torch.Tensor:
    return pad_sequence([torch.tensor(r, dtype=torch.long) for r in rows], batch_first=True,
                        padding_value=fill)


def _examples(examples: list[Example | Mapping]) -> list[Example]:
    """Trainer's dataset yields mappings (ExampleDataset); tests pass Examples."""
    return [e if isinstance(e, Example) else Example(**e) for e in examples]


@dataclass
class MaskingCollator:
    """Batches for the causal-LM methods; masks maskable positions as the module docstring says,
    and for masked SFT puts the loss on the answer tokens whose copies were masked."""

    pad_id: int
    mask_id: int | None = None  # None: no method in this run masks
    ratio: MaskRatio = field(default_factory=MaskRatio)
    seed: int = 0
    planned_batches: int = 0  # batches in the run, for the linear schedule (MaskSchedule)
    packing: bool = False
    last_ratio: float | None = None

    def __post_init__(self) -> None:
        self.stream = MaskStream(self.seed)

    @property
    def progress(self) -> float:
        """Share of the run's batches drawn before the next one (0 while the plan is unknown):
        a function of the stream's position, so a resumed run continues the schedule exactly."""
        if not self.planned_batches:
            return 0.0
        return self.stream.batches / max(self.planned_batches - 1, 1)

    def __call__(self, examples: list[Example | Mapping]) -> dict[str, torch.Tensor]:
        examples = _examples(examples)
        ids = _pad([e.input_ids for e in examples], self.pad_id)
        labels = _pad([e.labels for e in examples], IGNORE)
        progress = self.progress
        self.last_ratio = self._mask(examples, ids, labels, self.stream.next_batch(), progress)
        lengths = [len(e) for e in examples]
        return self._packed(ids, labels, lengths) if self.packing else self._padded(ids, labels, lengths)

    def _mask(self, examples: list[Example], ids: torch.Tensor, labels: torch.Tensor,
              generator: torch.Generator, progress: float) -> float | None:
        """Mask `ids` in place; for masked SFT, label the answer positions of masked tokens.
        Returns t, or None when no example has maskable positions (no draw then)."""
        maskable = torch.zeros(ids.shape, dtype=torch.bool)
        answer_at = torch.full(ids.shape, -1, dtype=torch.long)  # masked SFT: label position
        for row, example in enumerate(examples):
            maskable[row, example.maskable] = True
            if example.counterpart:
                answer_at[row, list(example.counterpart)] = torch.tensor(
                    list(example.counterpart.values()))
        if not maskable.any():
            return None
        if self.mask_id is None:
            raise ValueError("examples have maskable positions but the collator has no mask_id")
        t = self.ratio.draw(generator, progress)
        masked = maskable & (torch.rand(ids.shape, generator=generator) < t)
        rows, positions = (masked & (answer_at >= 0)).nonzero(as_tuple=True)
        targets = answer_at[rows, positions]
        labels[rows, targets] = ids[rows, targets]
        ids[masked] = self.mask_id
        return t

    @staticmethod
    def _padded(ids: torch.Tensor, labels: torch.Tensor,
                lengths: list[int]) -> dict[str, torch.Tensor]:
        attention = torch.arange(ids.shape[1])[None, :] < torch.tensor(lengths)[:, None]
        return {"input_ids": ids, "labels": labels, "attention_mask": attention.long()}

    @staticmethod
    def _packed(ids: torch.Tensor, labels: torch.Tensor,
                lengths: list[int]) -> dict[str, torch.Tensor | bool]:
        rows = range(len(lengths))
        labels = labels.clone()
        labels[:, 0] = IGNORE
        return {"input_ids": torch.cat([ids[r, :lengths[r]] for r in rows])[None],
                "labels": torch.cat([labels[r, :lengths[r]] for r in rows])[None],
                "position_ids": torch.cat([torch.arange(n) for n in lengths])[None],
                "use_cache": False}


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
    probability t (one draw per batch from the run's MaskStream, as MaskingCollator). The batch
    carries what `objective.diffusion_loss` needs: labels (the original token at masked
    positions, IGNORE elsewhere), mask_ratio (t per sequence) and response_length (answer
    tokens per sequence, EOS included).

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
        self.stream = MaskStream(self.seed)

    def __call__(self, examples: list[Example | Mapping]) -> dict[str, torch.Tensor]:
        examples = _examples(examples)
        starts = [next((i for i, lab in enumerate(e.labels) if lab != IGNORE), None)
                  for e in examples]
        if None in starts:
            raise ValueError("an example has no answer tokens (is the prompt longer than "
                             "max_length?)")
        ids = _pad([e.input_ids for e in examples], self.eos_id)
        start = torch.tensor(starts)
        generator = self.stream.next_batch()
        ratio = self.eps + (1.0 - self.eps) * torch.rand(len(examples), generator=generator)
        answer = torch.arange(ids.shape[1])[None, :] >= start[:, None]
        masked = answer & (torch.rand(ids.shape, generator=generator) < ratio[:, None])
        return {"input_ids": ids.masked_fill(masked, self.mask_id),
                "labels": torch.where(masked, ids, IGNORE),
                "attention_mask": torch.ones_like(ids), "mask_ratio": ratio,
                "response_length": (ids.shape[1] - start).float()}
