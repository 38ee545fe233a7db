"""Which directories `--overwrite` may delete: the one rule, for train, score and run.

A directory may be replaced only if it is empty or this tool made it, which its marker file
says: a JSON file at its top that carries the key the tool writes there. Each command replaces
only its own kind (`score --overwrite` does not delete a training run), and `/`, the home
directory, this repository's root, any directory holding a `.git`, the current directory and
its ancestors are never deleted, whatever they hold. Callers check first, before any work,
and delete only after everything else was validated.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Literal

from .errors import MaskftError, brief

Kind = Literal["train", "score", "run"]
# kind -> (marker file, the key that file always holds, what the directory is called)
MARKERS: dict[str, tuple[str, str, str]] = {
    "train": ("maskft-run.json", "fingerprint", "a training run"),
    "score": ("summary.json", "maskft_bench_version", "a score directory"),
    "run": ("pipeline.json", "fingerprint", "a pipeline run"),
}
REPOSITORY = Path(__file__).resolve().parents[1]


class OutputError(MaskftError, ValueError):
    pass


def kind_of(directory: Path) -> str | None:
    """The kind of run this tool made in `directory`, from its marker; None if none."""
    for kind, (marker, key, _) in MARKERS.items():
        try:
            if key in json.loads((directory / marker).read_text()):
                return kind
        except (OSError, ValueError, TypeError):
            continue
    return None


def _protected(resolved: Path) -> str | None:
    """Why `resolved` may never be deleted, or None."""
    cwd = Path.cwd().resolve()
    if resolved == Path(resolved.anchor):
        return "is the file system root"
    if resolved == Path.home().resolve():
        return "is the home directory"
    if resolved == cwd or resolved in cwd.parents:
        return "is the current directory or one of its parents"
    if resolved == REPOSITORY or resolved in REPOSITORY.parents or (resolved / ".git").exists():
        return "is a repository root or one of its parents"
    return None


def check_replaceable(out: Path, kind: Kind) -> bool:
    """Whether `--overwrite` has anything to delete in `out`; refuses what it may not delete."""
    if out.is_symlink():
        raise OutputError(f"--out {brief(out)} is a symbolic link; --overwrite replaces only a "
                          "real directory")
    if not out.exists():
        return False
    if not out.is_dir():
        raise OutputError(f"--out {brief(out)} is a file, not a directory; --overwrite replaces "
                          f"only {MARKERS[kind][2]} or an empty directory")
    reason = _protected(out.resolve())
    if reason:
        raise OutputError(f"--out {brief(out)} {reason}; --overwrite never deletes it")
    if not any(out.iterdir()):
        return False
    found = kind_of(out)
    if found != kind:
        what = f"holds {MARKERS[found][2]}" if found else "was not made by maskft-bench (no " \
            f"{MARKERS[kind][0]})"
        raise OutputError(f"--out {brief(out)} {what}; --overwrite replaces only "
                          f"{MARKERS[kind][2]} or an empty directory, so choose another --out")
    return True


def clear(out: Path, kind: Kind) -> None:
    """Empty `out` if `check_replaceable` allows it (checked again: the disk may have changed).
    The directory itself stays, so the lock its writer holds on it (outlock) still holds."""
    if check_replaceable(out, kind):
        for child in out.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
