"""Padding-free packing: the same batch, the same loss and gradients as padding, checked on a
small random Llama (the default model's architecture) through transformers' own attention.

flex_attention has no backward on CPU; benchmarks/gpu_check.sh reruns the equivalence test on
the GPU with MASKFT_TEST_DEVICE=cuda and MASKFT_EXTRA_ATTENTION=flex_attention."""

import json
import os

import pytest
import torch

from maskft_bench.training.collator import MaskingCollator, MaskRatio
from maskft_bench.training.formats import IGNORE, Example

MASK_ID = 5
DEVICE = os.environ.get("MASKFT_TEST_DEVICE", "cpu")
ATTENTION = ["sdpa", "eager", *filter(None, os.environ.get("MASKFT_EXTRA_ATTENTION", "").split(","))]


def examples() -> list[Example]:
    """Three chat-like examples of different lengths; the middle of each is maskable."""
    rows = []
    for n, length in enumerate((9, 14, 6)):
        ids = [10 + (7 * n + i) % 50 for i in range(length)]
        prompt = length // 2
        rows.append(Example(ids, [IGNORE] * prompt + ids[prompt:], list(range(1, prompt))))
    return rows


def collate(packing: bool) -> dict[str, torch.Tensor]:
    collator = MaskingCollator(pad_id=0, mask_id=MASK_ID, ratio=MaskRatio(0.5, 0.5), seed=3,
                               packing=packing)
    return collator(examples())


def test_packed_row_is_the_padded_rows_end_to_end():
    padded, packed = collate(False), collate(True)
    lengths = padded["attention_mask"].sum(1).tolist()
    assert packed["input_ids"].shape == (1, sum(lengths)) and "attention_mask" not in packed
    assert packed["use_cache"] is False
    starts = [sum(lengths[:i]) for i in range(len(lengths))]
    for row, (start, n) in enumerate(zip(starts, lengths, strict=True)):
        # the same mask draws: masking happens before the layout is chosen
        assert packed["input_ids"][0, start:start + n].equal(padded["input_ids"][row, :n])
        assert packed["position_ids"][0, start:start + n].tolist() == list(range(n))
        assert packed["labels"][0, start] == IGNORE  # no prediction across the boundary
        assert packed["labels"][0, start + 1:start + n].equal(padded["labels"][row, 1:n])
    assert (packed["input_ids"] == MASK_ID).any()


@pytest.fixture(scope="module")
def model():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    # eval mode and use_cache left on, as in a config from the hub: the packed batch itself must
    # turn the cache off, or transformers stops reading the position restarts as boundaries.
    return LlamaForCausalLM(config).to(DEVICE).eval()


def loss_and_grad(model, batch: dict) -> tuple[float, torch.Tensor]:
    model.zero_grad()
    loss = model(**{k: v.to(DEVICE) if torch.is_tensor(v) else v for k, v in batch.items()}).loss
    loss.backward()
    return loss.item(), model.model.layers[0].self_attn.q_proj.weight.grad.cpu()


@pytest.mark.parametrize("attention", ATTENTION)
def test_packed_loss_and_gradients_equal_padded(model, attention):
    model.config._attn_implementation = attention
    padded_loss, padded_grad = loss_and_grad(model, collate(False))
    packed = collate(True)
    packed_loss, packed_grad = loss_and_grad(model, packed)
    assert packed_loss == pytest.approx(padded_loss, rel=1e-5)
    assert torch.allclose(packed_grad, padded_grad, atol=1e-6)
    # The check can fail: read as one long sequence, the row attends across examples. On this
    # near-uniform random model the loss moves by ~0.1% only; the gradients move by most of
    # their size, so they are what tells the layouts apart.
    leaked = dict(packed, position_ids=torch.arange(packed["input_ids"].shape[1])[None])
    assert not torch.allclose(loss_and_grad(model, leaked)[1], padded_grad, atol=1e-6)
    cached = dict(packed, use_cache=True)
    assert not torch.allclose(loss_and_grad(model, cached)[1], padded_grad, atol=1e-6)


def test_packed_training_counts_every_token(tmp_path, small_suite, tiny_llama):
    """The trainer end to end on a tiny random model with the real tokenizer: the tokens it
    reports are exactly the corpus' tokens (no padding, end-of-turn tokens included)."""
    from transformers import AutoTokenizer

    from maskft_bench.training.config import load_config
    from maskft_bench.training.data import build_corpus
    from maskft_bench.training.engine import RUN_FILE, train
    from maskft_bench.training.formats import Formatter

    config = load_config(None, {
        "method": "masked", "model": str(tiny_llama), "data": str(small_suite),
        "datasets": "namedesc", "batch_size": 4, "epochs": 1, "packing": True, "val_items": 0,
        "logging_steps": 1, "save_every": 1000, "bf16": False})
    meta = train(config, tmp_path / "run")
    corpus = build_corpus(config, Formatter(AutoTokenizer.from_pretrained(tiny_llama)))
    assert meta["tokens_seen"] == sum(len(e) for e in corpus.examples)
    run = json.loads((tmp_path / "run" / RUN_FILE).read_text())
    assert run["config"]["packing"] is True
