"""Semi-autoregressive low-confidence remasking: how a masked diffusion LM writes an answer.

The answer region starts as `gen_length` mask tokens after the prompt. It is filled one block
of `block_length` positions at a time, left to right; within a block, each of the block's
steps runs the model on the whole sequence (bidirectional attention: the prompt, the finished
blocks and every still-masked position) and unmasks the positions whose greedy prediction is
the most probable ("low-confidence remasking": the least confident stay masked). Unmasked
tokens are never changed again. This is LLaDA's sampler (Nie et al. 2025) at temperature 0,
the setting of the paper's QA evaluation: 128 new tokens, block length 4.

Pure tensors in, tensors out: the model is any function from (ids, attention mask) to logits
aligned with the ids (logits[:, i] predicts the token at position i).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import torch

LogitsFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class SamplerSettings:
    """gen_length (int, defaults to 128): answer positions, all masked at the start.
    block_length (int, defaults to 4): positions filled per block, left to right.
    steps (int, optional): model calls in total, spread evenly over the blocks; defaults to
        gen_length, one token per step (LLaDA's evaluation setting).
    """

    gen_length: int = 128
    block_length: int = 4
    steps: int | None = None

    def __post_init__(self) -> None:
        if self.gen_length < 1 or self.block_length < 1:
            raise ValueError(f"gen_length and block_length must be positive, got "
                             f"{self.gen_length} and {self.block_length}")
        if self.gen_length % self.block_length:
            raise ValueError(f"gen_length {self.gen_length} is not a multiple of block_length "
                             f"{self.block_length}")
        blocks = self.gen_length // self.block_length
        if self.total_steps % blocks or not 1 <= self.total_steps // blocks <= self.block_length:
            raise ValueError(f"steps {self.total_steps} must be a multiple of the {blocks} blocks "
                             f"with 1 to {self.block_length} steps per block")

    @property
    def total_steps(self) -> int:
        return self.gen_length if self.steps is None else self.steps

    @property
    def steps_per_block(self) -> int:
        return self.total_steps // (self.gen_length // self.block_length)


def transfer_counts(block_length: int, steps: int) -> list[int]:
    """Tokens unmasked at each step of a block: as even as possible, the larger counts first
    (LLaDA's linear schedule: the same expected number of tokens per step)."""
    base, extra = divmod(block_length, steps)
    return [base + 1] * extra + [base] * (steps - extra)


@torch.no_grad()
def sample(logits_fn: LogitsFn, prompt_ids: torch.Tensor, prompt_mask: torch.Tensor,
           mask_id: int, settings: SamplerSettings,
           stop_ids: Collection[int] = ()) -> torch.Tensor:
    """Greedy answers for a batch of left-padded prompts: (B, P) ids and mask -> (B, gen_length).

    Decoding ends early once every row holds a stop token (end of sequence or of turn) in its
    finished blocks: later blocks cannot change anything before it, so the answers are the same
    as with all blocks decoded; the positions never reached stay `mask_id`.
    """
    batch, prompt_length = prompt_ids.shape
    x = torch.cat([prompt_ids, prompt_ids.new_full((batch, settings.gen_length), mask_id)], dim=1)
    attention = torch.cat([prompt_mask, prompt_mask.new_ones((batch, settings.gen_length))], dim=1)
    counts = transfer_counts(settings.block_length, settings.steps_per_block)
    stops = torch.tensor(sorted(stop_ids), dtype=x.dtype, device=x.device)
    end = prompt_length + settings.gen_length
    for start in range(prompt_length, end, settings.block_length):
        block = slice(start, start + settings.block_length)
        for count in counts:
            logits = logits_fn(x, attention)[:, block].float()
            logits[..., mask_id] = -torch.inf  # an unmasked position gets a real token
            probs = logits.softmax(dim=-1)
            confidence, guess = probs.max(dim=-1)
            confidence = confidence.masked_fill(x[:, block] != mask_id, -1.0)
            chosen = confidence.topk(count, dim=-1).indices
            x[:, block] = x[:, block].scatter(1, chosen, guess.gather(1, chosen))
        if len(stops) and torch.isin(x[:, prompt_length:block.stop], stops).any(dim=1).all():
            break
    return x[:, prompt_length:]
