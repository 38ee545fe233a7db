"""The training run: transformers' Trainer with this project's data, collator and callbacks.

Trainer (with accelerate underneath) provides the loop, mixed precision, checkpointing,
resume and DDP/FSDP under `torchrun` or `accelerate launch`; the only distributed code is what
selection and saving best/ and final/ need (distributed.py).
This module only wires the parts together (model, corpus, collator, callbacks, Trainer); each
callback's job is in callbacks.py.

Output directory:
  maskft-run.json     the resolved config; a rerun with the same config resumes
  metrics.jsonl       one line per logging step (with a digest of the inputs trained on so far,
                      masks included) and per validation round; each step once after a resume
  checkpoint-<step>/  HF checkpoints for resume (model, tokenizer, optimizer, trainer state,
                      and mask-stream-<process>.pt, the collator's random state); the run
                      checks the disk has room for them first, and removes one a failed or
                      killed save left partial (disk.py)
  best/ final/        HF model directories: best on validation QA, and the last
Every model directory carries maskft-train.json: method, config, seed, optimizer steps, and
the compute so far (compute.py): input tokens, loss tokens, document tokens (the training
texts' own tokens times the epochs: a masked example carries its document twice, once) and
training FLOPs with the LM head and attention, so runs compare at equal compute.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict
from functools import partial
from pathlib import Path

import torch
from torch.utils.data import Dataset
from transformers import TrainerCallback, TrainingArguments
from transformers.trainer_utils import get_last_checkpoint

from .. import methods, outdir
from ..atomic import write_json
from ..dllm.model import DiffusionModelError, load_model, resolve_mask_id
from ..errors import brief
from ..outlock import exclusive
from . import disk
from .callbacks import META_FILE as META_FILE  # re-exported: pipeline/ and tests read it here
from .callbacks import (
    STREAM_FILE,
    InputsDigest,
    MaskSchedule,
    MaskStreamCheckpoint,
    MetricsLog,
    NanGuard,
    RunMetadata,
    Selection,
    TokenBudget,
    budget_steps,
    steps_per_epoch,
)
from .collator import DiffusionCollator, MaskingCollator, MaskRatio
from .compute import FLOPS_FORMULA, ComputeMeter
from .config import TrainConfig, training_arguments
from .data import Corpus, build_corpus, manifest_of, validation_items
from .formats import Example, FormatError, Formatter, choose_mask_token
from .preflight import RUN_FILE as RUN_FILE  # re-exported: tests read it here
from .preflight import TrainError, check_run
from .selection import diffusion_answers, evaluate, generate_answers


class ExampleDataset(Dataset):
    """Items are mappings so that Trainer's length-grouped sampler can read their input_ids."""

    def __init__(self, examples: list[Example]):
        self.examples = examples

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict:
        return vars(self.examples[index])


def _model_path(config: TrainConfig) -> str:
    from ..models import default_model_dir

    return str(default_model_dir()) if config.model == "default" else config.model


def _formatter(config: TrainConfig) -> Formatter:
    from transformers import AutoTokenizer

    return Formatter(AutoTokenizer.from_pretrained(_model_path(config),
                                                   trust_remote_code=config.trust_remote_code))


def planned_tokens(config: TrainConfig) -> int:
    """The input tokens a run of `config` trains on: its corpus times its epochs. The pipeline
    gives this number to other methods as their budget, for a compute-matched comparison."""
    return round(build_corpus(config, _formatter(config)).tokens * config.epochs)


def matched_eval_every(config: TrainConfig, match: TrainConfig) -> int:
    """The eval_every that gives `config` a validation round each time `match` has one, counted
    in input tokens (on one process).

    A compute-matched run trains to the tokens of `match`; spaced in optimizer steps, a method
    with shorter steps (paraphrase's documents against masked's doubled ones) would get more
    rounds over the same budget, so more draws at a lucky validation score, and cost more time.
    """
    formatter = _formatter(config)

    def tokens_per_step(c: TrainConfig) -> float:
        corpus = build_corpus(c, formatter)
        return corpus.tokens / steps_per_epoch(len(corpus.examples), c.batch_size * c.grad_accum)

    return max(1, round(match.eval_every * tokens_per_step(match) / tokens_per_step(config)))


def _load(config: TrainConfig):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = _model_path(config)
    remote = config.trust_remote_code
    try:
        tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=remote)
        if methods.get(config.method).family == "diffusion":
            model = load_model(path, dtype="float32", trust_remote_code=remote)
        else:
            model = AutoModelForCausalLM.from_pretrained(
                path, dtype=torch.float32, trust_remote_code=remote,
                attn_implementation=config.attn_implementation)
    except (OSError, ImportError, ValueError, DiffusionModelError) as err:
        # ImportError/ValueError: an attn_implementation this install or model cannot run
        raise TrainError(f"cannot load model {path!r}: {err}") from err
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return path, tokenizer, model


def _diffusion_mask_id(tokenizer, model, requested: str | None) -> int:
    """--mask-token, else the model's own mask token, else an unused special token; recorded in
    the tokenizer and config so that every saved checkpoint names it for the scorer."""
    if requested is not None:
        mask_id = choose_mask_token(tokenizer, requested)
    else:
        try:
            mask_id = resolve_mask_id(tokenizer, model.config)
        except DiffusionModelError:
            mask_id = choose_mask_token(tokenizer)
    tokenizer.mask_token = tokenizer.convert_ids_to_tokens(mask_id)
    model.config.mask_token_id = mask_id
    return mask_id


def _mask_id(config: TrainConfig, tokenizer, model) -> int | None:
    method = methods.get(config.method)
    if method.collator == "diffusion":
        return _diffusion_mask_id(tokenizer, model, config.mask_token)
    return choose_mask_token(tokenizer, config.mask_token) if method.masks else None


def validation_tokens(config: TrainConfig, tokenizer, items: list[dict]) -> int:
    """New tokens per validation answer: the recipe's, and for math at least the longest
    validation solution (a shorter window cuts off the final number the metric reads)."""
    if config.knowledge:
        return config.val_max_new_tokens
    longest = max(len(tokenizer(a, add_special_tokens=False)["input_ids"])
                  for item in items for a in item["answers"])
    return max(config.val_max_new_tokens, longest + 8)


def _collator_and_answers(config: TrainConfig, tokenizer, mask_id: int | None, seed: int):
    """The record's collator and validation answerer, built with this run's settings."""
    method = methods.get(config.method)
    if method.collator == "diffusion":
        collator = DiffusionCollator(eos_id=tokenizer.eos_token_id, mask_id=mask_id,
                                     eps=config.dllm_eps, seed=seed)
    else:
        collator = MaskingCollator(pad_id=tokenizer.pad_token_id, mask_id=mask_id,
                                   ratio=MaskRatio(config.mask_low, config.mask_high,
                                                   config.mask_schedule), seed=seed,
                                   packing=config.packing)
    answers = (partial(diffusion_answers, mask_id=mask_id, block_length=config.dllm_block_length)
               if method.answers == "diffusion" else generate_answers)
    return collator, answers


def _run_meta(config: TrainConfig, path: str, recipe: Path | None, tokenizer,
              mask_id: int | None, corpus: Corpus) -> dict:
    """What every model directory of the run records about its making (RunMetadata adds the
    steps, tokens and compute so far)."""
    method = methods.get(config.method)
    manifest = manifest_of(config)
    return {"method": config.method, "model_family": method.family,
            "model": path, "recipe": str(recipe) if recipe else None,
            "config": asdict(config), "seed": config.seed,
            "suite_version": manifest["suite_version"],
            "mask_token": tokenizer.convert_ids_to_tokens(mask_id) if mask_id is not None else None,
            "train_examples": len(corpus.examples), "truncated_examples": corpus.truncated,
            "corpus_tokens": corpus.tokens,
            "text_tokens": corpus.text_tokens, "budget_tokens": config.budget_tokens or None,
            "flops_formula": FLOPS_FORMULA,
            # Template rewrites cost no model compute; a suite whose rewrites came from an LLM
            # records what generating them cost, and reports charge it to the method.
            "generation_flops": float(manifest.get("paraphrase_generation_flops", 0.0))
            if method.rewrites else 0.0}


def _scorer(config: TrainConfig, tokenizer, answer_fn) -> Callable[..., dict] | None:
    """model -> validation scores on the recipe's questions; None when there are none."""
    items = validation_items(config) if config.val_items else []
    if not items:
        return None
    return partial(evaluate, tokenizer=tokenizer, items=items,
                   max_new_tokens=validation_tokens(config, tokenizer, items), answer_fn=answer_fn)


def _check_fsdp_version(trainer) -> None:
    """FSDP1's wrapper answers generate() from the inner model, whose root parameters stay
    sharded, so selection (and with it best/) needs FSDP2."""
    plugin = getattr(trainer.accelerator.state, "fsdp_plugin", None)
    if plugin is not None and plugin.fsdp_version != 2:
        raise TrainError(f"fsdp_version {plugin.fsdp_version} is not supported; set "
                         "fsdp_version: 2 in the accelerate config (train/accelerate/fsdp.yaml)")


def _train_or_clean_up(trainer, out: Path, checkpoint: str | None) -> None:
    """trainer.train; a checkpoint that a failure or an interruption cut short (a full disk:
    torch.save stops mid-file) is removed, so that a rerun resumes from a whole one."""
    before = disk.checkpoints(out)
    try:
        trainer.train(resume_from_checkpoint=checkpoint)
    except BaseException as err:
        if trainer.args.process_index != 0:
            raise
        required = ("trainer_state.json", META_FILE, STREAM_FILE.format(0))
        partial = disk.remove_partial(disk.checkpoints(out) - before, required)
        if not partial or not isinstance(err, Exception):
            raise
        last = get_last_checkpoint(str(out))
        raise TrainError(
            f"saving {partial[0].name} failed ({type(err).__name__}: {err}); removed the partial "
            f"checkpoint, {disk.free_bytes(out) / disk.GB:.1f} GB are free now. Rerun the same "
            f"command to {'resume from ' + Path(last).name if last else 'start again'}") from err


def train(config: TrainConfig, out: Path, recipe: Path | None = None, resume: bool = False,
          overwrite: bool = False) -> dict:
    """Run (or continue) one training run and return the final model's metadata."""
    clear = check_run(config, out, resume, overwrite)
    args = training_arguments(config, out)
    # Under torchrun the main process holds --out for all of them (outlock).
    with exclusive(out, "train") if args.process_index == 0 else nullcontext():
        return _train(config, out, recipe, args, clear)


def _train(config: TrainConfig, out: Path, recipe: Path | None, args: TrainingArguments,
           clear: bool) -> dict:
    path, tokenizer, model = _load(config)
    try:
        mask_id = _mask_id(config, tokenizer, model)
        corpus = build_corpus(config, Formatter(tokenizer))
    except FormatError as err:
        raise TrainError(str(err)) from err
    sequences_per_step = config.batch_size * config.grad_accum * args.world_size
    if config.budget_tokens:
        args.max_steps = budget_steps(config.budget_tokens, corpus.examples, sequences_per_step)
    steps = args.max_steps if args.max_steps > 0 else \
        steps_per_epoch(len(corpus.examples), sequences_per_step) * config.epochs
    need = disk.footprint(sum(p.numel() for p in model.parameters()), steps, args.save_steps,
                          args.save_total_limit) - disk.already_placed(out, clearing=clear)
    disk.check_space(out, max(need, 0))
    # Under torchrun only the main process clears or records the run directory; the others
    # wait for it and then find the same checkpoints. Nothing is deleted before the model loaded.
    with args.main_process_first(desc="claim the run directory"):
        if args.process_index == 0 and clear:
            outdir.clear(out, "train")
        if args.process_index == 0:  # a save killed mid-way (SIGKILL, power) left no state file
            for partial in disk.remove_partial(disk.checkpoints(out), ("trainer_state.json",)):
                print(f"[train] removed {brief(partial)}: a save cut short (no "
                      "trainer_state.json), not a checkpoint to resume from", file=sys.stderr)
        checkpoint = get_last_checkpoint(str(out)) if out.is_dir() else None
    method = methods.get(config.method)
    collator, answer_fn = _collator_and_answers(config, tokenizer, mask_id,
                                                config.seed + args.process_index)
    meta = _run_meta(config, path, recipe, tokenizer, mask_id, corpus)
    if args.process_index == 0:
        out.mkdir(parents=True, exist_ok=True)
        write_json(out / RUN_FILE, {"fingerprint": config.fingerprint(), **meta})
    meter = ComputeMeter(model.config, causal=method.family != "diffusion")
    metadata = RunMetadata(meta, tokenizer, meter, corpus.text_tokens)
    digest = InputsDigest()
    metrics, guard = MetricsLog(out, digest), NanGuard()
    selection = Selection(out / "best", _scorer(config, tokenizer, answer_fn), config.eval_every,
                          metrics, metadata, guard)
    callbacks: list[TrainerCallback] = [metrics, guard, metadata, selection,
                                        MaskStreamCheckpoint(collator.stream)]
    if isinstance(collator, MaskingCollator):
        callbacks.append(MaskSchedule(collator))
    if config.budget_tokens:
        callbacks.append(TokenBudget(config.budget_tokens))
    trainer = method.trainer_class()(
        model=model, args=args, train_dataset=ExampleDataset(corpus.examples),
        data_collator=collator, processing_class=tokenizer, callbacks=callbacks)
    _check_fsdp_version(trainer)
    meter.install(trainer)
    digest.install(trainer)
    _train_or_clean_up(trainer, out, checkpoint)
    state = trainer.state
    if guard.step is not None:
        last = get_last_checkpoint(str(out))
        raise TrainError(f"loss became NaN at step {guard.step} (loss or gradient norm not "
                         f"finite); stopped. The last good "
                         f"checkpoint is {last or 'none (lower the learning rate)'}")
    final = metadata.record(state, best_val_accuracy=selection.best)
    metadata.save_model(trainer.model, out / "final", final)  # every process: FSDP gathers
    return final
