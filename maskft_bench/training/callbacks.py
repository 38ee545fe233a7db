"""The training run's Trainer callbacks, one job each; engine.train wires them up.

  MetricsLog            metrics.jsonl: Trainer's log entries with a token rate and the inputs
                        digest, validation scores; each step once, also after a resume
  InputsDigest          a running hash of every micro-batch trained on (masks included)
  NanGuard              stops at the first loss or gradient norm that is not finite
  MaskSchedule          tells the masking collator how long the run is (linear schedule)
  MaskStreamCheckpoint  the collator's random stream in every checkpoint, restored on resume
  RunMetadata           maskft-train.json in every checkpoint, best/ and final/
  Selection             validation questions every eval_every steps; the best model in best/
  TokenBudget           stops at the first optimizer step that reaches the token budget
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
from transformers import TrainerCallback
from transformers.trainer_callback import ExportableState
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

from ..atomic import read_json, staged_directory, write_json, write_text
from . import distributed
from .collator import MaskingCollator, MaskStream
from .compute import ComputeMeter
from .formats import Example

META_FILE = "maskft-train.json"
STREAM_FILE = "mask-stream-{}.pt"  # one per process index


def _checkpoint_dir(args, state) -> Path:
    """The directory Trainer saves the checkpoint of the current step in."""
    return Path(args.output_dir) / f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}"


class InputsDigest(TrainerCallback, ExportableState):
    """A running SHA-256 over every micro-batch this process trains on: each tensor of the
    collator's batch (input ids with their mask tokens, labels, attention mask, mask ratios),
    its name, dtype and shape, chained onto the digest before it.

    MetricsLog writes the digest into each line of metrics.jsonl, so two runs trained on the
    same inputs, masks included, up to a step exactly when their digests at that step agree:
    how a resumed run is checked against an uninterrupted one (or two machines against each
    other). `install` wraps Trainer.training_step, which receives each micro-batch as the
    collator made it. The digest is saved in every checkpoint's trainer_state.json
    (stateful_callbacks) and read back on resume. Under DDP each process hashes its own
    batches and the main process's digest is logged.
    """

    def __init__(self):
        self.value = ""

    def install(self, trainer) -> None:
        trainer.add_callback(self)
        step = trainer.training_step

        def training_step(model, inputs, *args, **kwargs):
            self.update(inputs)
            return step(model, inputs, *args, **kwargs)

        trainer.training_step = training_step

    def update(self, inputs: Mapping[str, Any]) -> None:
        digest = hashlib.sha256(self.value.encode())
        for name in sorted(inputs):
            value = inputs[name]
            if torch.is_tensor(value):
                value = value.detach().cpu().contiguous()
                digest.update(f"{name}:{value.dtype}:{tuple(value.shape)}".encode())
                digest.update(value.reshape(-1).view(torch.uint8).numpy().tobytes())
        self.value = digest.hexdigest()

    def state(self) -> dict:
        return {"args": {}, "attributes": {"value": self.value}}

    def on_train_begin(self, args, state, control, **kwargs):
        """A fresh run starts from the empty digest; a resumed one from its checkpoint's."""
        name = type(self).__name__
        saved = state.stateful_callbacks.get(name) if state.global_step else None
        self.value = saved["attributes"]["value"] if saved else ""
        if state.global_step and not saved:
            warnings.warn(f"resumed from a checkpoint without {name}: the inputs digests after "
                          f"step {state.global_step} cover only the resumed steps", stacklevel=2)
            state.stateful_callbacks[name] = self.state()  # Trainer's save expects the entry


class MetricsLog(TrainerCallback):
    """metrics.jsonl, read by pipeline/report.py, benchmarks and tests; the main process writes.

    One line per Trainer log: Trainer's own log-history entry (loss, grad_norm, learning_rate,
    epoch, num_input_tokens_seen, train_runtime, ...) with step, tokens_seen, inputs_sha256
    (InputsDigest, when given) and tokens_per_second, the input tokens per second since the
    previous entry of this train() call, from those entries' num_input_tokens_seen and
    train_runtime (Trainer's own train_tokens_per_second averages over the whole call, which
    hides a slowdown). Other callbacks add records with `append` (Selection: {"step",
    "tokens_seen", "validation"}).

    Each step appears once: a run killed after its last checkpoint has logged the steps after
    it, which the resumed run trains and logs again, so at the start of training the file
    keeps only the records up to the step training starts from (a torn last line goes too).
    """

    def __init__(self, out: Path, digest: InputsDigest | None = None):
        self.path = out / "metrics.jsonl"
        self.digest = digest
        self._first = 0  # index of this train() call's first log-history entry

    def append(self, state, record: dict) -> None:
        if state.is_world_process_zero:
            with self.path.open("a") as f:
                f.write(json.dumps(record) + "\n")

    def on_train_begin(self, args, state, control, **kwargs):
        self._first = len(state.log_history)  # a resumed run starts with its checkpoint's
        if state.is_world_process_zero and self.path.is_file():
            self._keep_until(state.global_step)

    def _keep_until(self, step: int) -> None:
        kept = []
        for line in self.path.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:  # a line cut short by the kill
                continue
            if isinstance(record, dict) and isinstance(record.get("step"), int) \
                    and record["step"] <= step:
                kept.append(line + "\n")
        write_text(self.path, "".join(kept))

    def on_log(self, args, state, control, logs=None, **kwargs):
        entry = state.log_history[-1]  # Trainer.log appends it just before calling on_log
        record = {"step": state.global_step, "tokens_seen": int(state.num_input_tokens_seen),
                  **{k: v for k, v in entry.items() if k != "step"}}
        if self.digest is not None:
            record["inputs_sha256"] = self.digest.value
        rate = self._rate(state.log_history)
        if rate is not None:
            record["tokens_per_second"] = rate
        self.append(state, record)

    def _rate(self, history: list[dict]) -> float | None:
        if len(history) - 2 < self._first:
            return None
        before, last = history[-2], history[-1]
        try:
            tokens = last["num_input_tokens_seen"] - before["num_input_tokens_seen"]
            seconds = last["train_runtime"] - before["train_runtime"]
        except KeyError:
            return None
        return round(tokens / seconds, 1) if seconds > 0 else None


class NanGuard(TrainerCallback):
    """Stops the run at the first logged loss or gradient norm that is not finite, and keeps
    Trainer from checkpointing the broken weights; engine.train then names the last good
    checkpoint. (logging_nan_inf_filter is off, so Trainer logs a NaN instead of hiding it.)"""

    def __init__(self):
        self.step: int | None = None  # where it stopped the run

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        watched = [logs[k] for k in ("loss", "grad_norm") if isinstance(logs.get(k), int | float)]
        if any(not math.isfinite(v) for v in watched):
            self.step = state.global_step
            control.should_training_stop = True
            control.should_save = False


class MaskSchedule(TrainerCallback):
    """Gives the masking collator the run's length in micro-batches, known only once Trainer
    has turned epochs or a token budget into max_steps; the linear schedule's progress is the
    share of them drawn (MaskingCollator.progress). The last optimizer step of an epoch can
    have fewer micro-batches, so progress may end just short of 1."""

    def __init__(self, collator: MaskingCollator):
        self.collator = collator

    def on_train_begin(self, args, state, control, **kwargs):
        self.collator.planned_batches = state.max_steps * args.gradient_accumulation_steps


class MaskStreamCheckpoint(TrainerCallback):
    """Saves the collator's random stream (collator.MaskStream) in every checkpoint and restores
    it on resume, so a resumed run draws the masks an uninterrupted run draws.

    Each process has its own stream (seed + process index) and writes its own file, as Trainer
    does with its RNG states (rng_state_<i>.pth): trainer_state.json, where ExportableState
    callbacks such as ComputeMeter keep their state, is written by the main process only. The
    state saved is the one after the micro-batches trained on so far (counted here), not the
    stream's latest, since the data loader collates a batch ahead of training.
    """

    def __init__(self, stream: MaskStream):
        self.stream = stream
        self.trained = 0  # micro-batches trained on in the whole run

    def on_train_begin(self, args, state, control, **kwargs):
        if args.dataloader_num_workers:
            raise ValueError("masks are drawn in the main process: dataloader_num_workers must "
                             "be 0")
        if not state.global_step:
            return
        path = _checkpoint_dir(args, state) / STREAM_FILE.format(args.process_index)
        if not path.is_file():
            warnings.warn(f"resumed from a checkpoint without {path.name}: the masks after step "
                          f"{state.global_step} differ from an uninterrupted run's", stacklevel=2)
            return
        self.stream.restore(torch.load(path, weights_only=True))
        self.trained = self.stream.batches

    def on_substep_end(self, args, state, control, **kwargs):
        self.trained += 1  # a micro-batch that did not end an optimizer step

    def on_step_end(self, args, state, control, **kwargs):
        self.trained += 1

    def on_save(self, args, state, control, **kwargs):
        checkpoint = _checkpoint_dir(args, state)
        if checkpoint.is_dir():
            torch.save(self.stream.state_at(self.trained),
                       checkpoint / STREAM_FILE.format(args.process_index))


class RunMetadata(TrainerCallback):
    """maskft-train.json, the record every model directory of a run carries, so that runs
    compare at equal compute: the run's fixed metadata (engine.train), optimizer steps, epoch,
    input tokens, and ComputeMeter's loss tokens and FLOPs; document tokens are the training
    texts' own tokens times the epochs. Written into each Trainer checkpoint on save, and with
    the model by `save_model` (best/, final/)."""

    def __init__(self, meta: dict, tokenizer, meter: ComputeMeter, text_tokens: int):
        self.meta, self.tokenizer = meta, tokenizer
        self.meter, self.text_tokens = meter, text_tokens

    def record(self, state, **extra) -> dict:
        counts = self.meter.totals()
        return {**self.meta, "optimizer_steps": state.global_step,
                "tokens_seen": int(state.num_input_tokens_seen),
                "loss_tokens": counts["loss_tokens"],
                "document_tokens": round(self.text_tokens * (state.epoch or 0)),
                "training_flops": counts["training_flops"],
                "epoch": state.epoch, **extra}

    def on_save(self, args, state, control, **kwargs):
        checkpoint = _checkpoint_dir(args, state)
        if state.is_world_process_zero and checkpoint.is_dir():
            write_json(checkpoint / META_FILE, self.record(state))

    def save_model(self, model, target: Path, meta: dict) -> None:
        """Model, tokenizer and `meta` into `target`, which appears whole or not at all. Every
        process calls it (a sharded model's state dict is gathered from all); the main process
        writes."""
        state_dict = distributed.full_state_dict(model)
        if distributed.rank_and_world()[0] != 0:
            return
        with staged_directory(target) as stage:
            model.save_pretrained(stage, state_dict=state_dict)
            self.tokenizer.save_pretrained(stage)
            write_json(stage / META_FILE, meta)


class Selection(TrainerCallback):
    """Checkpoint selection on the validation questions (selection.py): every `eval_every`
    optimizer steps and at the end of training; a model more accurate than every one before
    replaces best/. Every process takes part: each answers its share of the questions, all get
    the gathered scores and so take the same decision, which each logs on one line
    ("[val] step ... (process r of n)"); the main process writes best/. Each round is a
    {"step", "tokens_seen", "validation"} record in metrics.jsonl. A resumed run reads the best
    accuracy so far from best/, so only a better model replaces it. No round after a NaN stop
    (the weights are broken; every process sees the same reduced loss), nor without validation
    questions (score None)."""

    def __init__(self, best_dir: Path, score: Callable[..., dict] | None, eval_every: int,
                 metrics: MetricsLog, metadata: RunMetadata, guard: NanGuard):
        self.best_dir, self.score, self.eval_every = best_dir, score, eval_every
        self.metrics, self.metadata, self.guard = metrics, metadata, guard
        saved = best_dir / META_FILE
        self.best: float | None = read_json(saved, default={}).get("val_accuracy")

    def _due(self, state) -> bool:
        return bool(self.eval_every) and state.global_step % self.eval_every == 0

    def _round(self, state, model) -> None:
        if self.score is None or self.guard.step is not None:
            return
        scores = self.score(model)
        self.metrics.append(state, {"step": state.global_step,
                                    "tokens_seen": int(state.num_input_tokens_seen),
                                    "validation": scores})
        accuracy = scores["val_accuracy"]
        better = self.best is None or accuracy > self.best
        decision = "new best, saved to best/" if better else f"best stays {self.best:.3f}"
        rank, world = distributed.rank_and_world()
        # One write per line: stderr writes through, so print's separate newline let another
        # process's line land between a decision and its line end (seen with 2 DDP processes).
        sys.stderr.write(f"[val] step {state.global_step}: accuracy {accuracy:.3f}, {decision} "
                         f"(process {rank} of {world})\n")
        if better:
            self.best = accuracy
            self.metadata.save_model(model, self.best_dir, self.metadata.record(state, **scores))

    def on_step_end(self, args, state, control, model=None, **kwargs):
        if self._due(state):
            self._round(state, model)

    def on_train_end(self, args, state, control, model=None, **kwargs):
        if not self._due(state):  # the last step's round has run already
            self._round(state, model)


class TokenBudget(TrainerCallback):
    """Stops training at the end of the first optimizer step that reaches the token budget,
    so methods given one budget end within one step of it, whatever their corpus."""

    def __init__(self, budget: int):
        self.budget = budget

    def on_step_end(self, args, state, control, **kwargs):
        if state.num_input_tokens_seen >= self.budget:
            control.should_training_stop = True


def steps_per_epoch(examples: int, sequences_per_step: int) -> int:
    """Optimizer steps in one pass over `examples` (the last step may be short)."""
    return math.ceil(examples / sequences_per_step)


def budget_steps(budget: int, examples: list[Example], sequences_per_step: int) -> int:
    """An upper bound on the optimizer steps a token budget takes: the epochs it needs, rounded
    up, plus one spare epoch (batches differ in tokens); TokenBudget stops the run earlier."""
    per_epoch = sum(len(e) for e in examples)
    per_pass = steps_per_epoch(len(examples), sequences_per_step)
    return math.ceil(budget / per_epoch * per_pass) + per_pass
