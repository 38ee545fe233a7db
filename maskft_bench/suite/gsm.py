"""GSM-style word problems for the SFT vs masked-SFT comparison.

Offline and seeded: problems come from reasoning-gym's `gsm_symbolic` templates (GSM8K
problems with the numbers re-drawn), so train and test share templates but never a
problem text. Users who have real GSM8K pass its JSONL files instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import jsonlines

from . import templates as T
from .errors import SuiteError
from .records import QA
from .seeding import stream

_RG_SUFFIX = " Give the result as your final answer. Do not include units."
_FINAL = re.compile(r"####\s*(-?[\d,]*\.?\d+)\s*$")


def _record(split: str, i: int, question: str, solution: str) -> QA:
    match = _FINAL.search(solution.strip())
    if not match:
        raise SuiteError(f"math solution does not end with '#### <number>': {solution[-60:]!r}")
    return QA(
        id=f"math-{split}-{i:05d}",
        subject=f"math-{split}-{i:05d}",
        direction="forward",
        question=question,
        prompt=T.math_prompt(question),
        answers=[match.group(1).replace(",", ""), solution.strip()],
        scoring="math",
    )


def _symbolic_problems(seed: int, n: int) -> list[tuple[str, str]]:
    import reasoning_gym

    rg_seed = stream(seed, "math").randrange(2**31)
    problems: dict[str, str] = {}
    size = n
    while len(problems) < n:
        for item in reasoning_gym.create_dataset("gsm_symbolic", size=size, seed=rg_seed):
            question = item["question"].removesuffix(_RG_SUFFIX)
            problems.setdefault(question, item["metadata"]["answer_cot"])
            if len(problems) == n:
                break
        size *= 2  # repeated problems: draw further items of the same seeded stream
        if size > 64 * n + 1000:
            raise SuiteError(f"gsm_symbolic cannot produce {n} distinct problems")
    return list(problems.items())


def _read_gsm8k(path: Path, name: str) -> list[tuple[str, str]]:
    file = path / f"{name}.jsonl"
    if not file.is_file():
        raise SuiteError(f"--gsm8k {path}: missing {name}.jsonl (GSM8K's question/answer JSONL)")
    with jsonlines.open(file) as reader:
        return [(row["question"], row["answer"]) for row in reader]


def generate(
    seed: int, n_train: int, n_val: int, n_test: int, gsm8k: Path | None = None
) -> dict[str, list[QA]]:
    """Splits train/val/test; with GSM8K, val is the tail of its train split."""
    for flag, n in (("--math-train", n_train), ("--math-val", n_val), ("--math-test", n_test)):
        if n < 1:
            raise SuiteError(f"{flag} must be at least 1, got {n}")
    if gsm8k is None:
        problems = _symbolic_problems(seed, n_test + n_val + n_train)
        splits = {
            "test": problems[:n_test],
            "val": problems[n_test:n_test + n_val],
            "train": problems[n_test + n_val:],
        }
    else:
        train, test = _read_gsm8k(gsm8k, "train"), _read_gsm8k(gsm8k, "test")
        if len(train) < n_train + n_val or len(test) < n_test:
            raise SuiteError(
                f"--gsm8k {gsm8k}: has {len(train)} train / {len(test)} test problems, fewer than "
                f"the {n_train}+{n_val} / {n_test} asked for"
            )
        splits = {"test": test[:n_test], "val": train[-n_val:], "train": train[:n_train]}
    return {
        split: [_record(split, i, q, a) for i, (q, a) in enumerate(items)]
        for split, items in splits.items()
    }
