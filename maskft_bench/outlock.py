"""One writer per output directory: a second `run` or `train` into a busy --out is refused.

Two processes training into one directory would write the same checkpoints over each other
and each resume from the other's half-state. The lock is flock(2) on the directory itself, not
a file inside it: the kernel drops it when the process ends however it ends (a kill, a power
cut leaves no stale lock to clean up), and it writes nothing into --out. It holds only while the
directory keeps its inode, so `--overwrite` empties a locked directory instead of replacing it
(outdir.clear). A file system without flock (some network mounts) runs unlocked, as before.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import MaskftError, brief


class BusyError(MaskftError, RuntimeError):
    pass


@contextmanager
def exclusive(out: Path, command: str) -> Iterator[None]:
    """Hold `out` (made if missing) for this process; refuse in one line if another holds it.
    A directory this call made is removed again if the block leaves it empty."""
    made = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    handle = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BusyError(f"--out {brief(out)} is in use by another maskft-bench process that "
                            f"is still running; wait for it to end or give this {command} "
                            "another --out") from None
        except OSError:
            pass  # no flock on this file system: nothing to hold
        try:
            yield
        finally:
            if made and out.is_dir() and not any(out.iterdir()):
                out.rmdir()
    finally:
        os.close(handle)  # releases the lock
