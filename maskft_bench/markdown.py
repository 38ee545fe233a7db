"""Markdown tables and literal cell text: every table the package writes is built here.

The pipeline report, `maskft-bench score`'s summary and leaderboard/README.md all use `table`,
so their tables share one syntax (the GitHub dialect: a header row, a delimiter row, no
padding) and a malformed row fails here instead of rendering as a broken table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

ALIGN = {"left": "---", "right": "---:"}  # "left" is Markdown's default alignment
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKUP = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def escape(text: str) -> str:
    """Literal text in a table cell: HTML entities for <, >, &; backslashes for Markdown.

    >>> escape("a|b <i>")
    'a\\\\|b &lt;i&gt;'
    """
    escaped = "".join(_HTML.get(c, c) for c in text)
    return _MARKUP.sub(r"\\\1", escaped)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]],
          align: Sequence[str] | None = None) -> str:
    """A table as lines joined by newlines (no trailing newline). Cells are Markdown already:
    pass untrusted text through `escape` first.

    align: "left" or "right" per column; default all left.

    >>> print(table(["model", "score"], [["a", "0.5"]], align=["left", "right"]))
    | model | score |
    |---|---:|
    | a | 0.5 |
    """
    align = align or ["left"] * len(headers)
    if len(align) != len(headers) or set(align) - set(ALIGN):
        raise ValueError(f"align: expected {len(headers)} of {', '.join(ALIGN)}, got {list(align)}")
    lines = [_row(headers), "|" + "|".join(ALIGN[a] for a in align) + "|"]
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"a row of {len(row)} cells in a table of {len(headers)} columns: "
                             f"{list(row)[:3]}...")
        lines.append(_row(row))
    return "\n".join(lines)
