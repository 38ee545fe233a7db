"""Hostile submissions: tampered copies of one shipped submission, each made to break one
leaderboard rule the way an attacker (or a careless script) would.

tests/test_leaderboard_hostile.py checks that the validator rejects every one, by the rule
named here, with a one-line message. To try them on the CLI by hand:

    python tests/hostile_submissions.py OUT
    maskft-bench leaderboard validate OUT/hostile/*/* --submissions OUT/board

(two of them are meant for other boards: see `Hostile.board`)

The source is the cpu-long seed-0 masked entry: it reports retention, and the board holds its
base model's entry on the same suite (the retention baseline), on a small suite (12 people) so
that the whole set validates in seconds.
"""

from __future__ import annotations

import copy
import gzip
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from leaderboard_support import SUBMISSIONS, rescore, write

from maskft_bench.leaderboard import recompute
from maskft_bench.leaderboard.archive import SUFFIX, read_submission
from maskft_bench.leaderboard.limits import MAX_JSON_BYTES
from maskft_bench.leaderboard.suites import largest_counts
from maskft_bench.scoring.summary import RETENTION_TASK

SOURCE = SUBMISSIONS / f"smollm2-135m-instruct--masked--c8543d0677e1{SUFFIX}"
BASE = SUBMISSIONS / f"smollm2-135m-instruct--base--aeff86be95b8{SUFFIX}"
BIO = "maskft_bio_forward"
ONE_MB = 1024 * 1024


@dataclass(frozen=True)
class Hostile:
    """One kind of tampering: `make` writes the tampered file into a directory from a private
    copy of the source document; `rule` is the rule that must reject it."""

    name: str
    rule: str
    make: Callable[[dict, Path], Path]
    board: tuple[Path, ...] = (SOURCE, BASE)  # the leaderboard it is validated against


def _edit(change: Callable[[dict], object], *, consistent: bool = False,
          name: str | None = None) -> Callable[[dict, Path], Path]:
    """Apply `change`; with `consistent`, make every reported number agree with the changed
    responses again (the careful attacker). The id follows the content unless `name` is given."""
    def make(document: dict, out: Path) -> Path:
        change(document)
        if consistent:
            rescore(document)
        return write(document, out, name)
    return make


MARKER = 0.123456789


def _raw(literal: str) -> Callable[[dict, Path], Path]:
    """training_flops written as `literal`: numbers Python's json never writes."""
    def make(document: dict, out: Path) -> Path:
        document["metadata"]["training_flops"] = MARKER
        path = write(document, out)
        text = gzip.decompress(path.read_bytes()).decode()
        assert text.count(str(MARKER)) == 1
        path.write_bytes(gzip.compress(text.replace(str(MARKER), literal).encode()))
        return path
    return make


def _bytes(content: bytes) -> Callable[[dict, Path], Path]:
    def make(document: dict, out: Path) -> Path:
        path = out / f"{document['metadata']['id']}{SUFFIX}"
        path.write_bytes(content)
        return path
    return make


def _first(document: dict, task: str = BIO, right: bool | None = None) -> dict:
    """The first sample of `task`; with `right`, the first scored 1.0 (True) or 0.0 (False)."""
    log = sorted(document["samples"][task], key=lambda s: s["doc_id"])
    if right is None:
        return log[0]
    return next(s for s in log if (s["accuracy"] == 1.0) == right)


def _respond(sample: dict, text: str) -> None:
    sample["resps"], sample["filtered_resps"] = [[text]], [text]


def _one_character_changed(document: dict) -> None:
    sample = _first(document)
    text = sample["filtered_resps"][0]
    _respond(sample, text[:-1] + ("x" if text[-1:] != "x" else "y"))


def _extra_task(document: dict) -> None:
    task = "maskft_extra_task"
    document["samples"][task] = copy.deepcopy(document["samples"][BIO])
    for part in (document["summary"]["tasks"], document["results"]["results"],
                 document["results"]["n-samples"]):
        part[task] = copy.deepcopy(part[BIO])
    document["summary"]["task_hashes"][task] = document["summary"]["task_hashes"][BIO]


def _forged_baseline(document: dict) -> None:
    """Base answers that got right only what the fine-tuned model still gets right: retention
    1.0, with every number in the file consistent with that log."""
    questions = [s["doc"] for s in sorted(document["samples"][RETENTION_TASK],
                                          key=lambda s: s["doc_id"])]
    mine = recompute.score_items(questions, document["samples"][RETENTION_TASK])
    log = sorted(document["baseline_retention_samples"], key=lambda s: s["doc_id"])
    for sample, item in zip(log, mine, strict=True):
        if item["accuracy"] < 1.0:
            _respond(sample, "I do not know.")
    for sample, item in zip(log, recompute.score_items(questions, log), strict=True):
        sample.update(item)
    value = recompute.retention(mine, recompute.score_items(questions, log), questions)
    document["summary"]["retention"].update(value)
    assert value["value"] == 1.0


def _samples(count: int) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        document["samples"][BIO] = [copy.deepcopy(_first(document)) for _ in range(count)]
    return change


def _tiny_samples(document: dict) -> None:
    document["samples"][BIO] = [{"doc_id": 0}] * 1_000_000


def _bomb() -> bytes:
    """64 KiB of gzip that expands to 64 MiB of `{},`: 22 million empty objects."""
    body = b"{}," * ((MAX_JSON_BYTES - 2) // 3)
    return gzip.compress(b"[" + body + b"{}]", compresslevel=9)


def _set(path: str, value: object) -> Callable[[dict], None]:
    """Set the field at a slash-separated path ("summary/tasks/maskft_bio_forward/n")."""
    *parents, last = path.split("/")
    def change(document: dict) -> None:
        target = document
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value
    return change


def _delete(path: str) -> Callable[[dict], None]:
    *parents, last = path.split("/")
    def change(document: dict) -> None:
        target = document
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        del target[last]
    return change


def _all(*changes: Callable[[dict], None]) -> Callable[[dict], None]:
    def change(document: dict) -> None:
        for one in changes:
            one(document)
    return change


HOSTILE = (
    # numbers that are not the recomputed ones
    Hostile("changed task score", "metrics",
            _edit(lambda d: d["summary"]["tasks"][BIO].update(accuracy=0.99))),
    Hostile("changed headline", "metrics",
            _edit(lambda d: d["summary"]["scores"]["reverse"].update(value=0.99))),
    Hostile("changed lm-eval result", "metrics",
            _edit(lambda d: d["results"]["results"][BIO].update({"contains,none": 0.99}))),
    Hostile("changed per-sample accuracy", "metrics",
            _edit(lambda d: _first(d, right=False).update(accuracy=1.0))),
    Hostile("changed per-sample contains", "metrics",
            _edit(lambda d: _first(d, right=False).update(contains=1.0))),
    Hostile("changed target", "samples",
            _edit(lambda d: _first(d, right=False).update(
                target=_first(d, right=False)["filtered_resps"][0]))),
    Hostile("changed target hash", "samples",
            _edit(lambda d: _first(d).update(target_hash="0" * 64))),
    Hostile("changed reference answers", "samples",
            _edit(lambda d: _first(d)["doc"].update(answers=_first(d)["filtered_resps"]),
                  consistent=True)),
    Hostile("filtered response differs", "samples",
            _edit(lambda d: _first(d).update(filtered_resps=["August 4, 1962"]))),
    Hostile("forged retention number", "metrics",
            _edit(lambda d: d["summary"]["retention"].update(value=0.99))),
    Hostile("forged retention baseline", "retention-baseline", _edit(_forged_baseline),
            board=(BASE,)),  # the source is not on this board: the responses are its own
    Hostile("retention without the base entry", "retention-baseline",
            lambda d, out: write(d, out), board=()),
    # numbers JSON allows and the leaderboard does not
    Hostile("infinite number (1e999)", "format", _raw("1e999")),
    Hostile("NaN", "format", _raw("NaN")),
    Hostile("integer beyond 64 bits", "format", _raw("9" * 30)),
    # shapes
    Hostile("missing response", "schema", _edit(lambda d: _first(d).pop("resps"))),
    Hostile("missing metadata field", "schema", _edit(_delete("metadata/date"))),
    Hostile("wrong type", "schema", _edit(lambda d: _first(d).update(doc_id="0"),
                                          name=SOURCE.name)),
    Hostile("negative count", "schema", _edit(_set(f"summary/tasks/{BIO}/n", -1))),
    Hostile("wrong schema version", "schema", _edit(_set("schema_version", 2))),
    Hostile("oversized response", "schema",
            _edit(lambda d: _respond(_first(d), "word " * 200_000), consistent=True)),
    # identity
    Hostile("model id with an organisation", "identifiers",
            _edit(_set("metadata/base_model", "HuggingFaceTB/SmolLM2-135M-Instruct"))),
    Hostile("oversized notes", "identifiers", _edit(_set("metadata/notes", "x" * ONE_MB))),
    Hostile("id not derived from the content", "file-name",
            _edit(lambda d: None, name=f"my-best-model{SUFFIX}")),
    Hostile("renamed exact duplicate", "duplicate",
            _edit(_set("metadata/model_name", "my-own-model"))),
    Hostile("near-duplicate (one character of one response)", "duplicate",
            _edit(_all(_one_character_changed, _set("metadata/model_name", "my-own-model")),
                  consistent=True)),
    # the suite
    Hostile("wrong suite version", "suite", _edit(_set("summary/suite_version", "0.9.0"))),
    Hostile("suite beyond the bounds", "suite",
            _edit(_set("summary/suite_options/bio_people", 10_000))),
    Hostile("largest suite, few samples", "complete",
            _edit(_set("summary/suite_options/bio_people", 2_000))),
    Hostile("wrong task fingerprint", "task-hash",
            _edit(_set(f"summary/task_hashes/{BIO}", "0" * 64))),
    Hostile("extra task", "task-hash", _edit(_extra_task)),
    Hostile("scored with --limit", "complete", _edit(_set("summary/limit", 10))),
    Hostile("duplicate question ids", "complete", _edit(_set(f"samples/{BIO}/1/doc_id", 0))),
    Hostile("response to a question not in the suite", "complete",
            _edit(lambda d: _first(d).update(doc_id=100_000))),
    # cost
    Hostile("50 MB string quoted in a message", "metrics",
            _edit(lambda d: d["results"]["results"][BIO].update(
                {"accuracy_stderr,none": "x" * (50 * ONE_MB)}))),
    Hostile("more samples than any allowed suite", "structure",
            _edit(_samples(largest_counts()[BIO] + 1))),
    Hostile("a million tiny samples", "structure", _edit(_tiny_samples, name=SOURCE.name)),
    Hostile("gzip bomb", "structure", _bytes(_bomb())),
    Hostile("not gzip", "format", _bytes(b"PK\x03\x04 a zip file")),
    Hostile("truncated file", "format", lambda d, out: _bytes(SOURCE.read_bytes()[:50_000])(d, out)),
)


def board(out: Path, files: tuple[Path, ...] = (SOURCE, BASE)) -> Path:
    """A leaderboard directory holding `files`."""
    out.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy(path, out / path.name)
    return out


def make_all(out: Path, source: dict | None = None) -> dict[str, Path]:
    """Write every hostile file into its own directory under `out`; return them by name."""
    source = source if source is not None else read_submission(SOURCE)
    files = {}
    for i, hostile in enumerate(HOSTILE):
        directory = out / f"{i:02d}"
        directory.mkdir(parents=True)
        files[hostile.name] = hostile.make(copy.deepcopy(source), directory)
    return files


if __name__ == "__main__":
    root = Path(sys.argv[1])
    board(root / "board")
    for name, path in make_all(root / "hostile").items():
        print(f"{path}\t{name}")
