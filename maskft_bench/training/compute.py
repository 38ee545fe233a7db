"""Training compute, counted the same way for every method and batch layout.

Runs are compared at equal compute, so each checkpoint records three totals: input tokens
(every non-padding token the model read), loss tokens (the tokens the loss was computed on) and
training FLOPs. transformers' own figure, 6 x non-embedding parameters x tokens, leaves out the
LM head (with tied embeddings it counts as an embedding: 28M of SmolLM2-135M's 135M parameters)
and attention, and counts padding; this module's count is the following.

FLOPs formula (FLOPS_FORMULA names it in the records):

    training FLOPs = 3 x forward FLOPs        (the backward pass costs two forwards)
    forward FLOPs of one sequence of L real tokens
        = 2 x P x L  +  2 x 2 x layers x (heads x head_dim) x K(L)
    P    = matmul weights a token passes through
         = layers x (hidden x heads x head_dim            query
                     + 2 x hidden x kv_heads x head_dim   key and value (GQA)
                     + heads x head_dim x hidden          attention output
                     + 3 x hidden x intermediate)         gated MLP: gate, up, down
           + vocab x hidden                               LM head, tied or not
    K(L) = keys visible to the L queries, summed: L(L+1)/2 for causal attention (position i,
           0-based, sees i+1 keys), L^2 for bidirectional attention (a diffusion LM)

The attention term is QK^T and the weighted sum of values, 2 FLOPs per multiply-add each.
Not counted: the embedding lookup, norms, activations, rotary embeddings, softmax and the loss
(elementwise work, under 1% here). Padding is not counted either: a padded batch computes more
than this (every row to the longest row's width), so the figure is the model's useful compute,
the same for one batch padded or packed. Assumed: a Llama-style decoder (gated MLP, full
attention on every layer). For other architectures it is an estimate (ModernBERT: its
masked-LM head's extra dense layer is left out, and its local-attention layers are counted as
global ones); mixture-of-experts configs and configs without the fields are refused.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from transformers import TrainerCallback
from transformers.trainer_callback import ExportableState

from ..errors import MaskftError
from .formats import IGNORE

FLOPS_FORMULA = ("maskft-flops-v1: 3 x forward; forward = 2 x matmul weights (attention with GQA, "
                 "gated MLP, LM head) x tokens + 4 x layers x heads x head_dim x visible keys; "
                 "padding not counted")
_REQUIRED = ("hidden_size", "num_hidden_layers", "intermediate_size", "num_attention_heads",
             "vocab_size")
_EXPERT_FIELDS = ("num_experts", "num_local_experts", "n_routed_experts")
TOTALS = ("input_tokens", "loss_tokens", "training_flops")


class ComputeError(MaskftError, ValueError):
    pass


def _field(config: Any, name: str) -> Any:
    """A config value, from a transformers config or a config.json mapping; None if absent."""
    return config.get(name) if isinstance(config, Mapping) else getattr(config, name, None)


@dataclass(frozen=True)
class TransformerShape:
    """The sizes that set a decoder's compute, read from its HF config.

    >>> shape = TransformerShape(hidden=8, layers=2, intermediate=16, heads=2, kv_heads=1,
    ...                          head_dim=4, vocab=10)
    >>> shape.matmul_params  # 2 x (64 q + 2 x 32 kv + 64 o + 384 mlp) + 80 head
    1232
    >>> shape.training_flops([3, 1])  # 3 x (2 x 1232 x 4 tokens + 4 x 2 x 8 x (6 + 1) keys)
    30912
    """

    hidden: int
    layers: int
    intermediate: int
    heads: int
    kv_heads: int
    head_dim: int
    vocab: int

    @classmethod
    def from_config(cls, config: Any) -> TransformerShape:
        """num_key_value_heads defaults to num_attention_heads and head_dim to hidden / heads,
        as transformers' Llama config has it."""
        kind = _field(config, "model_type") or type(config).__name__
        missing = [name for name in _REQUIRED if not _field(config, name)]
        if missing:
            raise ComputeError(f"cannot count FLOPs for model type {kind!r}: its config has no "
                               f"{', '.join(missing)} (a Llama-style decoder config is needed)")
        if any(_field(config, name) for name in _EXPERT_FIELDS):
            raise ComputeError(f"cannot count FLOPs for model type {kind!r}: mixture-of-experts "
                               "layers are not covered by the formula")
        hidden, heads = _field(config, "hidden_size"), _field(config, "num_attention_heads")
        return cls(hidden=hidden, layers=_field(config, "num_hidden_layers"),
                   intermediate=_field(config, "intermediate_size"), heads=heads,
                   kv_heads=_field(config, "num_key_value_heads") or heads,
                   head_dim=_field(config, "head_dim") or hidden // heads,
                   vocab=_field(config, "vocab_size"))

    @property
    def matmul_params(self) -> int:
        """P in the module docstring: the weights of every matmul one token goes through."""
        query, kv = self.heads * self.head_dim, self.kv_heads * self.head_dim
        attention = 2 * self.hidden * query + 2 * self.hidden * kv
        mlp = 3 * self.hidden * self.intermediate
        return self.layers * (attention + mlp) + self.vocab * self.hidden

    def training_flops(self, lengths: Iterable[int], causal: bool = True) -> int:
        """FLOPs of forward + backward over sequences of these real (non-padding) lengths."""
        lengths = [int(n) for n in lengths]
        if any(n < 0 for n in lengths):
            raise ComputeError(f"sequence lengths must be >= 0, got {lengths}")
        tokens = sum(lengths)
        keys = sum(n * (n + 1) // 2 if causal else n * n for n in lengths)
        forward = 2 * self.matmul_params * tokens + 4 * self.layers * self.heads * self.head_dim * keys
        return 3 * forward


def training_flops(model_config: Any, lengths: Iterable[int], causal: bool = True) -> int:
    """Training FLOPs (module docstring) of one micro-batch whose sequences have these real
    lengths. model_config: a transformers config or its config.json as a dict."""
    return TransformerShape.from_config(model_config).training_flops(lengths, causal)


def sequence_lengths(batch: Mapping[str, Any]) -> list[int]:
    """Real lengths of a batch's sequences: attention-mask sums of a padded batch, the runs of
    restarting position ids of a packed one, else each row's width."""
    if batch.get("attention_mask") is not None:
        return batch["attention_mask"].sum(dim=1).tolist()
    ids = batch["input_ids"]
    if batch.get("position_ids") is None:
        return [ids.shape[1]] * ids.shape[0]
    lengths = []
    for row in batch["position_ids"].tolist():
        starts = [i for i, p in enumerate(row) if p == 0 or i == 0]
        lengths += [end - start for start, end in zip(starts, [*starts[1:], len(row)], strict=True)]
    return lengths


def loss_token_count(batch: Mapping[str, Any]) -> int:
    """Labelled positions the loss reads. The causal-LM loss predicts token i from token i-1, so
    the first position of a row (and of each packed example) is never a target; the diffusion
    objective (its batches carry mask_ratio) predicts every labelled position in place."""
    labels = batch.get("labels")
    if labels is None:
        return 0
    counted = labels != IGNORE
    if "mask_ratio" not in batch:
        counted[:, 0] = False
        if batch.get("attention_mask") is None and batch.get("position_ids") is not None:
            counted &= batch["position_ids"] != 0
    return int(counted.sum())


def _summed_over_processes(values: list[int], device: torch.device) -> list[int]:
    """The values added up over all data-parallel processes (each counts only its own batches)."""
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        return values
    tensor = torch.tensor(values, dtype=torch.int64, device=device)
    torch.distributed.all_reduce(tensor)
    return tensor.tolist()


class ComputeMeter(TrainerCallback, ExportableState):
    """Counts input tokens, loss tokens and training FLOPs of every micro-batch Trainer trains on.

    Trainer's micro-batch loop runs, right after each training step,
    `self.current_flos += float(self.floating_point_ops(inputs))` (transformers 5.19,
    Trainer._run_epoch) and moves current_flos into `state.total_flos` at each log and save;
    `install` points that call here, so total_flos becomes this module's count. `inputs` is the
    collator's batch: the loss gets a copy, so labels and mask_ratio are still there.

    The totals are summed over data-parallel processes, as Trainer sums total_flos and
    num_input_tokens_seen. They are saved in every checkpoint's trainer_state.json
    (stateful_callbacks) and read back on resume in `on_train_begin`.

    A config the formula does not cover (see TransformerShape.from_config) is warned about
    once; tokens are still counted and training_flops is None.
    """

    def __init__(self, model_config: Any, causal: bool = True):
        self.causal = causal
        self.shape: TransformerShape | None = None
        try:
            self.shape = TransformerShape.from_config(model_config)
        except ComputeError as err:
            warnings.warn(f"{err}; training FLOPs are not counted", stacklevel=2)
        self.counts = dict.fromkeys(TOTALS, 0)

    def install(self, trainer) -> None:
        """Add the meter to `trainer` and make it the trainer's FLOP count."""
        if trainer.args.restore_callback_states_from_checkpoint:
            # Trainer would swap in a new meter that trainer.floating_point_ops does not call
            raise ComputeError("ComputeMeter restores its own totals on resume; leave "
                               "restore_callback_states_from_checkpoint off")
        trainer.add_callback(self)
        trainer.floating_point_ops = self.floating_point_ops

    def floating_point_ops(self, inputs: Mapping[str, Any]) -> float:
        """Count one micro-batch; return this process's FLOPs for Trainer's total_flos."""
        lengths = sequence_lengths(inputs)
        flops = self.shape.training_flops(lengths, self.causal) if self.shape else 0
        local = [sum(lengths), loss_token_count(inputs), flops]
        for name, value in zip(TOTALS, _summed_over_processes(local, inputs["input_ids"].device),
                               strict=True):
            self.counts[name] += value
        return float(flops)

    def totals(self) -> dict[str, int | None]:
        """{"input_tokens", "loss_tokens", "training_flops"} so far, over all processes."""
        return {**self.counts, "training_flops": self.counts["training_flops"] if self.shape else None}

    def state(self) -> dict:
        """Saved by Trainer in each checkpoint; no args, as install() rules out Trainer's own
        restoring (which rebuilds callbacks from their args)."""
        return {"args": {}, "attributes": {"counts": dict(self.counts)}}

    def on_train_begin(self, args, state, control, **kwargs):
        """A fresh run starts at zero; a resumed one continues from its checkpoint's totals."""
        name = type(self).__name__
        saved = state.stateful_callbacks.get(name) if state.global_step else None
        self.counts = dict(saved["attributes"]["counts"]) if saved else dict.fromkeys(TOTALS, 0)
        if state.global_step and not saved:
            warnings.warn(f"resumed from a checkpoint without {name} totals: the counts cover "
                          f"only the steps after {state.global_step}", stacklevel=2)
            state.stateful_callbacks[name] = self.state()  # Trainer's save expects the entry
