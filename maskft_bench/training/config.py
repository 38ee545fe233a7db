"""Training configuration: one dataclass; recipe YAMLs (shipped in maskft_bench/recipes/), flags
and `--set` override it.

Each field declares its type, its default and, in its help, why the default is what it is;
`maskft-bench train --help`, `--set`, recipe values and their errors all come from the fields
(maskft_bench/settings.py). `training_arguments` is the one mapping onto transformers'
TrainingArguments.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .. import methods
from ..errors import brief
from ..settings import ConfigError, check_fields, setting, typed
from ..suite.emit import KNOWLEDGE_MAX_GEN_TOKS

if TYPE_CHECKING:
    from transformers import TrainingArguments

RECIPES_DIR = Path(__file__).resolve().parents[1] / "recipes"  # package data: wheels have it
ATTENTION = ("sdpa", "eager", "flex_attention", "flash_attention_2")
MASK_SCHEDULES = ("uniform", "fixed", "linear")  # collator.MaskRatio draws t by these
SEED_MAX = 2**32 - 1  # numpy's seeds, which Trainer's set_seed also sets, end here


@dataclass(frozen=True)
class TrainConfig:
    """The settings of one training run.

    Defaults are the paper's full fine-tuning settings (arXiv:2510.09885, section 4): AdamW
    betas (0.9, 0.95), weight decay 0.1, 2% warm-up then constant lr, gradient clip 1.0, bf16,
    batch 64. Recipes for a CPU demo and for one GPU ship in maskft_bench/recipes/. A run's fingerprint is a
    hash of every field, so the field names and order are part of resuming a run.
    """

    method: str = setting(help="what to train on and how, one of the registry's methods "
                          f"(maskft_bench/methods.py): {methods.help_lines()}",
                          choices=methods.METHODS)
    model: str = setting("default", help="model directory, hub id, or default for the "
                         "embedded SmolLM2-135M-Instruct (no download, trains on a CPU); dllm "
                         "needs a masked diffusion LM (see maskft_bench/dllm/model.py)")
    trust_remote_code: bool = setting(False, help="load the model's own code (LLaDA, Dream); "
                                      "off unless asked, as it runs the model repository's code")
    data: str = setting("", help="a suite directory; empty: the shipped suite")
    datasets: tuple[str, ...] = setting(("bio", "namedesc"), help="knowledge sets to train "
                                        "on: bio and/or namedesc; both, as the suite scores both")
    format: str = setting("chat", choices=("chat", "pretrain"), help="chat: the suite asks "
                          "chat questions, so the model learns chat turns; pretrain (bos + text "
                          "+ eos) is the paper's ablation of the standard method")
    reverse_mode: str = setting("entity", choices=("entity", "word"), help="how the reverse "
                                "method reverses a text: entity keeps names and attribute values "
                                "whole while reversing word order, word reverses every word "
                                "(Golovneva et al. 2024, who found entity reversal better)")
    learning_rate: float = setting(5e-6, above=0, help="peak learning rate: the paper's AR rate (masked "
                                   "used 3e-6 to 5e-6); small models and short runs need more")
    epochs: float = setting(1.0, above=0, help="passes over the corpus; the paper ran thousands, so "
                            "every recipe sets its own")
    max_steps: int = setting(-1, at_least=-1, help="optimizer steps; if positive, overrides epochs")
    budget_tokens: int = setting(0, at_least=0, help="if positive, train until this many input tokens "
                                 "(non-padding, all processes together) have been seen, whatever "
                                 "the method: one number for every method gives a compute-matched "
                                 "comparison. The epochs it takes follow from the method's corpus "
                                 "and are recorded with each checkpoint; overrides epochs and "
                                 "max_steps")
    batch_size: int = setting(64, at_least=1, help="sequences per optimizer step per device (times "
                              "grad_accum); the paper's")
    grad_accum: int = setting(1, at_least=1, help="micro-batches per optimizer step, for a batch that does "
                              "not fit in memory at once")
    max_length: int = setting(512, at_least=1, help="tokens per example; longer examples are truncated, "
                              "with a warning")
    group_by_length: bool = setting(True, help="batches of similar lengths, so less padding; "
                                    "the order within and across such groups stays random")
    packing: bool = setting(False, help="padding-free batches: the examples end to end in one "
                            "row with restarting position ids; the same loss as padding, none of "
                            "its compute. It pays only with an attention kernel that skips "
                            "across-example blocks (flash_attention_2, flex_attention); under "
                            "sdpa or eager transformers builds a dense block-diagonal mask, "
                            "quadratic in the batch's total tokens, hence off. Not for dllm, "
                            "whose collator pads with EOS that are part of the answer")
    attn_implementation: str = setting("sdpa", choices=ATTENTION, help="attention kernel of "
                                       "autoregressive models: sdpa runs everywhere; "
                                       "flash_attention_2 needs the flash-attn package and a GPU")
    torch_compile: bool = setting(False, help="compile the model (torch.compile, inductor). On a "
                                  "GPU it can shorten steps once compiled, but batches of new "
                                  "lengths recompile, so compare with "
                                  "benchmarks/train_throughput.py before turning it on")
    warmup_ratio: float = setting(0.02, at_least=0, below=1, help="share of the steps that warm the "
                                  "learning rate up before it stays constant; the paper's")
    weight_decay: float = setting(0.1, at_least=0, help="AdamW weight decay; the paper's")
    adam_beta1: float = setting(0.9, at_least=0, below=1, help="AdamW beta1; the paper's")
    adam_beta2: float = setting(0.95, at_least=0, below=1, help="AdamW beta2; the paper's")
    max_grad_norm: float = setting(1.0, at_least=0, help="gradient clipping norm; the paper's")
    bf16: bool = setting(True, help="bf16 autocast, the paper's precision; also on CPU, where it is "
                         "~3x faster than float32")
    seed: int = setting(0, at_least=0, at_most=SEED_MAX, help="seeds the data order and the masks; the same "
                        "seed and settings repeat a run")
    mask_low: float = setting(0.05, at_least=0, at_most=1, help="lowest mask ratio: t ~ U(mask_low, "
                              "mask_high) per batch, the paper's range; the fixed schedule's t")
    mask_high: float = setting(0.95, at_least=0, at_most=1, help="highest mask ratio; the paper's")
    mask_schedule: str = setting("uniform", choices=MASK_SCHEDULES, help="how t is drawn: uniform "
                                 "(the paper's), fixed (t = mask_low; the paper reports 0.5 and "
                                 "0.75 work as well) or "
                                 "linear (from mask_high down to mask_low over training)")
    mask_token: str | None = setting(None, help="mask token; none: an unused special token of "
                                     "the tokenizer, which no text contains (dllm: the model's "
                                     "own mask token when it declares one)")
    dllm_eps: float = setting(1e-3, above=0, below=1, help="dllm masks each answer token with probability t "
                              "~ U(dllm_eps, 1), one t per sequence: LLaDA's eps, which keeps t "
                              "and so the loss weight 1/t bounded (mask_low/high do not apply)")
    dllm_block_length: int = setting(4, at_least=1, help="block length of the diffusion sampler that "
                                     "answers the validation questions of a dllm run (the "
                                     "paper's evaluation setting)")
    eval_every: int = setting(0, at_least=0, help="validation-QA selection every N optimizer steps (0: "
                              "only at the end); the best and the last checkpoints are kept")
    val_items: int = setting(64, at_least=0, help="validation questions per selection round: enough to "
                             "rank checkpoints, few enough that greedy answers stay cheap")
    val_max_new_tokens: int = setting(
        KNOWLEDGE_MAX_GEN_TOKS, at_least=1, help="tokens generated per validation answer, at most "
        "(generation stops at the end of the turn); the default is the test's window, so "
        "selection scores the answers the test will score (trained SmolLM2 answers run to ~70 "
        "tokens: a 24-token window changed the score of 1 answer in 5); math methods generate "
        "at least their longest validation solution")
    save_every: int = setting(500, at_least=1, help="checkpoint interval in optimizer steps, for resume")
    logging_steps: int = setting(10, at_least=1, help="optimizer steps between lines of metrics.jsonl")

    def __post_init__(self) -> None:
        try:
            method = methods.get(self.method)
        except methods.MethodError as err:
            raise ConfigError(str(err)) from None
        check_fields(self)
        if self.mask_low > self.mask_high:
            raise ConfigError(f"mask_low ({self.mask_low}) must not exceed mask_high "
                              f"({self.mask_high}): t is drawn between them")
        if self.format == "pretrain" and self.method != "standard":
            raise ConfigError("format: pretrain is an ablation of the standard method only")
        unknown = set(self.datasets) - {"bio", "namedesc"}
        if unknown:
            raise ConfigError(f"unknown datasets {sorted(unknown)}; expected bio and/or namedesc")
        if self.packing and method.collator == "diffusion":
            raise ConfigError(f"packing does not apply to {self.method}: its batches are padded "
                              "with EOS tokens that belong to the answer")

    @property
    def knowledge(self) -> bool:
        return methods.get(self.method).knowledge

    def fingerprint(self) -> str:
        """Identifies a run: resuming is allowed only into a directory with the same one."""
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def recipe_path(name_or_path: Path | str) -> Path:
    """A training recipe file, or the name of one shipped with the package ("cpu-demo")."""
    path = Path(name_or_path)
    shipped = RECIPES_DIR / f"{name_or_path}.yaml"
    if path.is_file() or not shipped.is_file():
        return path  # a missing file is reported, with the shipped names, by the caller
    return shipped


def load_config(recipe: Path | None, overrides: dict[str, object]) -> TrainConfig:
    """Dataclass defaults < recipe YAML < its `per_method:` block < command-line overrides.

    Overrides that are None are skipped, so unset command-line flags keep the recipe's values.
    """
    loaded: dict = {}
    if recipe is not None:
        recipe = recipe_path(recipe)
        try:
            loaded = yaml.safe_load(recipe.read_text()) or {}
        except (OSError, yaml.YAMLError) as err:
            shipped = ", ".join(sorted(p.stem for p in RECIPES_DIR.glob("*.yaml")))
            raise ConfigError(f"--config {recipe}: {err} (or a shipped name: {shipped})") from err
        if not isinstance(loaded, dict):
            raise ConfigError(f"--config {recipe}: expected a mapping of settings")
    return resolve_config(loaded, overrides)


def resolve_config(settings: dict, overrides: dict[str, object]) -> TrainConfig:
    """The layering rule behind load_config, for settings already read (the pipeline's recipes)."""
    values = dict(settings)
    per_method = per_method_settings(values.pop("per_method", None))
    given = {k: v for k, v in overrides.items() if v is not None}
    values.update(per_method.get(given.get("method", values.get("method")), {}))
    values.update(given)
    values = typed(TrainConfig, values)
    if "method" not in values:
        raise ConfigError("no method given (--method or `method:` in the recipe)")
    return TrainConfig(**values)


def per_method_settings(block: object) -> dict[str, dict]:
    """The `per_method:` block, checked whole: every key a method and every value a mapping of
    settings of the right types, so a typo under a method not trained now fails now too."""
    if block is None:
        return {}
    if not isinstance(block, dict):
        raise ConfigError(f"per_method: expected a mapping of method -> settings, got {brief(block)}")
    for name, values in block.items():
        try:
            methods.get(name)
        except methods.MethodError as err:
            raise ConfigError(f"per_method: {err}") from None
        if not isinstance(values, dict):
            raise ConfigError(f"per_method.{name}: expected a mapping of settings, got {brief(values)}")
        if "method" in values:
            raise ConfigError(f"per_method.{name}: sets the method; it holds settings of that method")
        try:
            typed(TrainConfig, values)
        except ConfigError as err:
            raise ConfigError(f"per_method.{name}: {err}") from None
    return block


def training_arguments(config: TrainConfig, out: Path) -> TrainingArguments:
    """Trainer's settings for a run: the TrainConfig fields Trainer reads, under Trainer's names,
    and the choices this project makes for every run."""
    import importlib.util

    import torch
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=str(out), per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum, learning_rate=config.learning_rate,
        lr_scheduler_type="constant_with_warmup",
        warmup_steps=config.warmup_ratio,  # below 1: a share of the steps
        weight_decay=config.weight_decay, adam_beta1=config.adam_beta1,
        adam_beta2=config.adam_beta2, max_grad_norm=config.max_grad_norm,
        num_train_epochs=config.epochs, max_steps=config.max_steps, bf16=config.bf16,
        use_cpu=not torch.cuda.is_available(), torch_compile=config.torch_compile,
        logging_steps=config.logging_steps,
        save_steps=config.save_every, save_total_limit=2, seed=config.seed,
        report_to=["tensorboard"] if importlib.util.find_spec("tensorboard") else "none",
        remove_unused_columns=False,
        # packed batches have no attention mask and no padding: every token counts
        include_num_input_tokens_seen="all" if config.packing else "non_padding",
        logging_nan_inf_filter=False,  # Trainer would otherwise hide a NaN loss from the logs
        train_sampling_strategy="group_by_length" if config.group_by_length else "random",
    )
