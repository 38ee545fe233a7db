"""A training run refuses to start without disk room for what it writes, and a checkpoint a
failed save cut short is removed so that the rerun resumes from a whole one (training/disk.py).

Real Trainer runs on a tiny random Llama. The disk is not filled for real: the failure is
injected where a full disk struck on 2026-12-03 (torch.save writing optimizer.pt, with the C++
stream error it raised then), and the need is raised past the real free space.
"""

import json

import pytest
import torch

from maskft_bench.training import disk
from maskft_bench.training.config import load_config
from maskft_bench.training.engine import META_FILE, train
from maskft_bench.training.preflight import TrainError


def _config(tiny_llama, small_suite, **settings):
    return load_config(None, {
        "method": "standard", "model": str(tiny_llama), "data": str(small_suite),
        "datasets": "namedesc", "batch_size": 4, "val_items": 0, "logging_steps": 1,
        "bf16": False, "learning_rate": 1e-2, **settings})


def test_a_checkpoint_weighs_what_the_footprint_charges(tmp_path, small_suite, tiny_llama,
                                                        one_thread):
    from transformers import AutoModelForCausalLM

    train(_config(tiny_llama, small_suite, max_steps=2, save_every=2), tmp_path)
    params = sum(p.numel() for p in AutoModelForCausalLM.from_pretrained(tiny_llama).parameters())
    checkpoint, final = tmp_path / "checkpoint-2", tmp_path / "final"
    written = sum((checkpoint / name).stat().st_size for name in ("model.safetensors",
                                                                  "optimizer.pt"))
    assert written == pytest.approx(params * disk.CHECKPOINT_BYTES_PER_PARAM, rel=0.02)
    assert (final / "model.safetensors").stat().st_size == pytest.approx(
        params * disk.MODEL_BYTES_PER_PARAM, rel=0.02)


def test_footprint_counts_the_checkpoints_trainer_keeps():
    params = 134_515_008  # SmolLM2-135M
    # cpu-default: no mid-run checkpoint, one at the end, plus best/ (twice) and final/
    assert disk.footprint(params, steps=28, save_every=1000, keep=2) == params * (12 + 12)
    # cpu-paper: 300 steps, a checkpoint every 100: 2 kept, a third while the oldest goes
    assert disk.footprint(params, steps=300, save_every=100, keep=2) == params * (36 + 12)
    assert round(disk.footprint(params, 28, 1000, 2) / disk.GB, 1) == 3.2


def test_check_space_refuses_more_than_is_free_in_one_line(tmp_path):
    out = tmp_path / "not" / "made" / "yet"
    disk.check_space(out, 0)
    with pytest.raises(TrainError, match=r"not enough disk space for .*yet: the run writes up "
                                         r"to [\d.]+ GB .* GB are free") as caught:
        disk.check_space(out, disk.free_bytes(tmp_path) + 10**15)
    assert "\n" not in str(caught.value) and not out.parent.exists()


def test_a_run_without_room_stops_before_it_writes(tmp_path, small_suite, tiny_llama,
                                                   monkeypatch):
    monkeypatch.setattr(disk, "CHECKPOINT_BYTES_PER_PARAM", 10**9)  # a petabyte-sized model
    out = tmp_path / "run"
    with pytest.raises(TrainError, match="not enough disk space"):
        train(_config(tiny_llama, small_suite, max_steps=2), out)
    assert not out.exists()


def test_a_save_cut_short_leaves_no_partial_checkpoint(tmp_path, small_suite, tiny_llama,
                                                       one_thread, monkeypatch):
    config = _config(tiny_llama, small_suite, max_steps=6, save_every=2)
    save = torch.save

    def full_disk(obj, f, *args, **kwargs):
        if str(f).endswith("checkpoint-4/optimizer.pt"):
            with open(f, "wb") as partial:
                partial.write(b"\0" * 1024)
            raise RuntimeError("basic_ios::clear: iostream error")
        return save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", full_disk)
    with pytest.raises(TrainError, match=r"saving checkpoint-4 failed \(RuntimeError: basic_ios"
                                         r".*removed the partial checkpoint.*resume from "
                                         r"checkpoint-2") as caught:
        train(config, tmp_path)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "checkpoint-4").exists()
    assert (tmp_path / "checkpoint-2" / META_FILE).is_file()  # the whole one stays

    monkeypatch.setattr(torch, "save", save)  # space freed: the same call resumes
    final = train(config, tmp_path)
    assert final["optimizer_steps"] == 6
    steps = [json.loads(line)["step"] for line in (tmp_path / "metrics.jsonl").read_text()
             .splitlines() if "loss" in json.loads(line)]
    assert steps == list(range(1, 7))


def test_an_interrupted_save_is_removed_too(tmp_path, small_suite, tiny_llama, one_thread,
                                            monkeypatch):
    save = torch.save

    def interrupted(obj, f, *args, **kwargs):
        if str(f).endswith("checkpoint-2/optimizer.pt"):
            raise KeyboardInterrupt
        return save(obj, f, *args, **kwargs)

    monkeypatch.setattr(torch, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(_config(tiny_llama, small_suite, max_steps=4, save_every=2), tmp_path)
    assert not (tmp_path / "checkpoint-2").exists()


def test_a_save_killed_mid_way_is_not_resumed_from(tmp_path, small_suite, tiny_llama, one_thread,
                                                   capfd):
    """SIGKILL or a power cut cannot be caught: the next run finds the partial checkpoint."""
    train(_config(tiny_llama, small_suite, max_steps=2, save_every=2), tmp_path)
    killed = tmp_path / "checkpoint-3"
    killed.mkdir()
    (killed / "model.safetensors").write_bytes(b"\0" * 1024)  # cut off before trainer_state
    final = train(_config(tiny_llama, small_suite, max_steps=4, save_every=2), tmp_path,
                  resume=True)
    assert "removed" in capfd.readouterr().err and not killed.exists()
    assert final["optimizer_steps"] == 4
    steps = [json.loads(line)["step"] for line in (tmp_path / "metrics.jsonl").read_text()
             .splitlines() if "loss" in json.loads(line)]
    assert steps == [1, 2, 3, 4]  # resumed from checkpoint-2


def test_what_a_run_already_has_on_disk_is_not_asked_for_again(tmp_path):
    """A resume keeps its checkpoints (they are part of the footprint); --overwrite frees the
    old run's files, except those a hard link from another run keeps."""
    out = tmp_path / "run"
    (out / "checkpoint-100").mkdir(parents=True)
    (out / "checkpoint-100" / "optimizer.pt").write_bytes(b"o" * 3000)
    (tmp_path / "twin.safetensors").write_bytes(b"w" * 1000)
    (out / "checkpoint-100" / "model.safetensors").hardlink_to(tmp_path / "twin.safetensors")
    (out / "elsewhere").symlink_to(tmp_path / "twin.safetensors")
    assert disk.already_placed(out, clearing=False) == 4000
    assert disk.already_placed(out, clearing=True) == 3000
    assert disk.already_placed(tmp_path / "missing", clearing=False) == 0
