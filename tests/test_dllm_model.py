"""The diffusion model wrapper: mask and stop tokens, logit alignment, batched generation."""

from types import SimpleNamespace

import pytest
import torch
from tiny_dllm import save, tiny_model, tiny_tokenizer

from maskft_bench.dllm.model import (
    DiffusionModel,
    DiffusionModelError,
    forward_logits,
    load_model,
    resolve_mask_id,
)
from maskft_bench.dllm.sampler import SamplerSettings

TEXTS = ["Mara Quell founded Zorvik Labs in 1911.", "Tobin Asher was born in Lisbon."]


@pytest.fixture(scope="module")
def tokenizer():
    return tiny_tokenizer(TEXTS * 3, vocab_size=300)


@pytest.fixture(scope="module")
def wrapped(tokenizer):
    return DiffusionModel.wrap(tiny_model(tokenizer).eval(), tokenizer)


def test_mask_id_explicit_then_tokenizer_then_config(tokenizer):
    config = SimpleNamespace(mask_token_id=126336)
    assert resolve_mask_id(tokenizer, config, explicit=7) == 7
    assert resolve_mask_id(tokenizer, config) == tokenizer.convert_tokens_to_ids("<|mask|>")
    no_mask_token = SimpleNamespace(mask_token_id=None)  # a tokenizer, or a config, without one
    assert resolve_mask_id(no_mask_token, config) == 126336  # LLaDA: only its config names it
    with pytest.raises(DiffusionModelError, match="declares no mask token"):
        resolve_mask_id(no_mask_token, no_mask_token)


def test_answers_stop_at_eos_and_chat_template_tokens(tokenizer, wrapped):
    names = {tokenizer.convert_ids_to_tokens(i) for i in wrapped.stop_ids}
    assert names == {"<|im_end|>", "<|im_start|>"}  # eos (= pad) and the template's turn markers
    assert wrapped.mask_id not in wrapped.stop_ids and not wrapped.shifted


class NextTokenModel(torch.nn.Module):
    """Dream's convention: the logits at position i score the token at i + 1."""

    config = SimpleNamespace(model_type="Dream")

    def forward(self, ids, attention_mask=None, position_ids=None):
        self.seen = (attention_mask, position_ids)
        logits = torch.full((*ids.shape, 50), -10.0)
        logits[:, :-1].scatter_(2, ids[:, 1:, None], 10.0)
        return SimpleNamespace(logits=logits)


def test_dream_style_logits_are_shifted_back_onto_their_position():
    model = NextTokenModel()
    ids = torch.tensor([[1, 5, 6, 7], [0, 0, 8, 9]])
    attention = torch.tensor([[1, 1, 1, 1], [0, 0, 1, 1]])
    logits = forward_logits(model, ids, attention, shifted=True)
    assert torch.equal(logits.argmax(-1)[:, 1:], ids[:, 1:])  # aligned: position i predicts ids[i]
    pairs, positions = model.seen
    assert pairs.shape == (2, 1, 4, 4) and not pairs[1, 0, 2, 0] and pairs[1, 0, 2, 3]
    assert positions.tolist() == [[0, 1, 2, 3], [0, 0, 0, 1]]
    assert DiffusionModel.wrap(model, tiny_tokenizer(TEXTS)).shifted


def test_batched_generation_matches_one_prompt_at_a_time(tokenizer, wrapped, one_thread):
    prompts = [tokenizer.apply_chat_template([{"role": "user", "content": q}], tokenize=False,
                                             add_generation_prompt=True)
               for q in ("Who?", "Who founded Zorvik Labs in the year 1911?", "Where born?")]
    settings = SamplerSettings(gen_length=8, block_length=4)
    together = wrapped.answer_ids(prompts, settings)
    alone = [wrapped.answer_ids([p], settings)[0] for p in prompts]
    assert together == alone
    assert all(not set(a) & wrapped.stop_ids for a in together)


def test_load_picks_the_masked_lm_head_and_refuses_causal_models(tokenizer, tmp_path):
    from transformers import LlamaConfig, LlamaForCausalLM

    directory = save(tiny_model(tokenizer), tokenizer, tmp_path / "dllm")
    model = load_model(str(directory), dtype="float32")
    assert type(model).__name__ == "ModernBertForMaskedLM" and model.dtype == torch.float32
    causal = tmp_path / "causal"
    LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32,
                                 num_hidden_layers=1, num_attention_heads=2)).save_pretrained(causal)
    with pytest.raises(DiffusionModelError, match="'llama' is not a masked LM"):
        load_model(str(causal))
