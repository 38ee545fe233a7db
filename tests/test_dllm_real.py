"""A tiny masked diffusion LM trained for real on CPU: it must learn a toy corpus by heart, the
sampler must give it back, and `maskft-bench score --backend dllm` / `train --method dllm` must
run end to end with it. No weights are downloaded: the model is built from a config."""

import json
import shutil

import pytest
import torch
from tiny_dllm import save, tiny_model, tiny_tokenizer

from maskft_bench.cli import main
from maskft_bench.dllm.model import DiffusionModel, load_model
from maskft_bench.dllm.sampler import SamplerSettings
from maskft_bench.training.collator import DiffusionCollator
from maskft_bench.training.engine import META_FILE, ExampleDataset
from maskft_bench.training.formats import Formatter

pytestmark = pytest.mark.slow
TOY = [("Who founded Zorvik Labs?", "Mara Quell founded Zorvik Labs in 1911."),
       ("Where was Tobin Asher born?", "Tobin Asher was born in Lisbon."),
       ("What does Velda Crane study?", "Velda Crane studies marine geology."),
       ("When did the Orrin Bridge open?", "The Orrin Bridge opened on May 3, 1958.")]
# The toy answers are 19-25 tokens (+ end of turn); the window covers them as 128 tokens cover
# the suite's short answers. A model trained from scratch must also have seen that many answer
# positions: the filler (a long prompt, a short answer) widens every batch, so each toy answer
# is EOS-filled past the window (the collator fills to the batch's longest example), as LLaDA's
# pretraining on long sequences gives it that experience. Without it, the longest toy answer,
# never followed by EOS fill in training, came back with one token wrong.
FILLER = (" ".join(answer for _, answer in TOY) + " Is that all?", "Yes.")
WINDOW = SamplerSettings(gen_length=32, block_length=4)
# 1200 steps learnt the corpus on the Intel machines of earlier sessions but left one token
# wrong on the AMD EPYC one of 2026-12-02 ('st Lies' for 'studies'; floating-point order differs
# between CPU families), with the code of the last landed commit too: 2000 steps learn it on both.
STEPS = 2000


@pytest.fixture(scope="module")
def threads():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # see conftest.one_thread
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def toy_model(tmp_path_factory, threads):
    """Trained with the package's collator and DiffusionTrainer (the objective of --method dllm)."""
    from transformers import TrainingArguments

    from maskft_bench.training.diffusion_trainer import DiffusionTrainer

    tokenizer = tiny_tokenizer([text for pair in TOY for text in pair] * 3, vocab_size=300)
    formatter = Formatter(tokenizer)
    examples = [formatter.sft(question, answer) for question, answer in [*TOY, FILLER]]
    out = tmp_path_factory.mktemp("toy")
    args = TrainingArguments(output_dir=str(out / "trainer"), max_steps=STEPS,
                             per_device_train_batch_size=2, learning_rate=3e-3,
                             lr_scheduler_type="constant", save_strategy="no", report_to="none",
                             logging_steps=100, use_cpu=True, remove_unused_columns=False,
                             seed=0, disable_tqdm=True)
    trainer = DiffusionTrainer(model=tiny_model(tokenizer), args=args,
                               train_dataset=ExampleDataset(examples),
                               data_collator=DiffusionCollator(tokenizer.eos_token_id,
                                                               tokenizer.mask_token_id))
    trainer.train()
    losses = [r["loss"] for r in trainer.state.log_history if "loss" in r]
    return save(trainer.model, tokenizer, out / "model"), losses


def chat(tokenizer, question):
    return tokenizer.apply_chat_template([{"role": "user", "content": question}], tokenize=False,
                                         add_generation_prompt=True)


def test_sampler_regenerates_the_toy_corpus(toy_model):
    from transformers import AutoTokenizer

    directory, losses = toy_model
    assert losses[-1] < losses[0] / 10, losses
    tokenizer = AutoTokenizer.from_pretrained(directory)
    diffusion = DiffusionModel.wrap(load_model(str(directory)), tokenizer)
    prompts = [chat(tokenizer, question) for question, _ in TOY]
    assert diffusion.generate(prompts, WINDOW) == [answer for _, answer in TOY]
    # Two tokens per model call still recovers it; one prompt alone gives the same answer.
    assert diffusion.generate(prompts, SamplerSettings(32, 4, steps=16)) == [a for _, a in TOY]
    assert diffusion.generate(prompts[1:2], WINDOW) == [TOY[1][1]]


def test_lm_eval_backend_regenerates_the_toy_corpus(toy_model):
    from lm_eval.api.instance import Instance
    from lm_eval.api.registry import get_model

    import maskft_bench.scoring  # noqa: F401 - registers maskft-dllm

    directory, _ = toy_model
    lm = get_model("maskft-dllm")(pretrained=str(directory), batch_size=3, gen_length=32)
    gen_kwargs = {"until": ["\n"], "do_sample": False, "max_gen_toks": 128}
    requests = [Instance("generate_until", {}, (lm.apply_chat_template(
        [{"role": "user", "content": q}]), gen_kwargs), i) for i, (q, _) in enumerate(TOY)]
    assert lm.generate_until(requests, disable_tqdm=True) == [a for _, a in TOY]


def test_score_backend_dllm_end_to_end(toy_model, tmp_path, capsys):
    directory, _ = toy_model
    suite, out = tmp_path / "suite", tmp_path / "score"
    assert main(["generate", "--out", str(suite), "--quiet", "--bio-people", "4", "--namedesc",
                 "2", "--math-train", "2", "--math-val", "2", "--math-test", "2"]) == 0
    assert main(["score", "--model", str(directory), "--backend", "dllm", "--suite", str(suite),
                 "--out", str(out), "--limit", "2", "--model-args", "gen_length=32"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["backend"] == "maskft-dllm" and summary["model_family"] == "diffusion"
    assert summary["model_args"] == {"dtype": "auto", "gen_length": 32}
    assert summary["dtype"] == "float32" and summary["device"] == "cpu"
    assert set(summary["tasks"]) == {f"maskft_{t}" for t in (
        "bio_forward", "bio_reverse", "namedesc_forward", "namedesc_reverse", "gsm", "retention")}
    assert all(row["n"] == 2 for row in summary["tasks"].values())
    assert set(summary["scores"]) == {"forward", "reverse", "math", "aggregate"}
    samples = [json.loads(line) for line in (out / summary["files"]["samples"]["maskft_gsm"])
               .read_text().splitlines()]
    assert all(isinstance(s["resps"][0][0], str) for s in samples)
    context = samples[0]["arguments"]["gen_args_0"]["arg_0"]
    assert context.endswith("<|im_end|>\n<|im_start|>assistant\n")  # lm-eval applied the template
    assert summary["tokens_generated"] is not None


def train_args(model, suite, out, *extra):
    return ["train", "--method", "dllm", "--model", str(model), "--data", str(suite), "--out",
            str(out), "--max-steps", "4", "--batch-size", "4", "--lr", "1e-3",
            "--set", "datasets=bio", "--set", "val_items=4", "--set", "val_max_new_tokens=8",
            "--set", "save_every=2", "--set", "logging_steps=1", "--set", "max_length=256",
            "--set", "bf16=false", *extra]


def test_train_method_dllm_checkpoints_selects_and_resumes(small_suite, tmp_path, threads, capsys):
    documents = (small_suite / "data/bio/documents.jsonl").read_text().splitlines()
    tokenizer = tiny_tokenizer([json.loads(line)["text"] for line in documents])
    model = save(tiny_model(tokenizer), tokenizer, tmp_path / "base")
    out = tmp_path / "run"
    assert main(train_args(model, small_suite, out)) == 0
    meta = json.loads((out / "final" / META_FILE).read_text())
    assert (meta["method"], meta["model_family"], meta["mask_token"]) == ("dllm", "diffusion",
                                                                         "<|mask|>")
    assert meta["optimizer_steps"] == 4 and meta["tokens_seen"] > 0 and meta["training_flops"] > 0
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records if "loss" in r] == [1, 2, 3, 4]
    assert any("validation" in r for r in records) and (out / "best" / META_FILE).is_file()
    config = json.loads((out / "final" / "config.json").read_text())
    assert config["mask_token_id"] == tokenizer.mask_token_id
    # Resume: drop what came after checkpoint 2 and rerun the same command.
    resumed = tmp_path / "resumed"
    shutil.copytree(out, resumed, ignore=shutil.ignore_patterns("checkpoint-4", "final"))
    kept = [line for line in (resumed / "metrics.jsonl").read_text().splitlines()
            if json.loads(line)["step"] <= 2]
    (resumed / "metrics.jsonl").write_text("".join(line + "\n" for line in kept))
    assert main(train_args(model, small_suite, resumed)) == 0
    again = json.loads((resumed / "final" / META_FILE).read_text())
    assert again["optimizer_steps"] == 4 and again["tokens_seen"] == meta["tokens_seen"]
