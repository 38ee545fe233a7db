"""SIGTERM handled as SIGINT is: the same cleanup, so a killed command leaves nothing behind.

Python turns SIGINT into KeyboardInterrupt, which unwinds every `staged_directory` and atomic
write and removes what they staged; SIGTERM (what `kill`, timeouts, schedulers and torchrun
send) would end the process on the spot and leave hidden staging folders. While the block
runs, SIGTERM raises Terminated, a KeyboardInterrupt, instead.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

EXIT_TERMINATED = 128 + signal.SIGTERM  # the shell's status for a process ended by SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived; it unwinds like Ctrl-C."""


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated in this process. A forked child (a data
    loader worker) inherits the handler but dies of the signal as usual: only the process
    that staged the files can remove them."""
    owner = os.getpid()

    def handler(signum: int, _frame: FrameType | None) -> None:
        if os.getpid() != owner:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
