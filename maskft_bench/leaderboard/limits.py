"""What an untrusted submission may contain: size caps and the rule for identifiers.

Submissions arrive by pull request from anyone, so every cap here bounds the work and memory
one file can cost the validator, and every identifier is a plain single-line name: it ends up
in file names, a markdown table and a web page.
"""

from __future__ import annotations

import unicodedata

SCHEMA_VERSION = 1

# The default suite's submission is about 0.5 MB compressed and 3.5 MB of JSON; the caps leave
# room for larger suites while bounding what one file can make the validator hold in memory.
MAX_COMPRESSED_BYTES = 8 * 1024 * 1024
MAX_JSON_BYTES = 64 * 1024 * 1024

MAX_IDENTIFIER_CHARS = 100
MAX_NOTES_CHARS = 2000
MAX_RECIPE_CHARS = 200

# Bounds on the suite options a submission may ask the validator to regenerate: the largest
# takes a few seconds (the generator makes 10,000 people in about 5 s).
SUITE_OPTION_MAX = {"seed": 2**31 - 1, "bio_people": 10_000, "namedesc": 1_000, "paraphrases": 50,
                    "math_train": 10_000, "math_val": 10_000, "math_test": 10_000}

IDENTIFIERS = ("id", "method", "base_model", "model_name")
SEPARATORS = ("/", "\\")


def _invisible(char: str) -> bool:
    """Control and format characters (newlines, escapes, bidi overrides, zero-width marks)."""
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def identifier_problem(name: str, value: str) -> str | None:
    """Why `value` cannot be an identifier (a method, model or file id), or None if it can."""
    if not value or value != value.strip():
        return f"{name} must be non-empty, without leading or trailing spaces"
    if len(value) > MAX_IDENTIFIER_CHARS:
        return f"{name} is {len(value)} characters long; at most {MAX_IDENTIFIER_CHARS}"
    if any(sep in value for sep in SEPARATORS) or value in (".", ".."):
        hint = " (for a hub id, give the name without its organisation)" if name == "base_model" \
            else ""
        return f"{name} {value!r} contains a path separator{hint}"
    if any(_invisible(c) for c in value):
        return f"{name} {value!r} contains a control or invisible character"
    return None


def text_problem(name: str, value: str, max_chars: int, *, multiline: bool) -> str | None:
    """Why free text (notes, recipe) is refused, or None: bounded, no control characters."""
    if len(value) > max_chars:
        return f"{name} is {len(value)} characters long; at most {max_chars}"
    allowed = "\n" if multiline else ""
    if any(_invisible(c) and c not in allowed for c in value):
        return f"{name} contains a control or invisible character"
    return None
