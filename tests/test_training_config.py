"""Recipes, overrides, corpora per method and the reverse-training transforms (no training)."""

import pytest

from maskft_bench.training.config import RECIPES_DIR, ConfigError, TrainConfig, load_config
from maskft_bench.training.reverse import reverse_entities, reverse_words


def test_precedence_defaults_recipe_per_method_then_flags(tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("batch_size: 16\nlearning_rate: 1.0e-4\n"
                      "per_method:\n  masked: {learning_rate: 3.0e-4}\n")
    masked = load_config(recipe, {"method": "masked"})
    assert masked.learning_rate == 3e-4  # the recipe's per_method block
    assert masked.batch_size == 16 and masked.adam_beta2 == 0.95  # recipe, then paper default
    standard = load_config(recipe, {"method": "standard", "batch_size": None})
    assert standard.learning_rate == 1e-4 and standard.batch_size == 16
    flagged = load_config(recipe, {"method": "masked", "learning_rate": 1e-5, "datasets": "bio"})
    assert flagged.learning_rate == 1e-5 and flagged.datasets == ("bio",)


def test_gpu_recipe_has_the_papers_optimiser():
    config = load_config(RECIPES_DIR / "gpu-h100.yaml", {"method": "masked"})
    assert (config.adam_beta1, config.adam_beta2, config.weight_decay) == (0.9, 0.95, 0.1)
    assert (config.warmup_ratio, config.max_grad_norm, config.batch_size) == (0.02, 1.0, 64)
    assert config.bf16
    assert load_config(RECIPES_DIR / "gpu-h100.yaml", {"method": "dllm"}).learning_rate == 1e-5


def test_a_shipped_training_recipe_is_found_by_name_and_a_missing_one_lists_them():
    assert load_config("gpu-h100", {"method": "masked"}) == \
        load_config(RECIPES_DIR / "gpu-h100.yaml", {"method": "masked"})
    with pytest.raises(ConfigError, match=r"--config gpu-h10: .*shipped name: cpu-demo, gpu-h100"):
        load_config("gpu-h10", {"method": "masked"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({}, "no method given"),
        ({"method": "diffusion"}, "unknown method 'diffusion'"),
        ({"method": "maskd"}, "did you mean 'masked'"),
        ({"method": "masked", "learning_rat": "1"}, "unknown setting 'learning_rat'"),
        ({"method": "masked", "batch_size": "many"}, "batch_size: expected an integer, got 'many'"),
        ({"method": "masked", "bf16": "maybe"}, "bf16: expected true or false, got 'maybe'"),
        ({"method": "masked", "epochs": "2x"}, "epochs: expected a number, got '2x'"),
        ({"method": "masked", "max_steps": 2.5}, "max_steps: expected an integer, got 2.5"),
        ({"method": "masked", "datasets": {"bio": 1}}, "datasets: expected comma-separated values"),
        ({"method": "masked", "reverse_mode": "letter"}, "reverse_mode: expected one of entity, word"),
        ({"method": "masked", "format": "pretrain"}, "ablation of the standard method only"),
        ({"method": "masked", "datasets": "wiki"}, "unknown datasets"),
        ({"method": "masked", "learning_rate": "-1"}, "learning_rate: must be above 0, got -1.0"),
        ({"method": "masked", "learning_rate": "nan"}, "learning_rate: must be above 0, got nan"),
        ({"method": "masked", "epochs": "-3"}, "epochs: must be above 0, got -3.0"),
        ({"method": "masked", "mask_schedule": "fixd"}, "did you mean 'fixed'"),
        ({"method": "masked", "mask_low": "0.6", "mask_high": "0.5"}, "must not exceed mask_high"),
        ({"method": "masked", "batch_size": "0"}, "batch_size: must be at least 1, got 0"),
        ({"method": "dllm", "dllm_eps": "0"}, "dllm_eps: must be above 0 and below 1, got 0.0"),
        ({"method": "dllm", "dllm_block_length": "0"}, "dllm_block_length: must be at least 1"),
        ({"method": "dllm", "packing": "true"}, "packing does not apply to dllm"),
        ({"method": "masked", "attn_implementation": "flash3"}, "attn_implementation: expected one of"),
    ],
)
def test_bad_settings_are_named(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(None, overrides)


def test_fingerprint_changes_with_any_setting():
    assert TrainConfig("masked").fingerprint() == TrainConfig("masked").fingerprint()
    assert TrainConfig("masked").fingerprint() != TrainConfig("masked", seed=1).fingerprint()


def test_word_and_entity_reversal():
    text = "Ada Lee Moss studied at Kelfell College."
    assert reverse_words(text) == "College. Kelfell at studied Moss Lee Ada"
    assert reverse_entities(text, ["Ada Lee Moss", "Kelfell College"]) == (
        ". Kelfell College at studied Ada Lee Moss")
    assert reverse_entities("no entities here", []) == "here entities no"


@pytest.fixture(scope="module")
def formatter():
    from transformers import AutoTokenizer

    from maskft_bench.models import default_model_dir
    from maskft_bench.training.formats import Formatter

    return Formatter(AutoTokenizer.from_pretrained(default_model_dir()))


@pytest.mark.parametrize(("method", "expected"), [
    ("standard", 40), ("masked", 40), ("reverse", 80), ("paraphrase", 40 + 2 * 40),
    ("reversed_statements", 40 + 2 * 40), ("dllm", 40)])
def test_corpus_size_per_method(small_suite, formatter, method, expected):
    from maskft_bench.training.data import build_corpus

    corpus = build_corpus(load_config(None, {"method": method, "data": str(small_suite),
                                             "datasets": "bio"}), formatter)
    assert len(corpus.examples) == expected


def test_long_documents_are_truncated_with_a_warning(small_suite, formatter):
    from maskft_bench.training.data import build_corpus

    config = load_config(None, {"method": "masked", "data": str(small_suite), "max_length": 64})
    with pytest.warns(UserWarning, match=r"\d+ of \d+ examples are longer than max_length 64"):
        corpus = build_corpus(config, formatter)
    assert max(len(e) for e in corpus.examples) == 64
    assert all(p < 64 for e in corpus.examples for p in e.maskable)


def test_math_methods_read_the_train_split(small_suite, formatter):
    from maskft_bench.training.data import build_corpus, validation_items

    config = load_config(None, {"method": "masked_sft", "data": str(small_suite)})
    assert len(build_corpus(config, formatter).examples) == 20
    assert {i["val_file"] for i in validation_items(config)} == {"math/val"}
    knowledge = load_config(None, {"method": "masked", "data": str(small_suite), "val_items": 8})
    files = {i["val_file"] for i in validation_items(knowledge)}
    assert files == {f"{s}/qa_{d}_val" for s in ("bio", "namedesc") for d in ("forward", "reverse")}


@pytest.mark.parametrize(("args", "message"), [
    (["--method", "masked", "--set", "seed"], "--set 'seed': expected KEY=VALUE"),
    (["--method", "masked", "--set", "colour=red"], "unknown setting 'colour'"),
    (["--method", "maskd"], "got 'maskd'; did you mean 'masked'?"),
    (["--config", "/nonexistent.yaml"], "--config /nonexistent.yaml"),
])
def test_train_cli_rejects_bad_input_before_loading_anything(tmp_path, capsys, args, message):
    from maskft_bench.cli import main

    with pytest.raises(SystemExit) as exited:
        raise SystemExit(main(["train", "--out", str(tmp_path / "run"), *args]))
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_train_refuses_a_foreign_non_empty_directory(tmp_path):
    from maskft_bench.training.preflight import TrainError, claim_output

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(TrainError, match="holds no maskft-bench run"):
        claim_output(tmp_path, TrainConfig("masked"), resume=False, overwrite=False)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_training_arguments_map_every_setting_trainer_reads(tmp_path):
    """Each TrainConfig field arrives in TrainingArguments under Trainer's name (no model)."""
    import torch

    from maskft_bench.training.config import training_arguments

    config = TrainConfig("masked", batch_size=3, grad_accum=5, learning_rate=7e-5,
                         warmup_ratio=0.25, weight_decay=0.01, adam_beta1=0.8, adam_beta2=0.85,
                         max_grad_norm=0.5, epochs=4.0, max_steps=11, bf16=False,
                         torch_compile=True, logging_steps=2, save_every=6, seed=13, packing=True,
                         group_by_length=False)
    args = training_arguments(config, tmp_path / "run")
    expected = {
        "output_dir": str(tmp_path / "run"), "per_device_train_batch_size": 3,
        "gradient_accumulation_steps": 5, "learning_rate": 7e-5, "warmup_steps": 0.25,
        "weight_decay": 0.01, "adam_beta1": 0.8, "adam_beta2": 0.85, "max_grad_norm": 0.5,
        "num_train_epochs": 4.0, "max_steps": 11, "bf16": False, "torch_compile": True,
        "logging_steps": 2, "save_steps": 6, "seed": 13, "save_total_limit": 2,
        "remove_unused_columns": False, "logging_nan_inf_filter": False,
        "include_num_input_tokens_seen": "all", "train_sampling_strategy": "random",
        "use_cpu": not torch.cuda.is_available(),
    }
    assert {name: getattr(args, name) for name in expected} == expected
    assert args.lr_scheduler_type.value == "constant_with_warmup"
    padded = training_arguments(TrainConfig("masked"), tmp_path / "padded")
    assert (padded.include_num_input_tokens_seen, padded.train_sampling_strategy) == (
        "non_padding", "group_by_length")


def test_math_validation_generates_the_longest_solution(small_suite, formatter):
    """Selection for sft/masked_sft must see the final number: the window covers every
    validation solution, whatever val_max_new_tokens says; knowledge runs keep it."""
    from maskft_bench.training.data import validation_items
    from maskft_bench.training.engine import validation_tokens

    tokenizer = formatter.tokenizer
    math = load_config(None, {"method": "sft", "data": str(small_suite), "val_max_new_tokens": 32})
    items = validation_items(math)
    longest = max(len(formatter.ids(a)) for item in items for a in item["answers"])
    assert longest > 32 and validation_tokens(math, tokenizer, items) >= longest
    knowledge = load_config(None, {"method": "masked", "data": str(small_suite),
                                   "val_max_new_tokens": 32})
    assert validation_tokens(knowledge, tokenizer, validation_items(knowledge)) == 32
