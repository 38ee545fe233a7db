"""A masked training run killed between two checkpoints and resumed ends exactly where an
uninterrupted run ends: the same inputs (masks included) at every step, the same losses and
the same final weights, and metrics.jsonl holds each step once.

Both runs go through the CLI in subprocesses on the default model, the killed one with SIGKILL
once it has logged a step after its first checkpoint, so the metrics lines of that step must be
dropped when the run resumes. The comparison is bitwise: the resumed run restores the weights,
the optimizer, Trainer's random states and the collator's mask stream exactly, and runs the same
CPU kernels in the same order, so any difference at all is a resume bug, not rounding.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import load_file

from maskft_bench.suite.generate import SuiteOptions, generate_suite
from maskft_bench.training.callbacks import STREAM_FILE

pytestmark = pytest.mark.slow
STEPS, SAVE_EVERY = 7, 3  # 4 documents in batches of 2: checkpoint 3 is mid-epoch
KILL_AFTER = 4  # a step logged after checkpoint 3, before checkpoint 6


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    out = tmp_path_factory.mktemp("resume") / "suite"
    generate_suite(out, SuiteOptions(bio_people=4, namedesc=1, paraphrases=1, math_train=4,
                                     math_val=2, math_test=2), quiet=True)
    return out


def command(suite, out) -> list[str]:
    return [sys.executable, "-m", "maskft_bench.cli", "train", "--method", "masked",
            "--data", str(suite), "--out", str(out), "--max-steps", str(STEPS),
            "--batch-size", "2", "--save-every", str(SAVE_EVERY), "--logging-steps", "1",
            "--set", "datasets=bio", "--set", "val_items=0", "--set", "max_length=200"]


def records(out) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


def logged_step(out, step: int) -> bool:
    try:
        return any(r.get("step") == step and "loss" in r for r in records(out))
    except (OSError, ValueError):  # not written yet, or a line half-written
        return False


def kill_after_step(suite, out, step: int) -> None:
    process = subprocess.Popen(command(suite, out), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while not logged_step(out, step):
        assert process.poll() is None, process.stderr.read()[-3000:]
        assert time.monotonic() < deadline, "the run never logged the step to kill after"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stderr.close()


def run(suite, out) -> None:
    result = subprocess.run(command(suite, out), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]


def by_step(out, field: str) -> dict[int, object]:
    return {r["step"]: r[field] for r in records(out) if "loss" in r}


def test_a_killed_and_resumed_run_equals_an_uninterrupted_one(suite, tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    run(suite, whole)
    kill_after_step(suite, killed, KILL_AFTER)
    assert (killed / f"checkpoint-{SAVE_EVERY}" / STREAM_FILE.format(0)).is_file()
    assert not (killed / f"checkpoint-{2 * SAVE_EVERY}").exists()  # killed between the two
    assert KILL_AFTER in by_step(killed, "loss")  # a line the resumed run must drop
    run(suite, killed)  # the same command resumes

    steps = [r["step"] for r in records(killed) if "loss" in r]
    assert steps == list(range(1, STEPS + 1))  # each step once
    assert by_step(killed, "inputs_sha256") == by_step(whole, "inputs_sha256")  # masks included
    assert by_step(killed, "loss") == by_step(whole, "loss")
    assert by_step(killed, "grad_norm") == by_step(whole, "grad_norm")
    a = load_file(whole / "final" / "model.safetensors")
    b = load_file(killed / "final" / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    final = [json.loads((out / "final" / "maskft-train.json").read_text())
             for out in (whole, killed)]
    for field in ("optimizer_steps", "tokens_seen", "loss_tokens", "training_flops"):
        assert final[0][field] == final[1][field], field
