"""A training run's inputs and output directory, checked before torch is imported.

`maskft-bench train` calls `check_run` before it imports the training stack, so a typo costs
a second, and the engine calls it again first thing (the pipeline trains through the engine).
"""

from __future__ import annotations

from pathlib import Path

from .. import outdir
from ..atomic import read_json
from ..errors import MaskftError, brief
from ..model_ref import check_model_ref
from .config import TrainConfig
from .data import suite_dir

RUN_FILE = outdir.MARKERS["train"][0]


class TrainError(MaskftError, RuntimeError):
    pass


def claim_output(out: Path, config: TrainConfig, resume: bool, overwrite: bool) -> bool:
    """Check that `out` may hold this run: new, empty, an earlier run of the same config (which
    continues) or, with `overwrite`, a run this tool made. Deletes nothing; returns whether the
    run must clear `out` first (which it does only once the model has loaded)."""
    if overwrite:
        return outdir.check_replaceable(out, "train")
    if out.exists() and not out.is_dir():
        raise TrainError(f"--out {brief(out)} is a file; expected a run directory")
    if not out.exists() or not any(out.iterdir()):
        return False
    if outdir.kind_of(out) != "train":
        raise TrainError(f"--out {brief(out)} is not empty and holds no maskft-bench run; choose "
                         "another directory or pass --overwrite")
    previous = read_json(out / RUN_FILE)
    if previous.get("fingerprint") == config.fingerprint() or resume:
        return False
    raise TrainError(f"--out {brief(out)} holds another run (different settings); pass --resume "
                     "to continue it with these settings or --overwrite to start over")


def check_inputs(config: TrainConfig) -> None:
    """The model and the suite exist, checked before anything loads (a typo costs nothing)."""
    check_model_ref(config.model)
    suite = suite_dir(config)
    if not (suite / "manifest.json").is_file():
        raise TrainError(f"data {brief(config.data or suite)}: not a maskft-bench suite (no "
                         "manifest.json); expected a directory `maskft-bench generate` wrote, or "
                         "empty for the shipped suite")


def check_run(config: TrainConfig, out: Path, resume: bool, overwrite: bool) -> bool:
    """`claim_output`, then `check_inputs`; returns whether --out must be cleared."""
    clear = claim_output(out, config, resume, overwrite)
    check_inputs(config)
    return clear
