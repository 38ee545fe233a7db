"""Real training on the default model, on CPU: a few steps of masked fine-tuning on a tiny corpus."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from maskft_bench.suite.generate import SuiteOptions, generate_suite
from maskft_bench.training.config import load_config
from maskft_bench.training.engine import META_FILE, TrainError, train

pytestmark = pytest.mark.slow
STEPS = 6


@pytest.fixture(scope="module")
def tiny_suite(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny") / "suite"
    generate_suite(out, SuiteOptions(bio_people=4, namedesc=1, paraphrases=1, math_train=4,
                                     math_val=2, math_test=2), quiet=True)
    return out


def config(suite, **extra):
    settings = {"method": "masked", "data": str(suite), "datasets": "bio", "batch_size": 4,
                "max_steps": STEPS, "learning_rate": 3e-4, "max_length": 200, "save_every": 3,
                "logging_steps": 1, "val_items": 4, "val_max_new_tokens": 8, **extra}
    return load_config(None, settings)


@pytest.fixture(scope="module")
def run(tiny_suite, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "masked"
    return out, train(config(tiny_suite), out)


def losses(out):
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    return [r["loss"] for r in lines if "loss" in r]


def test_loss_decreases_on_a_tiny_corpus(run):
    out, meta = run
    history = losses(out)
    assert len(history) == STEPS
    assert sum(history[-2:]) / 2 < sum(history[:2]) / 2 * 0.8, history


def test_checkpoint_records_compute_and_loads_in_transformers(run):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out, meta = run
    assert meta["optimizer_steps"] == STEPS and meta["tokens_seen"] > 0
    # LM head and attention included: more than Trainer's 6 x non-embedding params x tokens
    assert meta["training_flops"] > 6 * 134e6 * meta["tokens_seen"]
    assert meta["flops_formula"].startswith("maskft-flops-v1")
    # masked examples carry the document twice: loss on one copy (and the end of turn)
    assert 0 < meta["document_tokens"] < meta["loss_tokens"] < meta["tokens_seen"] / 2
    assert meta["method"] == "masked" and meta["mask_token"]
    saved = json.loads((out / "final" / META_FILE).read_text())
    assert saved["tokens_seen"] == meta["tokens_seen"]
    model = AutoModelForCausalLM.from_pretrained(out / "final")
    tokenizer = AutoTokenizer.from_pretrained(out / "final")
    assert "<|im_start|>" in tokenizer.chat_template
    assert model.config.model_type == "llama"
    assert (out / "best" / META_FILE).is_file()
    assert json.loads((out / f"checkpoint-{STEPS}" / META_FILE).read_text())["optimizer_steps"] == STEPS


def test_resume_continues_without_lost_or_repeated_steps(run, tiny_suite, tmp_path):
    """Kill after checkpoint 3 (simulated by dropping the later checkpoint; metrics.jsonl keeps
    the lines of steps 4-6, which the resumed run drops), rerun: same end state."""
    out, meta = run
    resumed = tmp_path / "resumed"
    shutil.copytree(out, resumed, ignore=shutil.ignore_patterns(f"checkpoint-{STEPS}", "final"))
    again = train(config(tiny_suite), resumed)
    assert again["optimizer_steps"] == STEPS
    assert again["tokens_seen"] == meta["tokens_seen"]  # the same batches, each seen once
    logged = [json.loads(line) for line in (resumed / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in logged if "loss" in r] == list(range(1, STEPS + 1))


def test_another_runs_directory_is_refused(run, tiny_suite):
    out, _ = run
    with pytest.raises(TrainError, match="holds another run"):
        train(config(tiny_suite, learning_rate=1e-5), out)


def test_two_process_ddp_on_cpu(tiny_suite, tmp_path):
    """torchrun with 2 CPU processes (gloo): the same Trainer code, no home-made distribution."""
    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
           "-m", "maskft_bench.cli", "train", "--method", "standard", "--data", str(tiny_suite),
           "--out", str(out), "--max-steps", "2", "--batch-size", "2",
           "--set", "datasets=bio", "--set", "val_items=0", "--set", "save_every=100"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    meta = json.loads((out / "final" / META_FILE).read_text())
    assert meta["optimizer_steps"] == 2
    # Two processes x batch 2 x 2 steps = 8 sequences: each of the 4 documents twice (the
    # token count is summed over both processes).
    state = json.loads((out / "maskft-run.json").read_text())
    assert state["train_examples"] == 4
    assert meta["tokens_seen"] == 2 * state["corpus_tokens"]


def test_methods_given_one_token_budget_end_within_one_step_of_it(tiny_suite, tmp_path):
    budget = 3000
    for method in ("standard", "masked"):
        meta = train(config(tiny_suite, method=method, max_steps=-1, budget_tokens=budget,
                            val_items=0, save_every=100), tmp_path / method)
        lines = [json.loads(line) for line in (tmp_path / method / "metrics.jsonl").read_text()
                 .splitlines()]
        before_last = [r["tokens_seen"] for r in lines if r["step"] == meta["optimizer_steps"] - 1]
        assert before_last and before_last[0] < budget <= meta["tokens_seen"], (method, lines)
        state = json.loads((tmp_path / method / "maskft-run.json").read_text())
        assert meta["epoch"] == pytest.approx(budget / state["corpus_tokens"], rel=0.5)


def test_nan_loss_stops_and_names_the_last_good_checkpoint(tiny_suite, tmp_path):
    out = tmp_path / "diverges"
    with pytest.raises(TrainError, match="loss became NaN at step") as error:
        train(config(tiny_suite, learning_rate=1e6, max_steps=8, save_every=100, val_items=0), out)
    assert "last good checkpoint is none" in str(error.value)
    assert not (out / "final").exists()
