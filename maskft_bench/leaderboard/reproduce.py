"""`maskft-bench leaderboard reproduce`: score a submission's model again and compare answers.

The validator can only check that a submission is consistent with itself: a forged file whose
responses and numbers agree would pass. Reproduction ties the responses to a model: the
recorded model (directory or hub id, with the recorded backend, dtype, revision, batch size and
chat template) answers the regenerated suite again, greedily, and each new response is compared
with the submitted one, string for string. The result is a small JSON record in
`leaderboard/reproductions/<id>.json` (reproductions.record_path), which `leaderboard build`
reads; whether a record counts as a match is reproductions.py's rule.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jsonlines

from .. import __version__, metrics
from ..atomic import write_json
from ..markdown import table
from ..scoring import DLLM_BACKEND
from ..scoring.backends import BACKENDS
from .archive import SUFFIX, read_submission
from .errors import LeaderboardError
from .recompute import responses_sha256
from .reproductions import REPRODUCED_SHARE, record_path
from .suites import parse_options
from .validation import check_document
from .verdict import Rejected

RECORD_VERSION = 1
SHOWN_DIFFERENCES = 5  # differing answers kept in a record, to see what diverged
SHOWN_CHARS = 200
# Model arguments `score` sets itself from its own options; the rest are passed on as given,
# except remote code, which runs only when the person reproducing says so (the file is untrusted).
_SET_BY_SCORE = {"dtype", "revision", "tensor_parallel_size", "data_parallel_size",
                 "gpu_memory_utilization"}
REMOTE_CODE = "trust_remote_code"


@dataclass(frozen=True)
class Recorded:
    """How the submission was scored, as its summary.json and lm-eval's results say."""

    model: str
    local: bool
    content_sha256: str | None
    revision: str | None
    backend: str  # a `score --backend` choice
    dtype: str
    batch_size: str
    model_args: str  # KEY=VALUE,... beyond what score sets itself
    tensor_parallel: int
    data_parallel: int
    chat_template: bool


def _backend(summary: Mapping) -> str:
    """summary.json records lm-eval's backend name; `score` takes its own choice."""
    name = summary.get("backend")
    choice = "dllm" if name == DLLM_BACKEND else name
    if choice not in BACKENDS or choice == "auto":
        raise LeaderboardError(f"the submission was scored with backend {str(name)[:60]!r}, "
                               f"which cannot be run again; known: hf, vllm, {DLLM_BACKEND}")
    return choice


def recorded(document: Mapping, trust_remote_code: bool = False) -> Recorded:
    """The scoring settings of a submission; LeaderboardError when they cannot be run again."""
    summary, config = document["summary"], document["results"].get("config", {})
    model = summary.get("model") or {}
    if not isinstance(model.get("name_or_path"), str) or not model["name_or_path"]:
        raise LeaderboardError("the submission does not record which model was scored "
                               "(summary.json model.name_or_path); pass --model")
    args = dict(summary.get("model_args") or {})
    passed = {k: v for k, v in args.items() if k not in _SET_BY_SCORE | {REMOTE_CODE}}
    if trust_remote_code:
        passed[REMOTE_CODE] = True
    try:
        return Recorded(
            model=model["name_or_path"], local=bool(model.get("local")),
            content_sha256=model.get("content_sha256"), revision=model.get("revision"),
            backend=_backend(summary),
            dtype=str(summary.get("dtype") or args.get("dtype") or "auto"),
            batch_size=str(config.get("batch_size") or "32"),
            model_args=",".join(f"{k}={v}" for k, v in sorted(passed.items())),
            tensor_parallel=int(args.get("tensor_parallel_size", 1)),
            data_parallel=int(args.get("data_parallel_size", 1)),
            chat_template=bool(summary.get("chat_template", True)),
        )
    except (TypeError, ValueError) as err:
        raise LeaderboardError(f"the submission's scoring settings cannot be run again ({err})") \
            from err


def _check_reachable(model: str, revision: str | None) -> None:
    """A hub id must resolve (from the local cache, or the hub) before anything is generated;
    fetching its config.json runs none of its code."""
    from huggingface_hub import hf_hub_download

    try:
        hf_hub_download(model, "config.json", revision=revision)
    except Exception as err:  # noqa: BLE001 - offline, unknown id, gated: all the same to the user
        first = str(err).strip().splitlines()[0][:200] if str(err).strip() else type(err).__name__
        raise LeaderboardError(f"model {model!r} is neither a local directory nor reachable on the "
                               f"hub ({first}); pass --model with a directory that holds its "
                               "weights") from err


def _model(settings: Recorded, override: str | None) -> str:
    """The directory or hub id to score; one that is missing here fails before any work."""
    model = override or settings.model
    if Path(model).expanduser().exists():
        return model
    if (settings.local and override is None) or model.startswith(("/", ".", "~")):
        raise LeaderboardError(f"model directory {model} does not exist here; pass --model with "
                               "a directory (or hub id) that holds the submission's weights")
    _check_reachable(model, settings.revision)
    return model


def _responses(samples: Mapping[str, Sequence[Mapping]]) -> dict[str, dict[int, str]]:
    return {task: {s["doc_id"]: metrics.scored_text(s) for s in log} for task, log in samples.items()}


def _read_logs(score_dir: Path, files: Mapping[str, str]) -> dict[str, list[dict]]:
    logs = {}
    for task, rel in files.items():
        with jsonlines.open(score_dir / rel) as reader:
            logs[task] = list(reader)
    return logs


def _prefix_agreement(submitted: str, reproduced: str | None) -> float:
    """The share of the longer response that both share before their first difference: 1 for
    identical responses, near 0 for ones that differ from the start (another model), and in
    between for a near-tie that sent greedy decoding another way halfway through."""
    if reproduced is None:
        return 0.0
    longest = max(len(submitted), len(reproduced))
    return len(os.path.commonprefix([submitted, reproduced])) / longest if longest else 1.0


def compare(submitted: Mapping[str, Sequence[Mapping]],
            reproduced: Mapping[str, Sequence[Mapping]]) -> dict:
    """Share of identical responses, overall and per task, the mean prefix agreement, and the
    first few responses that differ. A question the reproduction did not answer differs."""
    before, after = _responses(submitted), _responses(reproduced)
    tasks, differences, agreements = {}, [], []
    for task in sorted(before):
        new = after.get(task, {})
        pairs = sorted(before[task].items())
        same = [doc_id for doc_id, text in pairs if new.get(doc_id) == text]
        agree = [_prefix_agreement(text, new.get(doc_id)) for doc_id, text in pairs]
        agreements += agree
        n = len(pairs)
        tasks[task] = {"identical": len(same), "compared": n, "share": len(same) / n if n else 0.0,
                       "prefix_agreement": sum(agree) / n if n else 0.0}
        for doc_id in sorted(set(before[task]) - set(same)):
            if len(differences) < SHOWN_DIFFERENCES:
                text, other = before[task][doc_id], new.get(doc_id) or ""
                differences.append({"task": task, "doc_id": doc_id,
                                    "first_difference": len(os.path.commonprefix([text, other])),
                                    "submitted": text[:SHOWN_CHARS],
                                    "reproduced": other[:SHOWN_CHARS]})
    identical = sum(t["identical"] for t in tasks.values())
    compared = sum(t["compared"] for t in tasks.values())
    return {"share": identical / compared if compared else 0.0, "identical": identical,
            "compared": compared,
            "prefix_agreement": sum(agreements) / len(agreements) if agreements else 0.0,
            "tasks": tasks, "differences": differences}


def _validated(path: Path) -> dict:
    try:
        document = read_submission(path)
        check_document(document, path.name)
    except Rejected as rejection:
        raise LeaderboardError(f"{path}: rejected by the leaderboard's rules ({rejection}); only "
                               "a valid submission can be reproduced") from rejection
    return document


def _rescore(document: Mapping, settings: Recorded, model: str, work: Path) -> dict:
    from ..scoring.run import ScoreOptions, score
    from ..suite.generate import generate_suite

    summary = document["summary"]
    try:
        options = parse_options(summary["suite_options"], summary["suite_version"])
    except Rejected as rejection:
        raise LeaderboardError(str(rejection)) from rejection
    suite = work / "suite"
    generate_suite(suite, options, quiet=True)
    return score(ScoreOptions(
        model=model, out=work / "score", backend=settings.backend, model_args=settings.model_args,
        tasks=tuple(sorted(document["samples"])), split="test", batch_size=settings.batch_size,
        dtype=settings.dtype, chat_template=settings.chat_template, suite=suite,
        revision=settings.revision, tensor_parallel=settings.tensor_parallel,
        data_parallel=settings.data_parallel))


def reproduce(path: Path, submissions_dir: Path, model: str | None = None,
              trust_remote_code: bool = False) -> tuple[dict, Path]:
    """Score the submission's model again, compare, write the record; return it and its path.

    model: a directory or hub id to score instead of the recorded one (the weights moved).
    trust_remote_code: run the model's own code (LLaDA, Dream), never taken from the file.
    """
    path = Path(path)
    if not path.name.endswith(SUFFIX):
        raise LeaderboardError(f"{path}: a submission is a file named <id>{SUFFIX}")
    document = _validated(path)
    settings = recorded(document, trust_remote_code)
    model_path = _model(settings, model)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="maskft-reproduce-") as tmp:
        new = _rescore(document, settings, model_path, Path(tmp))
        logs = _read_logs(Path(tmp) / "score", new["files"]["samples"])
    result = compare(document["samples"], logs)
    meta = document["metadata"]
    record = {
        "record_version": RECORD_VERSION, "id": meta["id"], "submission": path.name,
        "responses_sha256": responses_sha256(document["samples"]),
        **result, "threshold": REPRODUCED_SHARE, "reproduced": result["share"] >= REPRODUCED_SHARE,
        "model": {**new["model"], "recorded": settings.model,
                  "recorded_content_sha256": settings.content_sha256,
                  "same_weights": _same_weights(settings.content_sha256,
                                                new["model"]["content_sha256"])},
        "backend": new["backend"], "dtype": new["dtype"], "batch_size": settings.batch_size,
        "model_args": new["model_args"], "chat_template": settings.chat_template,
        "device": new["device"], "processor": _processor(), "libraries": new["libraries"],
        "recorded_libraries": document["summary"].get("libraries"),
        "date": datetime.now(UTC).date().isoformat(),
        "wall_seconds": round(time.perf_counter() - start, 1),
        "maskft_bench_version": __version__,
    }
    out = record_path(submissions_dir, meta["id"])
    write_json(out, record)
    return record, out


def _processor() -> str:
    """The CPU model: bf16 kernels differ between CPU families, and so can greedy answers."""
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
    except OSError:
        names = []
    return names[0] if names else platform.processor() or platform.machine()


def _same_weights(recorded_hash: str | None, new_hash: str | None) -> bool | None:
    """Whether the scored directory holds the recorded files; None where either is unknown
    (hub ids are identified by their revision instead)."""
    if recorded_hash is None or new_hash is None:
        return None
    return recorded_hash == new_hash


def format_record(record: Mapping) -> str:
    """The per-task shares, then the verdict, for the terminal."""
    rows = [[task, f"{t['identical']}/{t['compared']}", f"{t['share']:.3f}",
             f"{t['prefix_agreement']:.3f}"] for task, t in record["tasks"].items()]
    rows.append(["all", f"{record['identical']}/{record['compared']}", f"{record['share']:.3f}",
                 f"{record['prefix_agreement']:.3f}"])
    verdict = "reproduced" if record["reproduced"] else "not reproduced"
    return (table(["task", "identical", "share", "prefix agreement"], rows,
                  ["left", "right", "right", "right"])
            + f"\n\n{record['id']}: {verdict} ({record['share']:.3f} of the responses identical; "
            f"the mark needs {record['threshold']:.2f})")
