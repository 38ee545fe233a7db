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

# Bounds on the suite options a submission may ask the validator to regenerate. The largest
# suite within them took 4.1 s of CPU and a 171 MiB peak (the whole process) to regenerate on
# the project's 2-core CPU (2026-12-02; about what the default suite costs), and it holds a
# complete submission within MAX_JSON_BYTES: 2,000 people make 18,000 biography questions,
# about 40 MB of lm-eval sample records (about 2.2 KB each). The earlier bounds (10,000 people,
# 50 paraphrases, 10,000 math problems per split) cost 20 s and 1 GB, for suites no submission
# could hold. tests/test_leaderboard_hostile.py holds the bound (slow test).
# namedesc's bound is the generator's own (200 distinct titles per direction).
SUITE_OPTION_MAX = {"seed": 2**31 - 1, "bio_people": 2_000, "namedesc": 200, "paraphrases": 10,
                    "math_train": 2_000, "math_val": 500, "math_test": 1_000}

# JSON values (objects, arrays, and the commas between items) counted in the raw text before
# it is parsed, so that a small file of tiny values (64 MiB of `{},`, 1M empty samples) cannot
# make the parser build millions of objects. A submission of the largest allowed suite holds
# about 1.0M (48 per sample record); the default suite's 76,000.
MAX_JSON_VALUES = 2_000_000
# JSON numbers are finite (1e999 parses to infinity) and within 64-bit integer range.
MAX_JSON_INTEGER = 2**63

# Rejection messages quote untrusted text: at most this many characters of it.
MAX_MESSAGE_CHARS = 300

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
