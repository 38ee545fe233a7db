"""A compute-matched run of a method the recipe also trains by epochs continues that run.

`standard@compute` trains standard fine-tuning to the token budget the matched method sets.
Its first E epochs are exactly the equal-epochs run `standard` (same data order, seeds and
constant learning rate), so training them twice is waste: on cpu-default that was a sixth of
every seed, on cpu-paper 0.32M of 1.4M tokens. Instead the @compute run starts as a copy of the
finished equal-epochs run (its last Trainer checkpoint with optimizer, random and compute
state, its metrics and its best/ so far) and Trainer resumes it up to the budget. Selection
therefore picks from the equal-epochs rounds too, and its curve extends the other's.

Where that checkpoint is gone (a run carried to another machine without weights), the @compute
run trains the equal-epochs part itself first, in its own directory, with the equal-epochs
settings, so both paths give the same model: the warm-up, which Trainer sizes from the run's
length, is always the equal-epochs run's.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from ..atomic import read_json, staged_directory
from ..training import disk
from ..training.config import TrainConfig
from ..training.engine import META_FILE, RUN_FILE
from .recipe import Recipe

# What a continued run takes from the run it continues; everything else is rewritten by it.
COPIED = (RUN_FILE, "metrics.jsonl", "best")


def _last_checkpoint(run: Path) -> Path | None:
    """The Trainer checkpoint at the step final/ was saved at, if the run kept it."""
    final = read_json(run / "final" / META_FILE, default=None)
    if not final:
        return None
    checkpoint = run / f"checkpoint-{final['optimizer_steps']}"
    return checkpoint if (checkpoint / "trainer_state.json").is_file() else None


def awaited(recipe: Recipe, run: str, trained: Callable[[str], bool]) -> bool:
    """Whether a run of the recipe not yet trained will continue from `run`'s checkpoint."""
    return any(recipe.twin(other) == run and not trained(other) for other in recipe.runs())


def drop_checkpoints(run: Path) -> None:
    """Remove a finished run's Trainer checkpoints (1.6 GB each for the 135M model, with the
    optimizer state), which only resuming or continuing it would read: a three-seed cpu-default
    kept 24 GB of them and filled a disk. best/, final/ and the records stay."""
    for checkpoint in disk.checkpoints(run):
        shutil.rmtree(checkpoint)


def _link_or_copy(source: str, target: str) -> None:
    """Hard links: a checkpoint is 1.6 GB, and neither run writes into another's files (Trainer
    and best/ write new directories and rename them into place)."""
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)


def _copy(twin: Path, checkpoint: Path, out: Path) -> None:
    """`out` appears whole, holding the twin's run up to its last step, or not at all."""
    with staged_directory(out) as stage:
        for name in COPIED:
            source = twin / name
            if source.is_dir():
                shutil.copytree(source, stage / name, copy_function=_link_or_copy)
            elif source.is_file():
                shutil.copy2(source, stage / name)  # metrics.jsonl is appended to: a real copy
        shutil.copytree(checkpoint, stage / checkpoint.name, copy_function=_link_or_copy)


def start_from_twin(twin_config: TrainConfig, twin: Path, out: Path,
                    train: Callable[[TrainConfig, Path], object]) -> None:
    """Leave `out` holding the equal-epochs run `twin_config` (finished, without final/), ready
    to be resumed with the compute-matched settings; a no-op once that resumption has begun."""
    record = read_json(out / RUN_FILE, default=None)
    if record is not None and record.get("fingerprint") != twin_config.fingerprint():
        return  # the compute-matched part is under way: Trainer resumes it
    if record is None:
        checkpoint = _last_checkpoint(twin)
        if checkpoint is not None:
            _copy(twin, checkpoint, out)
            return
    train(twin_config, out)  # also finishes an equal-epochs part an interruption cut short
    shutil.rmtree(out / "final")  # the stage is done only when the compute-matched final/ is
