"""The disk a training run needs, checked before it writes, and what a failed save leaves.

A checkpoint of the 135M default model is 1.6 GB (fp32 weights and AdamW's two moments), and
torch.save on a full disk fails in the middle of a file with a C++ stream error, leaving a
checkpoint directory that Trainer would resume from on the next run. So a run refuses to start
without room for what it will write, and a checkpoint cut short by any failure is removed.
"""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

from ..errors import brief
from .preflight import TrainError

CHECKPOINT_BYTES_PER_PARAM = 12  # fp32 weights 4, AdamW's exp_avg and exp_avg_sq 4 + 4
MODEL_BYTES_PER_PARAM = 4  # best/ and final/ hold the fp32 weights the trainer trained
GB = 1e9


def footprint(params: int, steps: int, save_every: int, keep: int) -> int:
    """The most bytes the run has on disk at once: its Trainer checkpoints (one every
    `save_every` steps and one at the end; `keep` of them stay, and a new one is written before
    the oldest goes) with best/ (twice while a better model replaces it) and final/."""
    checkpoints = min(steps // save_every + 1, keep + 1)
    return params * (checkpoints * CHECKPOINT_BYTES_PER_PARAM + 3 * MODEL_BYTES_PER_PARAM)


def free_bytes(path: Path) -> int:
    """Free space on the file system that holds `path`, or would hold it once made."""
    existing = path.resolve()
    while not existing.exists():
        existing = existing.parent
    return shutil.disk_usage(existing).free


def already_placed(out: Path, clearing: bool) -> int:
    """Bytes in `out` that the footprint need not find again: a resumed run's checkpoints and
    best/ are part of it and already on disk; a run that clears `out` first frees its files,
    except those another hard link keeps (a continuation's checkpoint linked from its twin)."""
    if not out.is_dir() or out.is_symlink():
        return 0
    total = 0
    for path in out.rglob("*"):
        info = path.lstat()
        if stat.S_ISREG(info.st_mode) and not (clearing and info.st_nlink > 1):
            total += info.st_size
    return total


def check_space(out: Path, need: int) -> None:
    """Refuse, in one line, a run whose outputs would not fit where they go."""
    free = free_bytes(out)
    if free < need:
        raise TrainError(f"not enough disk space for {brief(out)}: the run writes up to "
                         f"{need / GB:.1f} GB (Trainer checkpoints with optimizer state, best/ and "
                         f"final/) and {free / GB:.1f} GB are free; free some space or choose "
                         "another --out")


def checkpoints(out: Path) -> set[Path]:
    """Trainer's checkpoint directories in `out` (checkpoint-<step>)."""
    return {p for p in out.glob(f"{PREFIX_CHECKPOINT_DIR}-*")
            if p.is_dir() and p.name.rsplit("-", 1)[-1].isdigit()}


def remove_partial(made: set[Path], required: tuple[str, ...]) -> list[Path]:
    """Remove the checkpoints among `made` (this run's own) that lack a file of `required`,
    the files a save writes last; returns them. Only a save cut short leaves one."""
    partial = sorted(p for p in made if not all((p / name).is_file() for name in required))
    for checkpoint in partial:
        shutil.rmtree(checkpoint, ignore_errors=True)
    return partial
