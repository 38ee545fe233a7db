"""`maskft-bench submit`: pack a score directory into one leaderboard submission file.

The file holds the metadata, the score summary, lm-eval's results JSON and every per-sample
log (plus the base model's retention log when retention was measured, so that it can be
recomputed). It is checked with the validator's own rules before it is written, so a file
`submit` writes is one `leaderboard validate` accepts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jsonlines

from ..atomic import write_bytes
from ..settings import check_fields, setting
from ..suite.emit import RETENTION_TASK
from ..tasks_registry import tasks_dir
from .archive import SUFFIX, encode
from .errors import LeaderboardError
from .limits import (
    MAX_NOTES_CHARS,
    MAX_RECIPE_CHARS,
    SCHEMA_VERSION,
    identifier_problem,
    text_problem,
)
from .recompute import responses_sha256
from .suites import options_from_manifest
from .validation import check_against_board, check_document, submission_id
from .verdict import Rejected


@dataclass(frozen=True)
class SubmissionMeta:
    """Who trained what, as shown on the leaderboard."""

    method: str = setting(help="training method (see `maskft-bench train --help`), or base "
                          "(the model before fine-tuning)")
    base_model: str = setting(help="the model fine-tuning started from, without an "
                              "organisation prefix")
    training_tokens: int | None = setting(None, at_least=0, help="tokens trained on (maskft-train.json's "
                                          "tokens_seen)")
    training_flops: float | None = setting(None, at_least=0, help="estimated training FLOPs "
                                           "(maskft-train.json)")
    paraphrases: int | None = setting(None, at_least=0, help="paraphrases per document in the "
                                      "training corpus")
    notes: str = setting("", help="free text shown on the leaderboard, as text")
    model_name: str | None = setting(None, help="display name; none: the last part of the "
                                     "scored model's path")
    recipe: str | None = setting(None, help="the training recipe, e.g. cpu-demo "
                                 "(maskft_bench/recipes/cpu-demo.yaml)")
    seed: int | None = setting(None, help="the training seed")
    suite_dir: Path | None = setting(None, help="the suite the model was scored on, for score "
                                     "directories whose summary.json predates suite_options; "
                                     "none: the shipped suite")

    def __post_init__(self) -> None:
        """The validator's rules for what a person typed, applied before any file is read."""
        check_fields(self)
        names = {"method": self.method, "base_model": self.base_model,
                 "model_name": self.model_name}
        problems = [identifier_problem(name, value) for name, value in names.items()
                    if value is not None]
        problems.append(text_problem("notes", self.notes, MAX_NOTES_CHARS, multiline=True))
        if self.recipe is not None:
            problems.append(text_problem("recipe", self.recipe, MAX_RECIPE_CHARS, multiline=False))
        problem = next((p for p in problems if p), None)
        if problem:
            raise LeaderboardError(problem)


def _undefined(_: str) -> None:
    """lm-eval writes NaN where a statistic is undefined; a submission holds null there
    (strict JSON, which the validator requires)."""
    return None


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(), parse_constant=_undefined)
    except (OSError, ValueError) as err:
        raise LeaderboardError(f"{path}: not readable JSON ({err})") from err


def _read_log(path: Path) -> list[dict]:
    try:
        with jsonlines.open(path, loads=lambda line: json.loads(line, parse_constant=_undefined)) \
                as reader:
            return list(reader)
    except (OSError, ValueError) as err:
        raise LeaderboardError(f"{path}: not a readable sample log ({err})") from err


def _score_files(results_dir: Path) -> tuple[dict, dict, dict]:
    summary = _read_json(results_dir / "summary.json")
    try:
        files = summary["files"]
        results = _read_json(results_dir / files["results"])
        samples = {task: _read_log(results_dir / rel) for task, rel in files["samples"].items()}
    except (KeyError, TypeError) as err:
        raise LeaderboardError(f"--results {results_dir}: summary.json lists no result files; "
                               "pass an output directory of `maskft-bench score`") from err
    return summary, results, samples


def _baseline_log(summary: dict, baseline_dir: Path | None) -> list[dict] | None:
    if not summary.get("retention"):
        return None
    directory = baseline_dir or Path(summary["retention"]["baseline"])
    rel = _read_json(directory / "summary.json").get("files", {}).get("samples", {}).get(
        RETENTION_TASK)
    if not rel:
        raise LeaderboardError(f"baseline {directory}: no {RETENTION_TASK} log; pass the base "
                               "model's score directory as --baseline")
    return _read_log(directory / rel)


def _date(results: dict) -> str:
    """The day (UTC) lm-eval finished scoring; today if the results do not say."""
    stamp = results.get("date")
    moment = datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int | float) else \
        datetime.now(UTC)
    return moment.date().isoformat()


def create_submission(results_dir: Path, out_dir: Path, meta: SubmissionMeta, *,
                      baseline_dir: Path | None = None) -> Path:
    """Write `<out_dir>/<id>.json.gz` from a `maskft-bench score` directory; return its path.

    baseline_dir: the base model's score directory, when retention was measured and the
    path summary.json recorded no longer holds it.
    """
    if Path(out_dir).exists() and not Path(out_dir).is_dir():
        raise LeaderboardError(f"--out {out_dir}: a file; expected the directory of submissions")
    summary, results, samples = _score_files(Path(results_dir))
    if "suite_options" not in summary:
        summary["suite_options"] = options_from_manifest(meta.suite_dir or tasks_dir(),
                                                         summary.get("task_hashes", {}))
    model_path = str(summary.get("model", {}).get("name_or_path", "")).rstrip("/\\")
    metadata = {
        "method": meta.method, "base_model": meta.base_model,
        "model_name": meta.model_name or Path(model_path).name,
        "training_tokens": meta.training_tokens, "training_flops": meta.training_flops,
        "paraphrases": meta.paraphrases, "notes": meta.notes, "recipe": meta.recipe,
        "seed": meta.seed, "date": _date(results),
    }
    metadata["id"] = submission_id(meta.method, meta.base_model, responses_sha256(samples))
    document = {"schema_version": SCHEMA_VERSION, "metadata": metadata, "summary": summary,
                "results": results, "samples": samples,
                "baseline_retention_samples": _baseline_log(summary, baseline_dir)}
    name = metadata["id"] + SUFFIX
    try:
        check_against_board(check_document(document, name),
                            sorted(Path(out_dir).glob(f"*{SUFFIX}")))
    except Rejected as rejection:
        raise LeaderboardError(f"the leaderboard would reject this submission: {rejection}") \
            from rejection
    path = Path(out_dir) / name
    write_bytes(path, encode(document))
    return path
