"""Reproduction records: where they live, what counts as a match, and the marks they give.

`maskft-bench leaderboard reproduce` (reproduce.py) writes one record per reproduced entry,
`leaderboard/reproductions/<id>.json` beside `leaderboard/submissions/`; `leaderboard build`
reads them here and marks the entries they match.

What "matches" means (REPRODUCED_SHARE): greedy decoding is deterministic for one machine and
library stack, but not across them. Another CPU or GPU, another torch, transformers or vLLM
version, another batch size or attention kernel sums floating-point numbers in another order;
where two candidate tokens are nearly tied (common in bf16, whose 8-bit mantissa rounds logits
coarsely) the other order can pick the other token, and the answer diverges from there. So a
faithful reproduction elsewhere can differ on a few answers, while another model (other
weights, a forged log) differs on most of them. An entry counts as reproduced when at least 95%
of its responses are identical: one differing answer in 20 leaves room for near-ties and none
for another model. Measured on the committed entries (2026-12-02, every pair of entries on one
suite, 28 pairs): two different models shared at most 40% of their responses (28 of 70:
`standard` and `standard@compute` of cpu-default seed 0, one method on one suite, both scored at
their step-16 checkpoint); a fine-tuned model and its base model at most 10%.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from ..atomic import read_json
from .errors import LeaderboardError
from .table import Entry

REPRODUCED_SHARE = 0.95
REPRODUCTIONS = "reproductions"


def reproductions_dir(submissions_dir: Path) -> Path:
    """Where the records of `submissions_dir`'s entries live: the one place that says so."""
    return Path(submissions_dir).parent / REPRODUCTIONS


def record_path(submissions_dir: Path, submission_id: str) -> Path:
    return reproductions_dir(submissions_dir) / f"{submission_id}.json"


def _checked(path: Path) -> dict:
    record = read_json(path)
    try:
        share = record["share"]
        if path.name != f"{record['id']}.json":
            raise ValueError(f"the file must be named after its id, {record['id']}.json")
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
            raise ValueError(f"share {share!r} is not a number in 0..1")
        if not isinstance(record["responses_sha256"], str):
            raise ValueError("responses_sha256 is not a string")
    except (KeyError, TypeError, ValueError) as err:
        raise LeaderboardError(f"{path}: not a reproduction record ({err})") from err
    return record


def load_records(submissions_dir: Path) -> dict[str, dict]:
    """The reproduction records beside `submissions_dir`, by submission id (none: empty)."""
    directory = reproductions_dir(submissions_dir)
    if not directory.is_dir():
        return {}
    return {record["id"]: record for record in map(_checked, sorted(directory.glob("*.json")))}


def mark(entries: Iterable[Entry], records: dict[str, dict]) -> list[Entry]:
    """The entries with their reproduction share; a record must belong to an entry shown, and
    to the responses that entry holds (the id carries the first 12 hex digits of their hash)."""
    marked = []
    for entry in entries:
        record = records.get(entry.id)
        if record is None:
            marked.append(entry)
            continue
        if not record["responses_sha256"].startswith(entry.id.rsplit("--", 1)[-1]):
            raise LeaderboardError(f"reproduction record {entry.id}.json was made for other "
                                   "responses than the submission's; reproduce it again")
        marked.append(replace(entry, reproduction=record["share"],
                              reproduced=record["share"] >= REPRODUCED_SHARE))
    orphans = sorted(set(records) - {e.id for e in marked})
    if orphans:
        raise LeaderboardError(f"reproduction record {orphans[0]}.json names no accepted "
                               "submission; delete it with its submission")
    return marked
