"""The outcome of checking one submission, and the exception a failed rule raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .limits import MAX_MESSAGE_CHARS
from .table import Entry


def printable(text: str) -> str:
    """Messages quote untrusted strings: escape what could steer a terminal or a CI log."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shorten(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """At most `limit` characters: a message quoting a 50 MB field stays one readable line."""
    if len(text) <= limit:
        return text
    half = (limit - 5) // 2
    return f"{text[:half]} ... {text[-half:]}"


class Rejected(Exception):
    """A submission broke `rule`; the message says what to fix. `other`: the accepted file it
    clashes with (duplicates), so a caller that made both can tell its own twin."""

    def __init__(self, rule: str, message: str, other: str | None = None):
        self.rule = rule
        self.other = other
        self.message = shorten(printable(shorten(message)))
        super().__init__(f"[{rule}] {self.message}")


@dataclass(frozen=True)
class Verdict:
    """One file's result. `entry` holds the recomputed leaderboard row of an accepted file."""

    file: Path
    accepted: bool
    rule: str | None = None
    message: str = ""
    entry: Entry | None = field(default=None, compare=False, repr=False)

    def line(self) -> str:
        name = shorten(printable(str(self.file)))  # file names come from a pull request too
        if self.accepted:
            return f"accepted {name}"
        return f"rejected {name} [{self.rule}]: {self.message}"
