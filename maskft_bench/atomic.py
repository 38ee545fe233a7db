"""Files and directories that appear whole or not at all, and JSON files read with one-line errors.

Every command that writes a directory (a suite, a converted model, a score, an installed
task folder) builds it in a hidden sibling and renames it into place, and every single file
(run markers, the report, its figures, leaderboard pages, submissions) is written to a hidden
temporary file and renamed over its target, so an error or a kill never leaves something that
looks complete but is not. (Files inside a staged directory need no helper of their own.)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import MaskftError

_REQUIRED: Any = object()


class ReadError(MaskftError, ValueError):
    """A JSON file that is missing, unreadable or not JSON; the message is one line."""


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield an empty staging directory that replaces `target` when the block succeeds.

    The directory gets the mode the umask gives a new one, as `mkdir` would. On failure the
    staging directory, and any parent directories made for it, are removed.
    """
    missing = [p for p in [target.parent, *target.parent.parents] if not p.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except BaseException:
        _remove_made(missing)
        raise
    try:
        os.chmod(stage, 0o777 & ~_umask())  # mkdtemp makes 0700; the result is shared as usual
        yield stage
        if target.exists():
            shutil.rmtree(target)
        os.replace(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        _remove_made(missing)
        raise


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def _remove_made(missing: list[Path]) -> None:
    if missing:  # the outermost directory that did not exist before; it holds the rest
        shutil.rmtree(missing[-1], ignore_errors=True)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks (model weights are hundreds of MB)."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def write_bytes(path: Path, data: bytes) -> None:
    """Write through a hidden temporary file in the same directory, then rename into place.

    The file gets mode 0644 (mkstemp makes 0600): these are files to commit, serve and share.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """`write_bytes` of UTF-8 text."""
    write_bytes(path, text.encode())


def write_json(path: Path, data: object, sort_keys: bool = False) -> None:
    """Indented JSON and a final newline, written atomically."""
    write_text(path, json.dumps(data, indent=2, sort_keys=sort_keys) + "\n")


def read_json(path: Path, default: Any = _REQUIRED) -> Any:
    """The parsed file. A missing or broken file raises ReadError naming the file in one line,
    or returns `default` when one is given (a "done" check treats both as not done)."""
    try:
        return json.loads(Path(path).read_text())
    except OSError as err:
        if default is not _REQUIRED:
            return default
        raise ReadError(f"{path}: cannot read ({err.strerror})") from err
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError
        if default is not _REQUIRED:
            return default
        raise ReadError(f"{path}: not JSON ({err})") from err
