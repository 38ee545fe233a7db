"""The training callbacks and the collators' random stream, driven by hand (Trainer's events in
the order Trainer 5.19 sends them, on its own TrainerState), then once through Trainer on a
tiny random model: a resumed run trains on the masks an uninterrupted run trains on."""

import json
import math
import shutil
from types import SimpleNamespace

import pytest
import torch
from transformers.trainer_callback import TrainerControl, TrainerState

from maskft_bench.training.callbacks import (
    META_FILE,
    STREAM_FILE,
    InputsDigest,
    MaskStreamCheckpoint,
    MetricsLog,
    NanGuard,
    RunMetadata,
    Selection,
)
from maskft_bench.training.collator import DiffusionCollator, MaskingCollator
from maskft_bench.training.compute import ComputeMeter
from maskft_bench.training.formats import IGNORE, Example

MASK, EOS = 9, 0
ROWS = [Example([5, 6, 7, 1, 2, 3, 4, 0], [IGNORE] * 4 + [2, 3, 4, 0], maskable=[1, 2, 3, 4, 5]),
        Example([5, 6, 1, 2, 0], [IGNORE] * 3 + [2, 0], maskable=[1, 2])]
COLLATORS = {"masking": lambda seed: MaskingCollator(pad_id=0, mask_id=MASK, seed=seed),
             "diffusion": lambda seed: DiffusionCollator(eos_id=EOS, mask_id=MASK, seed=seed)}


def batches(collator, n: int) -> list[dict]:
    return [collator(ROWS * 4) for _ in range(n)]


def same(a: list[dict], b: list[dict]) -> bool:
    return all(torch.equal(x[k], y[k]) for x, y in zip(a, b, strict=True) for k in x
               if torch.is_tensor(x[k]))


@pytest.mark.parametrize("kind", COLLATORS)
def test_one_seed_gives_one_sequence_of_batches(kind):
    make = COLLATORS[kind]
    first = batches(make(3), 4)
    assert same(first, batches(make(3), 4))
    assert not same(first, batches(make(4), 4))  # another process (seed + 1) draws other masks
    assert not same(first[:1], first[1:2])  # and each batch is masked afresh


@pytest.mark.parametrize("kind", COLLATORS)
def test_a_restored_stream_continues_where_training_stopped(kind):
    make = COLLATORS[kind]
    uninterrupted = batches(make(3), 5)
    interrupted = make(3)
    batches(interrupted, 3)  # trained on 2; the data loader had collated a third ahead
    saved = interrupted.stream.state_at(2)
    resumed = make(3)
    resumed.stream.restore(saved)
    assert same(batches(resumed, 3), uninterrupted[2:])
    with pytest.raises(ValueError, match="not kept"):
        interrupted.stream.state_at(-8)


def trainer_args(tmp_path, workers: int = 0):
    return SimpleNamespace(output_dir=str(tmp_path), process_index=0,
                           dataloader_num_workers=workers, gradient_accumulation_steps=1)


def test_checkpointed_stream_is_restored_on_resume(tmp_path):
    args, control = trainer_args(tmp_path), TrainerControl()
    uninterrupted = batches(COLLATORS["masking"](1), 4)
    collator = COLLATORS["masking"](1)
    callback, state = MaskStreamCheckpoint(collator.stream), TrainerState()
    callback.on_train_begin(args, state, control)
    collator(ROWS * 4)  # Trainer fetches step 1's batch and looks one ahead
    for step in (1, 2):
        collator(ROWS * 4)
        state.global_step = step
        callback.on_step_end(args, state, control)
    (tmp_path / "checkpoint-2").mkdir()
    callback.on_save(args, state, control)
    assert (tmp_path / "checkpoint-2" / STREAM_FILE.format(0)).is_file()

    resumed = COLLATORS["masking"](1)
    again = MaskStreamCheckpoint(resumed.stream)
    again.on_train_begin(args, TrainerState(global_step=2), control)
    assert again.trained == 2
    assert same(batches(resumed, 2), uninterrupted[2:])
    with pytest.warns(UserWarning, match="without mask-stream-0.pt"):
        again.on_train_begin(args, TrainerState(global_step=1), control)
    with pytest.raises(ValueError, match="dataloader_num_workers"):
        again.on_train_begin(trainer_args(tmp_path, workers=2), TrainerState(), control)


def log(state, callbacks, **entry):
    """What Trainer.log does: append to the log history, then call on_log."""
    state.log_history.append({**entry, "step": state.global_step})
    for callback in callbacks:
        callback.on_log(None, state, TrainerControl(), logs=dict(entry))


def test_metrics_are_the_log_history_with_a_rate_per_interval(tmp_path):
    metrics = MetricsLog(tmp_path)
    state = TrainerState(global_step=3, num_input_tokens_seen=300,
                         log_history=[{"loss": 2.0, "num_input_tokens_seen": 300,
                                       "train_runtime": 1.0, "step": 3}])
    metrics.on_train_begin(None, state, TrainerControl())  # resumed after step 3
    for step, tokens, runtime in ((4, 400, 2.0), (5, 600, 4.0)):
        state.global_step, state.num_input_tokens_seen = step, tokens
        log(state, [metrics], loss=1.0, num_input_tokens_seen=tokens, train_runtime=runtime)
    metrics.append(state, {"step": 5, "tokens_seen": 600, "validation": {"val_accuracy": 0.5}})
    lines = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    # the first entry of a resumed call has no interval (the last one timed another process)
    assert "tokens_per_second" not in lines[0] and lines[1]["tokens_per_second"] == 100.0
    assert lines[1] == {"step": 5, "tokens_seen": 600, "loss": 1.0, "num_input_tokens_seen": 600,
                        "train_runtime": 4.0, "tokens_per_second": 100.0}
    assert lines[2]["validation"] == {"val_accuracy": 0.5}


def test_a_restarted_run_keeps_the_metrics_up_to_its_checkpoint_once(tmp_path):
    """Killed after logging steps 4 and 5 (the last line torn), resumed from checkpoint 3:
    steps 4 and 5 will be logged again, so their lines go."""
    lines = [json.dumps({"step": s, "loss": 1.0}) for s in range(1, 6)]
    lines.insert(3, json.dumps({"step": 3, "validation": {"val_accuracy": 0.5}}))
    (tmp_path / "metrics.jsonl").write_text("\n".join(lines) + '\n{"step": 6, "lo')
    metrics = MetricsLog(tmp_path)
    metrics.on_train_begin(None, TrainerState(global_step=3), TrainerControl())
    kept = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in kept] == [1, 2, 3, 3] and "validation" in kept[-1]
    metrics.on_train_begin(None, TrainerState(global_step=0), TrainerControl())  # no checkpoint
    assert (tmp_path / "metrics.jsonl").read_text() == ""


def test_the_inputs_digest_follows_every_batch_and_its_masks():
    def digests(collator, n):
        digest = InputsDigest()
        values = []
        for batch in batches(collator, n):
            digest.update(batch)
            values.append(digest.value)
        return values

    first = digests(COLLATORS["masking"](1), 3)
    assert first == digests(COLLATORS["masking"](1), 3)
    assert len(set(first)) == 3  # chained: each step's digest covers the steps before
    other = digests(COLLATORS["masking"](2), 3)  # the same rows, other masks
    assert not set(first) & set(other)
    one = InputsDigest()
    batch = batches(COLLATORS["masking"](1), 1)[0]
    one.update({**batch, "labels": batch["labels"].clone().fill_(IGNORE)})
    assert one.value != first[0]  # labels count too
    saved = InputsDigest()
    saved.on_train_begin(None, TrainerState(global_step=2, stateful_callbacks={
        "InputsDigest": {"args": {}, "attributes": {"value": first[1]}}}), TrainerControl())
    assert saved.value == first[1]  # a resumed run continues the chain


def test_nan_guard_stops_without_saving():
    guard, state = NanGuard(), TrainerState(global_step=4)
    control = TrainerControl(should_save=True)
    guard.on_log(None, state, control, logs={"loss": 1.5, "grad_norm": 3.0})
    assert guard.step is None and not control.should_training_stop
    guard.on_log(None, state, control, logs={"loss": 1.5, "grad_norm": math.inf})
    assert guard.step == 4 and control.should_training_stop and not control.should_save


class Saved:
    """Stands for a model and a tokenizer: save_pretrained writes a file."""

    def __init__(self, name: str):
        self.name = name

    def save_pretrained(self, directory):
        (directory / self.name).write_text("saved")


def test_selection_keeps_the_best_and_remembers_it_on_resume(tmp_path):
    config = {"hidden_size": 8, "num_hidden_layers": 1, "intermediate_size": 16,
              "num_attention_heads": 2, "vocab_size": 10}
    metadata = RunMetadata({"method": "masked"}, Saved("tokenizer"), ComputeMeter(config), 10)
    accuracies = iter([0.5, 0.25, 0.75])
    metrics, guard = MetricsLog(tmp_path), NanGuard()

    def selection():
        return Selection(tmp_path / "best", lambda model: {"val_accuracy": next(accuracies)}, 2,
                         metrics, metadata, guard)

    first, state, control = selection(), TrainerState(is_world_process_zero=True), TrainerControl()
    for step in (1, 2, 3, 4):
        state.global_step = step
        first.on_step_end(None, state, control, model=Saved("model"))
    first.on_train_end(None, state, control, model=Saved("model"))  # step 4 was scored already
    saved = json.loads((tmp_path / "best" / META_FILE).read_text())
    assert first.best == 0.5 and saved["optimizer_steps"] == 2 and saved["val_accuracy"] == 0.5
    assert (tmp_path / "best" / "model").is_file() and (tmp_path / "best" / "tokenizer").is_file()
    resumed = selection()
    assert resumed.best == 0.5
    state.global_step = 5
    resumed.on_train_end(None, state, control, model=Saved("model"))  # 0.75 beats it
    assert json.loads((tmp_path / "best" / META_FILE).read_text())["optimizer_steps"] == 5
    guard.step = 5
    resumed.on_train_end(None, state, control, model=Saved("model"))  # no round after a NaN
    rounds = [json.loads(line)["step"] for line in (tmp_path / "metrics.jsonl").open()]
    assert rounds == [2, 4, 5]


def test_a_resumed_run_trains_on_the_same_masks(tmp_path, small_suite, tiny_llama, one_thread):
    """Checkpoint at step 3, in the middle of the second epoch (8 documents, batch 4), where the
    data loader has already collated step 4's batch; the resumed step 4 has the same loss."""
    from maskft_bench.training.config import load_config
    from maskft_bench.training.engine import train

    config = load_config(None, {
        "method": "masked", "model": str(tiny_llama), "data": str(small_suite),
        "datasets": "namedesc", "batch_size": 4, "max_steps": 4, "save_every": 3,
        "val_items": 0, "logging_steps": 1, "bf16": False, "learning_rate": 1e-2})
    train(config, tmp_path / "whole")
    resumed = tmp_path / "resumed"
    shutil.copytree(tmp_path / "whole", resumed,
                    ignore=shutil.ignore_patterns("checkpoint-4", "final", "metrics.jsonl"))
    train(config, resumed)

    def losses(run):
        return {r["step"]: r["loss"] for r in map(json.loads, (run / "metrics.jsonl").open())
                if "loss" in r}

    assert losses(resumed) == {4: losses(tmp_path / "whole")[4]}

    def digests(run):
        return {r["step"]: r["inputs_sha256"] for r in map(json.loads, (run / "metrics.jsonl").open())
                if "loss" in r}

    assert digests(resumed) == {4: digests(tmp_path / "whole")[4]}
