"""Checkpoint selection on the suite's validation questions, during training.

Cheap on purpose: a fixed, small set of val questions, greedy decoding with few new tokens,
scored with the suite's own metric. The test split is never read.
"""

from __future__ import annotations

import torch

from .. import metrics


@torch.no_grad()
def generate_answers(model, tokenizer, prompts: list[str], max_new_tokens: int,
                     batch_size: int = 32) -> list[str]:
    was_training = model.training
    model.eval()
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # generation continues from the right end of each row
    answers = []
    try:
        for start in range(0, len(prompts), batch_size):
            chats = [tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False,
                                                   add_generation_prompt=True)
                     for p in prompts[start:start + batch_size]]
            batch = tokenizer(chats, return_tensors="pt", padding=True,
                              add_special_tokens=False).to(model.device)
            out = model.generate(**batch, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id)
            answers += tokenizer.batch_decode(out[:, batch["input_ids"].shape[1]:],
                                              skip_special_tokens=True)
    finally:
        tokenizer.padding_side = side
        model.train(was_training)
    return answers


def evaluate(model, tokenizer, items: list[dict], max_new_tokens: int) -> dict[str, float]:
    """Mean accuracy per val file and overall (the macro average selects checkpoints)."""
    answers = generate_answers(model, tokenizer, [i["prompt"] for i in items], max_new_tokens)
    per_file: dict[str, list[float]] = {}
    for item, answer in zip(items, answers, strict=True):
        score = metrics.score(item["scoring"], answer, item["answers"])["accuracy"]
        per_file.setdefault(item["val_file"], []).append(score)
    result = {name: sum(v) / len(v) for name, v in per_file.items()}
    result["val_accuracy"] = sum(result.values()) / len(result)
    return result
