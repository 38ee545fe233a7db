"""Checkpoint selection on the suite's validation questions, during training.

Cheap on purpose: a fixed, small set of val questions, greedy decoding with few new tokens,
scored with the suite's own metric. The test split is never read. Diffusion LMs answer with
the same sampler as the `dllm` scoring backend, not with left-to-right decoding. Under several
processes each answers its share of the questions and all of them get every score
(distributed.py), so all reach the same decision.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .. import metrics
from ..dllm.model import DiffusionModel
from ..dllm.sampler import SamplerSettings
from . import distributed

AnswerFn = Callable[..., list[str]]


def _chat(tokenizer, prompt: str) -> str:
    return tokenizer.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                         add_generation_prompt=True)


@torch.no_grad()
def generate_answers(model, tokenizer, prompts: list[str], max_new_tokens: int,
                     batch_size: int = 16) -> list[str]:
    """Greedy answers in batches of `batch_size`; a batch decodes until its longest answer ends.

    The val questions come grouped by file and answer lengths follow the file (15-68 tokens for
    trained SmolLM2), so a smaller batch stops sooner. Measured on a 2-core Intel Xeon
    (2026-12-03), the 28 val questions of a cpu-default suite: in float32, as the trainer's
    callback runs them, 10.4 s at 32 and 10.1 at 16 (8: 11.8, 4: 16.0); under bf16 autocast,
    16.3 at 32 and 7.5 at 16. Same answers at 16 and 32 in float32 (seed 0 standard checkpoint).
    """
    was_training = model.training
    model.eval()
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # generation continues from the right end of each row
    answers = []
    # A sharded model's forward passes are collectives: every process decodes until all have
    # finished (transformers detects FSDP1 and its own FSDP2 wrapping, not accelerate's).
    synced = distributed.sharded(model) and distributed.rank_and_world()[1] > 1
    try:
        for start in range(0, len(prompts), batch_size):
            chats = [_chat(tokenizer, p) for p in prompts[start:start + batch_size]]
            batch = tokenizer(chats, return_tensors="pt", padding=True,
                              add_special_tokens=False).to(model.device)
            out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id, synced_gpus=synced)
            answers += tokenizer.batch_decode(out[:, batch["input_ids"].shape[1]:],
                                              skip_special_tokens=True)
    finally:
        tokenizer.padding_side = side
        model.train(was_training)
    return answers


def diffusion_answers(model, tokenizer, prompts: list[str], max_new_tokens: int, mask_id: int,
                      block_length: int, batch_size: int = 32) -> list[str]:
    """Greedy low-confidence remasking; the window is max_new_tokens rounded up to whole blocks."""
    blocks = -(-max_new_tokens // block_length)
    settings = SamplerSettings(gen_length=blocks * block_length, block_length=block_length)
    diffusion = DiffusionModel.wrap(model, tokenizer, mask_id)
    chats = [_chat(tokenizer, p) for p in prompts]
    return [answer for start in range(0, len(chats), batch_size)
            for answer in diffusion.generate(chats[start:start + batch_size], settings)]


def evaluate(model, tokenizer, items: list[dict], max_new_tokens: int,
             answer_fn: AnswerFn = generate_answers) -> dict[str, float]:
    """Mean accuracy per val file and overall (the macro average selects checkpoints). Every
    process must call it: each answers its share, and all get the same scores."""
    mine = distributed.share(len(items), *distributed.rank_and_world())
    answers = answer_fn(model, tokenizer, [items[i]["prompt"] for i in mine], max_new_tokens)
    scored = {i: metrics.score(items[i]["scoring"], answer, items[i]["answers"])["accuracy"]
              for i, answer in zip(mine, answers, strict=True)}
    for other in distributed.gather(scored):
        scored |= other
    per_file: dict[str, list[float]] = {}
    for i, item in enumerate(items):
        per_file.setdefault(item["val_file"], []).append(scored[i])
    result = {name: sum(v) / len(v) for name, v in per_file.items()}
    result["val_accuracy"] = sum(result.values()) / len(result)
    return result
