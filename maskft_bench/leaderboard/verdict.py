"""The outcome of checking one submission, and the exception a failed rule raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class Rejected(Exception):
    """A submission broke `rule`; the message says what to fix."""

    def __init__(self, rule: str, message: str):
        super().__init__(f"[{rule}] {message}")
        self.rule = rule
        self.message = message


@dataclass(frozen=True)
class Verdict:
    """One file's result. `entry` holds the recomputed leaderboard row of an accepted file."""

    file: Path
    accepted: bool
    rule: str | None = None
    message: str = ""
    entry: Any = field(default=None, compare=False, repr=False)

    def line(self) -> str:
        if self.accepted:
            return f"accepted {self.file}"
        return f"rejected {self.file} [{self.rule}]: {self.message}"
