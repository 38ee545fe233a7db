"""A masked training run killed between two checkpoints and resumed ends exactly where an
uninterrupted run ends: the same inputs (masks included) at every step, the same losses and
gradient norms, the same final weights, and metrics.jsonl holds each step once.

The killed run is a child process (forked, so it starts without importing anything again) that
SIGKILLs itself right after metrics.jsonl got the line of step 4: after checkpoint 3, before
checkpoint 6, with a line the resumed run must drop. The comparison is bitwise: the resumed run
restores the weights, the optimizer, Trainer's random states and the collator's mask stream
exactly, and runs the same CPU kernels in the same order on one thread, so any difference at
all is a resume bug, not rounding. A tiny random Llama keeps it fast; what is tested is the
Trainer wiring, the same for any model.
"""

import json
import os
import signal

import torch
from safetensors.torch import load_file

from maskft_bench.training.callbacks import STREAM_FILE, MetricsLog
from maskft_bench.training.config import load_config
from maskft_bench.training.engine import META_FILE, train

STEPS, SAVE_EVERY = 7, 3  # 8 documents in batches of 4: checkpoint 3 is mid-epoch
KILL_AFTER = 4


def records(out) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def by_step(out, field: str) -> dict[int, object]:
    return {r["step"]: r[field] for r in records(out) if "loss" in r}


def killed_after(config, out, step: int) -> None:
    """Train in a child process that is SIGKILLed once metrics.jsonl holds `step`'s line."""
    pid = os.fork()
    if pid == 0:
        try:
            logged = MetricsLog.on_log

            def on_log(self, args, state, control, **kwargs):
                logged(self, args, state, control, **kwargs)
                if state.global_step == step:
                    os.kill(os.getpid(), signal.SIGKILL)

            MetricsLog.on_log = on_log
            train(config, out)
        finally:
            os._exit(1)  # only if the kill never came: never return into pytest
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status


def test_a_killed_and_resumed_run_equals_an_uninterrupted_one(tmp_path, small_suite, tiny_llama,
                                                             one_thread):
    config = load_config(None, {
        "method": "masked", "model": str(tiny_llama), "data": str(small_suite),
        "datasets": "namedesc", "batch_size": 4, "max_steps": STEPS, "save_every": SAVE_EVERY,
        "val_items": 0, "logging_steps": 1, "bf16": False, "learning_rate": 1e-2})
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    train(config, whole)
    killed_after(config, killed, KILL_AFTER)
    assert (killed / f"checkpoint-{SAVE_EVERY}" / STREAM_FILE.format(0)).is_file()
    assert not (killed / f"checkpoint-{2 * SAVE_EVERY}").exists()  # killed between the two
    assert KILL_AFTER in by_step(killed, "loss")  # a line the resumed run must drop
    train(config, killed)  # the same call resumes

    assert [r["step"] for r in records(killed) if "loss" in r] == list(range(1, STEPS + 1))
    assert by_step(killed, "inputs_sha256") == by_step(whole, "inputs_sha256")  # masks included
    assert len(set(by_step(whole, "inputs_sha256").values())) == STEPS
    assert by_step(killed, "loss") == by_step(whole, "loss")
    assert by_step(killed, "grad_norm") == by_step(whole, "grad_norm")
    a = load_file(whole / "final" / "model.safetensors")
    b = load_file(killed / "final" / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    final = [json.loads((out / "final" / META_FILE).read_text()) for out in (whole, killed)]
    for field in ("optimizer_steps", "tokens_seen", "loss_tokens", "training_flops"):
        assert final[0][field] == final[1][field], field
