"""Settings declared once: help, flags, `--set`, recipe values and errors from the dataclasses."""

import argparse
import dataclasses
import importlib
import inspect
import pkgutil
from pathlib import Path
from typing import get_type_hints

import pytest

import maskft_bench
from maskft_bench import cli, settings
from maskft_bench.errors import MaskftError
from maskft_bench.leaderboard import SubmissionMeta
from maskft_bench.scoring.run import ScoreOptions
from maskft_bench.settings import ConfigError, coerce, show
from maskft_bench.suite.generate import SuiteOptions
from maskft_bench.training.config import TrainConfig

SETTINGS = (TrainConfig, ScoreOptions, SuiteOptions, SubmissionMeta)


@pytest.mark.parametrize("cls", SETTINGS)
def test_every_setting_has_help(cls):
    missing = [f.name for f in dataclasses.fields(cls) if len(f.metadata.get("help", "")) < 10]
    assert not missing, f"{cls.__name__} fields without help: {missing}"


@pytest.mark.parametrize("cls", SETTINGS)
def test_every_default_is_read_back_from_its_text(cls):
    """`--help` shows a default as text; that text, given as a flag, is the default again."""
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            assert coerce(f.name, show(f.default), hints[f.name]) == f.default, f.name


def help_text(capsys, monkeypatch, *command: str) -> str:
    monkeypatch.setenv("COLUMNS", "10000")  # no wrapping, so defaults stay whole
    with pytest.raises(SystemExit) as exited:
        cli.main([*command, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(("command", "cls"), [("train", TrainConfig), ("score", ScoreOptions),
                                              ("generate", SuiteOptions),
                                              ("submit", SubmissionMeta)])
def test_help_lists_every_setting_with_its_help_and_default(capsys, monkeypatch, command, cls):
    text = help_text(capsys, monkeypatch, command)
    for f in dataclasses.fields(cls):
        assert settings.flag(f.name) in text, f.name
        assert f.metadata["help"].split(";")[0][:40] in text, f.name
        if f.default is not dataclasses.MISSING:
            shown = show(f.default) or '""'
            expected = settings.help_text(f).replace("%%", "%")  # help, bounds, default
            assert expected in text and expected.endswith(f"(default: {shown})"), f.name


def test_train_keeps_its_flag_names(capsys, monkeypatch):
    text = help_text(capsys, monkeypatch, "train")
    for name in ("--method", "--model", "--data", "--out", "--config", "--lr", "--epochs",
                 "--max-steps", "--batch-size", "--seed", "--eval-every", "--mask-token", "--set",
                 "--resume", "--overwrite", "--no-bf16", "--packing"):
        assert f"{name} " in text or f"{name}," in text, name


@pytest.fixture
def trained(monkeypatch):
    """`maskft-bench train` with the engine replaced: the config it would train with."""
    from maskft_bench.training import engine

    seen = {}

    def fake_train(config, out, recipe, resume, overwrite):
        seen["config"] = config
        return dict.fromkeys(("method", "optimizer_steps", "tokens_seen", "training_flops",
                              "best_val_accuracy"))

    monkeypatch.setattr(engine, "train", fake_train)
    return seen


def test_unset_flags_keep_the_recipe_and_set_wins(tmp_path, trained):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("batch_size: 16\nlearning_rate: 1.0e-4\nseed: 4\ndatasets: [bio]\n"
                      "per_method:\n  masked: {epochs: 3}\n")
    assert cli.main(["train", "--method", "masked", "--config", str(recipe), "--out",
                     str(tmp_path / "run"), "--lr", "2e-4", "--seed", "5", "--set", "seed=6",
                     "--no-bf16", "--set", "mask_token=none"]) == 0
    config = trained["config"]
    assert (config.batch_size, config.datasets, config.epochs) == (16, ("bio",), 3.0)
    assert (config.learning_rate, config.seed, config.bf16, config.mask_token) == (
        2e-4, 6, False, None)
    assert config.adam_beta2 == TrainConfig("masked").adam_beta2


@pytest.mark.parametrize(("args", "message"), [
    (["train", "--method", "masked", "--max-steps", "abc"],
     "argument --max-steps: expected an integer, got 'abc'"),
    (["train", "--method", "masked", "--set", "bf16=maybe"],
     "bf16: expected true or false, got 'maybe'"),
    (["train", "--method", "masked", "--set", "val_items=1.5"],
     "val_items: expected an integer, got '1.5'"),
    (["train", "--method", "masked", "--set", "packing"], "--set 'packing': expected KEY=VALUE"),
    (["train", "--method", "masked", "--format", "poem"],
     "argument --format: expected one of chat, pretrain, got 'poem'"),
    (["score", "--model", "m", "--limit", "some"],
     "argument --limit: expected an integer or none, got 'some'"),
    (["score", "--model", "m", "--split", "train"],
     "argument --split: expected one of test, val, got 'train'"),
    (["run", "cpu-default", "--seeds", "0,x"],
     "argument --seeds: expected comma-separated values, each an integer, got '0,x'"),
    (["submit", "--results", "r", "--method", "masked", "--base-model", "b", "--seed", "s"],
     "argument --seed: expected an integer or none, got 's'"),
])
def test_bad_values_are_one_line_errors(tmp_path, capsys, args, message):
    try:
        code = cli.main([*args, "--out", str(tmp_path / "out")])
    except SystemExit as exited:  # argparse's own errors
        code = exited.code
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "out").exists()


def test_coerce_reads_yaml_values_and_text_alike():
    assert coerce("x", "bio, namedesc,", tuple[str, ...]) == ("bio", "namedesc")
    assert coerce("x", ["bio"], tuple[str, ...]) == ("bio",)
    assert coerce("x", "none", int | None) is None and coerce("x", "7", int | None) == 7
    assert coerce("x", 3, float) == 3.0 and coerce("x", "1e-5", float) == 1e-5
    assert coerce("x", "No", bool) is False and coerce("x", 1, bool) is True
    assert coerce("x", "runs/a", Path) == Path("runs/a") and coerce("x", 32, str) == "32"
    for value, hint in ((True, int), ("2", bool), (["a"], str), ("x", int | None)):
        with pytest.raises(ConfigError, match=r"^x: expected "):
            coerce("x", value, hint)


def test_score_options_refuse_a_value_outside_their_choices():
    with pytest.raises(ConfigError, match="backend: expected one of auto, vllm, hf, dllm, got 'tpu'"):
        ScoreOptions(model="m", out=Path("o"), backend="tpu")


@dataclasses.dataclass(frozen=True)
class _Bounded:
    rate: float = settings.setting(0.5, above=0, below=1, help="a share, never 0 or 1")
    count: int | None = settings.setting(None, at_least=1, help="none, or how many")


@pytest.mark.parametrize(("values", "message"), [
    ({"rate": 0.0}, "rate: must be above 0 and below 1, got 0.0"),
    ({"rate": float("inf")}, "rate: must be above 0 and below 1, got inf"),
    ({"count": 0}, "count: must be at least 1, got 0"),
])
def test_bounds_refuse_numbers_outside_them(values, message):
    with pytest.raises(ConfigError, match=f"^{message}$"):
        settings.check_fields(_Bounded(**values))
    settings.check_fields(_Bounded(rate=0.99, count=None))  # inside, and None passes


def test_help_states_the_bounds():
    fields = {f.name: f for f in dataclasses.fields(_Bounded)}
    assert settings.help_text(fields["rate"]) == ("a share, never 0 or 1; above 0 and below 1 "
                                                  "(default: 0.5)")


def test_every_error_class_derives_from_maskft_error():
    """main() catches MaskftError only: a user-facing error outside it would be a traceback."""
    errors = []
    for info in pkgutil.walk_packages(maskft_bench.__path__, "maskft_bench."):
        module = importlib.import_module(info.name)
        errors += [cls for name, cls in inspect.getmembers(module, inspect.isclass)
                   if name.endswith("Error") and cls.__module__ == info.name]
    assert len(errors) >= 12
    assert [cls for cls in errors if not issubclass(cls, MaskftError)] == []


def test_every_subcommand_has_a_handler():
    def commands(parser: argparse.ArgumentParser, prefix: str = "") -> set[str]:
        found = set()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    command = f"{prefix} {name}".strip()
                    found |= commands(child, command) or {command}
        return found

    assert commands(cli._build_parser()) == set(cli.HANDLERS)
