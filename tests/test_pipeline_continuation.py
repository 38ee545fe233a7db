"""standard@compute continues standard instead of training its first epochs again
(pipeline/continuation.py), and gives the same model whether standard's last checkpoint is
there to copy or gone (a run carried to another machine without weights).

Real Trainer runs on a tiny random Llama, on one thread so that both paths are bitwise equal:
any difference at all means the copy left out some state (optimizer, random, compute counts).
"""

import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file

from maskft_bench.pipeline.continuation import start_from_twin
from maskft_bench.pipeline.layout import Layout
from maskft_bench.pipeline.recipe import Recipe
from maskft_bench.pipeline.stages import _train
from maskft_bench.training.engine import META_FILE, matched_eval_every, planned_tokens

EPOCHS = 2


def _recipe(model) -> Recipe:
    return Recipe(name="t", seeds=(0,), methods=("standard", "masked"), model=str(model),
                  train={"datasets": ["namedesc"], "epochs": EPOCHS, "batch_size": 4,
                         "learning_rate": 1e-2, "bf16": False, "eval_every": 3, "val_items": 4,
                         "val_max_new_tokens": 4, "save_every": 1000, "logging_steps": 1,
                         "warmup_ratio": 0.2},
                  compute={"match": "masked", "methods": ["standard"]})


def _layout(root, suite) -> Layout:
    layout = Layout(root)
    shutil.copytree(suite, layout.suite(0))
    return layout


def _records(run) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def _steps(run, field: str) -> dict[int, object]:
    return {r["step"]: r[field] for r in _records(run) if field in r}


def test_standard_at_compute_continues_standard_the_same_way_on_either_path(
        tmp_path, small_suite, tiny_llama, one_thread):
    recipe = _recipe(tiny_llama)
    here = _layout(tmp_path / "here", small_suite)
    _train(recipe, here, 0, "standard")
    _train(recipe, here, 0, "standard@compute")
    twin, continued = here.run(0, "standard"), here.run(0, "standard@compute")

    # Carried elsewhere: standard's results came along, its weights and checkpoints did not.
    there = _layout(tmp_path / "there", small_suite)
    _train(recipe, there, 0, "standard")
    for checkpoint in there.run(0, "standard").glob("checkpoint-*"):
        shutil.rmtree(checkpoint)
    _train(recipe, there, 0, "standard@compute")
    retrained = there.run(0, "standard@compute")

    twin_steps = _steps(twin, "inputs_sha256")
    last = max(twin_steps)
    continued_steps = _steps(continued, "inputs_sha256")
    assert list(continued_steps) == list(range(1, max(continued_steps) + 1))  # each step once
    assert {s: continued_steps[s] for s in twin_steps} == twin_steps  # its first epochs
    assert {s: _steps(continued, "loss")[s] for s in twin_steps} == _steps(twin, "loss")
    assert _steps(continued, "loss") == _steps(retrained, "loss")
    assert continued_steps == _steps(retrained, "inputs_sha256")
    assert _steps(continued, "learning_rate") == _steps(retrained, "learning_rate")
    a = load_file(continued / "final" / "model.safetensors")
    b = load_file(retrained / "final" / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)

    meta = json.loads((continued / "final" / META_FILE).read_text())
    budget = planned_tokens(recipe.train_config("masked", 0, here.suite(0)))
    assert meta["config"]["budget_tokens"] == budget and meta["optimizer_steps"] > last
    assert meta["tokens_seen"] >= budget
    retrained_meta = json.loads((retrained / "final" / META_FILE).read_text())
    for field in ("optimizer_steps", "tokens_seen", "loss_tokens", "training_flops"):
        assert meta[field] == retrained_meta[field], field
    # Selection chose among every round, the equal-epochs ones included.
    rounds = [r["validation"]["val_accuracy"] for r in _records(continued) if "validation" in r]
    best = json.loads((continued / "best" / META_FILE).read_text())
    assert best["val_accuracy"] == max(rounds)
    assert len(rounds) > len([r for r in _records(twin) if "validation" in r])
    # Past the twin's run it validates at masked's token spacing, fewer rounds than by steps.
    spacing = matched_eval_every(recipe.train_config("standard@compute", 0, here.suite(0)),
                                 recipe.train_config("masked", 0, here.suite(0)))
    assert spacing > recipe.train["eval_every"]
    later = [r["step"] for r in _records(continued) if "validation" in r and r["step"] > last]
    assert later and all(s % spacing == 0 for s in later[:-1])
    # Nothing continues from either run any more: their 1.6 GB-a-piece checkpoints are gone.
    assert not [*twin.glob("checkpoint-*"), *continued.glob("checkpoint-*")]
    assert (twin / "final").is_dir() and (twin / "best").is_dir()


def test_a_started_continuation_is_resumed_not_restarted(tmp_path, small_suite, tiny_llama,
                                                        one_thread):
    recipe = _recipe(tiny_llama)
    layout = _layout(tmp_path, small_suite)
    _train(recipe, layout, 0, "standard")
    twin_config = recipe.train_config("standard", 0, layout.suite(0))
    out = layout.run(0, "standard@compute")
    calls = []
    start_from_twin(twin_config, layout.run(0, "standard"), out, lambda *a: calls.append(a))
    assert not calls and not (out / "final").exists()  # copied, not trained
    steps = json.loads((layout.run(0, "standard") / "final" / META_FILE).read_text())
    checkpoint = f"checkpoint-{steps['optimizer_steps']}"
    assert sorted(p.name for p in out.iterdir()) == [
        "best", checkpoint, "maskft-run.json", "metrics.jsonl"]
    # The checkpoint is linked, not copied: the same file, no second 1.6 GB on the disk.
    weights = Path(checkpoint) / "model.safetensors"
    assert (out / weights).stat().st_ino == (layout.run(0, "standard") / weights).stat().st_ino
    record = json.loads((out / "maskft-run.json").read_text())
    (out / "maskft-run.json").write_text(json.dumps({**record, "fingerprint": "compute-run"}))
    start_from_twin(twin_config, layout.run(0, "standard"), out, lambda *a: calls.append(a))
    assert not calls  # the compute-matched part had begun: nothing is copied or retrained
