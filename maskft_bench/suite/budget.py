"""What a suite will cost, known from its options before any work: bytes on disk, peak memory.

`generate` refuses up front, in one line that carries the estimate, a request that is over an
option's limit (LIMITS), needs more bytes than the target's file system has free, or more
memory than the machine has available. The estimates are linear in the options, with
per-record sizes measured on generated suites (`python benchmarks/generate_budget.py` prints
the measured figures beside these estimates; rerun it and update the constants when the
templates change):

    bytes  = FIXED_BYTES + people * (PERSON_BYTES + 2 * paraphrases * BIO_REWRITE_BYTES)
             + 2 * namedesc * (FACT_BYTES + 2 * paraphrases * FACT_REWRITE_BYTES)
             + (math_train + math_val + math_test) * MATH_BYTES
    memory = BASE_MEMORY + people * PERSON_MEMORY + math problems * MATH_MEMORY

Memory does not grow with paraphrases: records are written one at a time as they are drawn,
and only the people (needed to make every reversed question unique) stay in memory.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SuiteError
from .namedesc import MAX_PER_KIND

if TYPE_CHECKING:  # generate.py imports this module
    from .generate import SuiteOptions

# The largest value each option may take, and the smallest. bio_people: ten times the 100,000
# people documented to take under a minute; paraphrases: twenty times the leaderboard's 50;
# math: a hundred times the default training set per split. Within them the suite's size is
# bounded by the disk and memory checks below.
LIMITS: dict[str, tuple[int, int]] = {
    "bio_people": (1, 1_000_000),
    "namedesc": (1, MAX_PER_KIND),
    "paraphrases": (0, 1_000),
    "math_train": (1, 100_000),
    "math_val": (1, 100_000),
    "math_test": (1, 100_000),
}

# Bytes per record, measured on seed-0 suites of 2,000 and 20,000 people (5 paraphrases) and on
# the shipped one, rounded up a little: the estimate errs towards refusing.
PERSON_BYTES = 5_800  # people.jsonl 263 + documents.jsonl 312 + 12 questions 5,176
BIO_REWRITE_BYTES = 335  # per line of bio/paraphrases.jsonl (2 per paraphrase: both kinds)
FACT_BYTES = 2_500  # facts.jsonl + documents.jsonl + its questions, per fact
FACT_REWRITE_BYTES = 175
MATH_BYTES = 970
FIXED_BYTES = 70_000  # retention 52 KB, task YAMLs, README, manifest

# Peak resident memory (ru_maxrss of a fresh process generating the suite): 118 MiB at 2,000
# people, 128 MiB at 20,000, each with the default 1,350 math problems.
BASE_MEMORY = 120 * 2**20  # interpreter, reasoning-gym and the pools
PERSON_MEMORY = 600
MATH_MEMORY = 1_700  # the problems are deduplicated in memory before they are written


@dataclass(frozen=True)
class Estimate:
    bytes: int
    memory: int

    def __str__(self) -> str:
        return f"about {_size(self.bytes)} on disk and {_size(self.memory)} of memory"


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def estimate(options: SuiteOptions) -> Estimate:
    """The suite's size on disk and the generator's peak memory (see the module docstring)."""
    people, k, facts = options.bio_people, options.paraphrases, 2 * options.namedesc
    problems = options.math_train + options.math_val + options.math_test
    size = (FIXED_BYTES + people * (PERSON_BYTES + 2 * k * BIO_REWRITE_BYTES)
            + facts * (FACT_BYTES + 2 * k * FACT_REWRITE_BYTES) + problems * MATH_BYTES)
    return Estimate(bytes=size,
                    memory=BASE_MEMORY + people * PERSON_MEMORY + problems * MATH_MEMORY)


def limit_problem(options: SuiteOptions) -> str | None:
    """The first option outside LIMITS, with what the options would cost; None when all fit."""
    for name, (low, high) in LIMITS.items():
        value = getattr(options, name)
        if not low <= value <= high:
            return (f"--{name.replace('_', '-')} must be between {low} and {high:,}, got "
                    f"{value:,} (these options would take {estimate(options)})")
    return None


def refusal(options: SuiteOptions, out: Path, free_disk: int,
            free_memory: int | None) -> str | None:
    """Why these options cannot be generated into `out` with this much free disk there and
    this much available memory (None: unknown), or None when they can."""
    problem = limit_problem(options)
    if problem:
        return problem
    cost = estimate(options)
    if cost.bytes > free_disk:
        return f"--out {out}: the suite needs {cost}, more than the {_size(free_disk)} free there"
    if free_memory is not None and cost.memory > free_memory:
        return (f"--out {out}: the suite needs {cost}, more than the {_size(free_memory)} of "
                "memory available")
    return None


def available_memory() -> int | None:
    """MemAvailable from /proc/meminfo (Linux), else free physical pages, else None."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def check_budget(out: Path, options: SuiteOptions) -> None:
    """Refuse, before any work, options over their limits or over what `out`'s file system and
    this machine's memory can hold; the message carries the estimate."""
    existing = next((p for p in [out, *out.parents] if p.exists()), Path("."))
    try:
        free_disk = shutil.disk_usage(existing).free
    except OSError as err:
        raise SuiteError(f"--out {out}: cannot read the free space of {existing} "
                         f"({err.strerror or err})") from err
    problem = refusal(options, out, free_disk, available_memory())
    if problem:
        raise SuiteError(problem)
