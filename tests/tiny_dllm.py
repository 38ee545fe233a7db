"""A tiny masked diffusion LM built from a config, for tests that cannot download weights.

ModernBERT (bidirectional attention, rotary positions, a masked-LM head) with random weights,
and a byte-level BPE tokenizer trained on the given texts, with a ChatML template, a mask
token and pad == eos (as SmolLM2 and Llama have it). A few hundred tokens of vocabulary keep
training to reconstruction in seconds on a CPU; SmolLM2's 49k-token head made each step ~1.4 s.
"""

from pathlib import Path

import torch

CHATML = ("{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
          "{{ message['content'] }}<|im_end|>\n{% endfor %}"
          "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
SPECIALS = ["<|im_start|>", "<|im_end|>", "<|mask|>", "<|unused|>"]


def tiny_tokenizer(texts: list[str], vocab_size: int = 400):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(texts, trainer)
    wrapped = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>",
                                      pad_token="<|im_end|>", mask_token="<|mask|>",
                                      additional_special_tokens=["<|im_start|>", "<|unused|>"])
    wrapped.chat_template = CHATML
    return wrapped


def tiny_model(tokenizer, hidden: int = 64, layers: int = 2, seed: int = 0):
    from transformers import ModernBertConfig, ModernBertForMaskedLM

    torch.manual_seed(seed)
    config = ModernBertConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden,
        num_hidden_layers=layers, num_attention_heads=4, max_position_embeddings=2048,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id, cls_token_id=tokenizer.eos_token_id,
        sep_token_id=tokenizer.eos_token_id, layer_types=["full_attention"] * layers)
    return ModernBertForMaskedLM(config)


def save(model, tokenizer, directory: Path) -> Path:
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory
