"""Directories that appear whole or not at all.

Every command that writes a directory (a suite, a converted model, a score, an installed
task folder) builds it in a hidden sibling and renames it into place, so an error or a
kill never leaves something that looks complete but is not.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield an empty staging directory that replaces `target` when the block succeeds.

    On failure the staging directory, and any parent directories made for it, are removed.
    """
    missing = [p for p in [target.parent, *target.parent.parents] if not p.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except BaseException:
        _remove_made(missing)
        raise
    try:
        yield stage
        if target.exists():
            shutil.rmtree(target)
        os.replace(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        _remove_made(missing)
        raise


def _remove_made(missing: list[Path]) -> None:
    if missing:  # the outermost directory that did not exist before; it holds the rest
        shutil.rmtree(missing[-1], ignore_errors=True)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks (model weights are hundreds of MB)."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()
