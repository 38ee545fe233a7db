"""A masked diffusion LM as the sampler needs it: weights, mask token, stop tokens, logits.

Two families of checkpoints work:
- transformers' own masked LMs (`AutoModelForMaskedLM`: ModernBERT, BERT, ...), which is
  what `maskft-bench train --method dllm` produces from such a model;
- remote-code diffusion LMs whose `auto_map` names an `AutoModel` class with an LM head and
  bidirectional attention (LLaDA, Dream), loaded with `trust_remote_code=True`.
Dream-style models predict position i from position i-1 (they were initialised from an AR
model); their logits are shifted back so that, for the sampler, logits[:, i] is always the
prediction for position i.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch

from ..errors import MaskftError
from .sampler import SamplerSettings, sample

SHIFTED_MODEL_TYPES = ("dream",)  # model_type values (lower case) that predict the next position


class DiffusionModelError(MaskftError, ValueError):
    pass


def load_model(path: str, dtype: str = "auto", device: str = "cpu",
               trust_remote_code: bool = False, revision: str | None = None):
    """The model with its LM head: a masked LM of transformers, or remote code's AutoModel."""
    from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM
    from transformers.models.auto.modeling_auto import MODEL_FOR_MASKED_LM_MAPPING

    config = AutoConfig.from_pretrained(path, trust_remote_code=trust_remote_code,
                                        revision=revision)
    auto_map = getattr(config, "auto_map", None) or {}
    if type(config) in MODEL_FOR_MASKED_LM_MAPPING or "AutoModelForMaskedLM" in auto_map:
        loader = AutoModelForMaskedLM
    elif "AutoModel" in auto_map:
        loader = AutoModel
    else:
        raise DiffusionModelError(
            f"{path}: model type {config.model_type!r} is not a masked LM; a diffusion LM is a "
            "transformers masked LM or remote code with an AutoModel entry (LLaDA, Dream: pass "
            "trust_remote_code=True)")
    torch_dtype = dtype if dtype == "auto" else getattr(torch, dtype)
    model = loader.from_pretrained(path, dtype=torch_dtype, trust_remote_code=trust_remote_code,
                                   revision=revision)
    return model.to(device)


def special_token_ids(tokenizer) -> set[int]:
    names = set(tokenizer.all_special_tokens) | {
        t.content for t in getattr(tokenizer, "added_tokens_decoder", {}).values() if t.special}
    return {tokenizer.convert_tokens_to_ids(name) for name in names}


def resolve_mask_id(tokenizer, config, explicit: int | None = None) -> int:
    """The explicit id, else the tokenizer's mask token, else the config's `mask_token_id`
    (LLaDA: 126336, which its tokenizer does not declare)."""
    for candidate in (explicit, tokenizer.mask_token_id, getattr(config, "mask_token_id", None)):
        if candidate is not None:
            return int(candidate)
    raise DiffusionModelError("the model declares no mask token (neither the tokenizer's "
                              "mask_token nor config.mask_token_id); pass mask_id=<token id>")


def _ids(value: int | Iterable[int] | None) -> set[int]:
    if value is None:
        return set()
    return {int(value)} if isinstance(value, int) else {int(v) for v in value}


def stop_token_ids(tokenizer, model, mask_id: int) -> set[int]:
    """Where an answer ends: end-of-sequence ids (tokenizer, config, generation config) and the
    special tokens of the chat template (end of turn, and any turn header the model might
    start). LLaDA fills the rest of the window with end-of-sequence tokens."""
    ids = _ids(tokenizer.eos_token_id) | _ids(getattr(model.config, "eos_token_id", None))
    generation = getattr(model, "generation_config", None)
    ids |= _ids(getattr(generation, "eos_token_id", None))
    template = tokenizer.chat_template if isinstance(tokenizer.chat_template, str) else ""
    ids |= {i for i in special_token_ids(tokenizer)
            if tokenizer.convert_ids_to_tokens(i) in template}
    return ids - {mask_id}


def shifts_logits(config) -> bool:
    return str(getattr(config, "model_type", "")).lower() in SHIFTED_MODEL_TYPES


def forward_logits(model, ids: torch.Tensor, attention: torch.Tensor,
                   shifted: bool) -> torch.Tensor:
    """Logits aligned with the ids. Without padding no mask is passed (remote code then takes
    its plain full-attention path, as in LLaDA's own training and sampling); with padding,
    Dream wants a 4-D boolean mask and positions that skip the padding, the others the usual
    2-D mask."""
    padded = not bool(attention.all())
    if not shifted:
        return model(input_ids=ids, attention_mask=attention if padded else None).logits
    if padded:
        keep = attention.bool()
        pairs = keep[:, None, :, None] & keep[:, None, None, :]
        positions = (attention.cumsum(dim=-1) - 1).clamp(min=0)
        logits = model(ids, attention_mask=pairs, position_ids=positions).logits
    else:
        logits = model(ids).logits
    return torch.cat([logits[:, :1], logits[:, :-1]], dim=1)


@dataclass
class DiffusionModel:
    """A loaded model and tokenizer, with what the sampler needs to drive them."""

    model: torch.nn.Module
    tokenizer: object
    mask_id: int
    stop_ids: set[int]
    shifted: bool = False

    @classmethod
    def wrap(cls, model, tokenizer, mask_id: int | None = None,
             shift_logits: bool | None = None) -> DiffusionModel:
        """shift_logits None: shifted for the model types known to need it (Dream)."""
        resolved = resolve_mask_id(tokenizer, model.config, mask_id)
        if shift_logits is None:
            shift_logits = shifts_logits(model.config)
        return cls(model, tokenizer, resolved, stop_token_ids(tokenizer, model, resolved),
                   shift_logits)

    def logits(self, ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        return forward_logits(self.model, ids, attention, self.shifted)

    def answer_ids(self, prompts: list[str], settings: SamplerSettings) -> list[list[int]]:
        """Greedy answers as token ids, cut before the first stop token."""
        device = next(self.model.parameters()).device
        encoded = [self.tokenizer(p, add_special_tokens=False)["input_ids"] for p in prompts]
        width = max(len(e) for e in encoded)
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        ids = torch.tensor([[pad] * (width - len(e)) + e for e in encoded], device=device)
        mask = torch.tensor([[0] * (width - len(e)) + [1] * len(e) for e in encoded],
                            device=device)
        was_training = self.model.training
        self.model.eval()
        try:
            out = sample(self.logits, ids, mask, self.mask_id, settings, self.stop_ids)
        finally:
            self.model.train(was_training)
        answers = []
        for row in out.tolist():
            cut = next((i for i, t in enumerate(row) if t in self.stop_ids), len(row))
            answers.append(row[:cut])
        return answers

    def generate(self, prompts: list[str], settings: SamplerSettings) -> list[str]:
        """Prompts exactly as the model sees them (chat template already applied) -> answers."""
        return self.tokenizer.batch_decode(self.answer_ids(prompts, settings),
                                           skip_special_tokens=True)
