"""Training configuration: one dataclass, recipe YAMLs in train/ override its defaults.

Defaults are the paper's full fine-tuning settings (arXiv:2510.09885, section 4):
AdamW betas (0.9, 0.95), weight decay 0.1, 2% warm-up then constant lr, gradient clip 1.0,
bf16, batch 64. Recipes for a CPU demo and for one GPU live in train/.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import yaml

from .. import methods

ATTENTION = ("sdpa", "eager", "flex_attention", "flash_attention_2")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class TrainConfig:
    """Every field, its default and why.

    method (str): a method of the registry, maskft_bench/methods.py (what it trains on and how).
    model (str, defaults to "default"): model directory, hub id, or "default" for the embedded
        SmolLM2-135M-Instruct; dllm needs a masked diffusion LM (see maskft_bench/dllm/model.py).
    trust_remote_code (bool, defaults to False): load the model's own code (LLaDA, Dream).
    data (str, defaults to ""): a suite directory; "" means the shipped suite.
    datasets (list, defaults to ["bio", "namedesc"]): which knowledge sets to train on.
    format (str, defaults to "chat"): "pretrain" (bos + text + eos) is the paper's ablation of
        the standard method.
    reverse_mode (str, defaults to "entity"): "entity" keeps names and attribute values whole
        while reversing word order; "word" reverses every word (Golovneva et al. 2024).
    learning_rate (float, defaults to 5e-6): the paper's AR rate; masked used 3e-6 to 5e-6.
    epochs (float, defaults to 1.0): passes over the corpus; the paper ran thousands.
    max_steps (int, defaults to -1): if positive, overrides epochs.
    budget_tokens (int, defaults to 0): if positive, train until this many input tokens
        (non-padding, all processes together) have been seen, whatever the method: one number
        for every method gives a compute-matched comparison. The epochs it takes follow from
        the method's corpus and are recorded with each checkpoint; overrides epochs and
        max_steps.
    batch_size (int, defaults to 64): sequences per optimizer step per device (with grad_accum).
    grad_accum (int, defaults to 1): micro-batches per optimizer step.
    max_length (int, defaults to 512): longer examples are truncated, with a warning.
    group_by_length (bool, defaults to True): batches of similar lengths (less padding); the
        order within and across such groups stays random.
    packing (bool, defaults to False): padding-free batches, the examples end to end in one row
        with restarting position ids; the same loss as padding, none of its compute. It pays
        with an attention kernel that skips across-example blocks (flash_attention_2,
        flex_attention); under sdpa or eager transformers builds a dense block-diagonal mask,
        quadratic in the batch's total tokens. Not for dllm, whose collator pads with EOS
        that are part of the answer.
    attn_implementation (str, defaults to "sdpa"): autoregressive models load with it: sdpa, eager,
        flex_attention, or flash_attention_2 (needs the flash-attn package and a GPU).
    torch_compile (bool, defaults to False): compile the model (torch.compile, inductor). On a
        GPU it can shorten steps once compiled; batches of new lengths recompile, so compare
        with benchmarks/train_throughput.py before turning it on for a run.
    warmup_ratio (float, defaults to 0.02), weight_decay (0.1), adam_beta1 (0.9),
        adam_beta2 (0.95), max_grad_norm (1.0): the paper's optimiser.
    bf16 (bool, defaults to True): bf16 autocast; also on CPU, where it is ~3x faster.
    seed (int, defaults to 0).
    mask_low / mask_high (float, defaults to 0.05 / 0.95): t ~ U(low, high) per batch.
    mask_schedule (str, defaults to "uniform"): or "fixed" (t = mask_low) or "linear".
    mask_token (str, optional): defaults to an unused special token of the tokenizer (dllm: the
        model's own mask token when it declares one).
    dllm_eps (float, defaults to 1e-3): dllm masks each answer token with probability
        t ~ U(dllm_eps, 1), one t per sequence (LLaDA's eps; mask_low/high do not apply).
    dllm_block_length (int, defaults to 4): block length of the diffusion sampler that
        generates the validation answers of a dllm run (the paper's evaluation setting).
    eval_every (int, defaults to 0): validation-QA selection every N optimizer steps (0: only
        at the end); the best and the last checkpoints are kept.
    val_items (int, defaults to 64): validation questions per selection round (cheap greedy).
    val_max_new_tokens (int, defaults to 32).
    save_every (int, defaults to 500): checkpoint interval in optimizer steps (for resume).
    logging_steps (int, defaults to 10).
    """

    method: str
    model: str = "default"
    trust_remote_code: bool = False
    data: str = ""
    datasets: tuple[str, ...] = ("bio", "namedesc")
    format: str = "chat"
    reverse_mode: str = "entity"
    learning_rate: float = 5e-6
    epochs: float = 1.0
    max_steps: int = -1
    budget_tokens: int = 0
    batch_size: int = 64
    grad_accum: int = 1
    max_length: int = 512
    group_by_length: bool = True
    packing: bool = False
    attn_implementation: str = "sdpa"
    torch_compile: bool = False
    warmup_ratio: float = 0.02
    weight_decay: float = 0.1
    adam_beta1: float = 0.9
    adam_beta2: float = 0.95
    max_grad_norm: float = 1.0
    bf16: bool = True
    seed: int = 0
    mask_low: float = 0.05
    mask_high: float = 0.95
    mask_schedule: str = "uniform"
    mask_token: str | None = None
    dllm_eps: float = 1e-3
    dllm_block_length: int = 4
    eval_every: int = 0
    val_items: int = 64
    val_max_new_tokens: int = 32
    save_every: int = 500
    logging_steps: int = 10

    def __post_init__(self) -> None:
        try:
            method = methods.get(self.method)
        except methods.MethodError as err:
            raise ConfigError(str(err)) from None
        if self.format not in ("chat", "pretrain"):
            raise ConfigError(f"format must be chat or pretrain, got {self.format!r}")
        if self.format == "pretrain" and self.method != "standard":
            raise ConfigError("format: pretrain is an ablation of the standard method only")
        if self.reverse_mode not in ("entity", "word"):
            raise ConfigError(f"reverse_mode must be entity or word, got {self.reverse_mode!r}")
        unknown = set(self.datasets) - {"bio", "namedesc"}
        if unknown:
            raise ConfigError(f"unknown datasets {sorted(unknown)}; expected bio and/or namedesc")
        if self.packing and method.collator == "diffusion":
            raise ConfigError(f"packing does not apply to {self.method}: its batches are padded "
                              "with EOS tokens that belong to the answer")
        if self.attn_implementation not in ATTENTION:
            raise ConfigError(f"attn_implementation must be one of {', '.join(ATTENTION)}, got "
                              f"{self.attn_implementation!r}")
        if not 0.0 < self.dllm_eps < 1.0:
            raise ConfigError(f"dllm_eps must be between 0 and 1, got {self.dllm_eps}")
        if self.budget_tokens < 0:
            raise ConfigError(f"budget_tokens must be 0 (off) or positive, got {self.budget_tokens}")
        for name in ("batch_size", "grad_accum", "max_length", "dllm_block_length"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")

    @property
    def knowledge(self) -> bool:
        return methods.get(self.method).knowledge

    def fingerprint(self) -> str:
        """Identifies a run: resuming is allowed only into a directory with the same one."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def _coerce(name: str, value: object, kind: type | str) -> object:
    text = str(kind)
    try:
        if "tuple" in text:
            return tuple(value.split(",")) if isinstance(value, str) else tuple(value)
        if text in ("int", "<class 'int'>"):
            return int(value)
        if text in ("float", "<class 'float'>"):
            return float(value)
        if text in ("bool", "<class 'bool'>"):
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "1", "0"):
                    raise ValueError(value)
                return value.lower() in ("true", "1")
            return bool(value)
    except ValueError:
        raise ConfigError(f"{name}: cannot read {value!r} as {text}") from None
    return value


def parse_settings(items: list[str]) -> dict[str, str]:
    """`--set KEY=VALUE` items as overrides; values are typed later, against the dataclass."""
    settings = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE")
        settings[key.strip()] = value
    return settings


def load_config(recipe: Path | None, overrides: dict[str, object]) -> TrainConfig:
    """Dataclass defaults < recipe YAML < its `per_method:` block < command-line overrides.

    Overrides that are None are skipped, so unset command-line flags keep the recipe's values.
    """
    loaded: dict = {}
    if recipe is not None:
        try:
            loaded = yaml.safe_load(Path(recipe).read_text()) or {}
        except (OSError, yaml.YAMLError) as err:
            raise ConfigError(f"--config {recipe}: {err}") from err
        if not isinstance(loaded, dict):
            raise ConfigError(f"--config {recipe}: expected a mapping of settings")
    return resolve_config(loaded, overrides)


def resolve_config(settings: dict, overrides: dict[str, object]) -> TrainConfig:
    """The layering rule behind load_config, for settings already read (the pipeline's recipes)."""
    values = dict(settings)
    per_method = values.pop("per_method", None) or {}
    if not isinstance(per_method, dict):
        raise ConfigError("per_method: expected a mapping of method -> settings")
    given = {k: v for k, v in overrides.items() if v is not None}
    values.update(per_method.get(given.get("method", values.get("method")), {}))
    values.update(given)
    known = {f.name: f.type for f in fields(TrainConfig)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r} (settings: {', '.join(known)})")
    if "method" not in values:
        raise ConfigError("no method given (--method or `method:` in the recipe)")
    return TrainConfig(**{k: _coerce(k, v, known[k]) for k, v in values.items()})
