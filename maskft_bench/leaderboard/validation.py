"""The rules a submission must pass. The first rule that fails names the rejection.

In order: file-type, file-size, format (gzip, UTF-8 JSON), schema (schema.json), identifiers,
file-name (derived from the content), suite (a suite this project ships, regenerated from its
options), task-hash, complete (no --limit, the four knowledge tasks present, every question
scored once), samples (the logged questions are the suite's), metrics (recomputed from the
responses equal the reported ones; summary.json's per-dataset block too where it has one, older
summaries have none), duplicate (the same responses as another accepted file).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from ..scoring import summary as S
from ..scoring.errors import ScoreError
from ..suite.emit import RETENTION_TASK, TEST_GROUP
from . import recompute
from .archive import SUFFIX, read_submission
from .limits import (
    IDENTIFIERS,
    MAX_NOTES_CHARS,
    MAX_RECIPE_CHARS,
    identifier_problem,
    text_problem,
)
from .schema import check_schema
from .suites import REQUIRED_TASKS, ShippedSuite, parse_options, regenerate
from .table import Entry
from .verdict import Rejected, Verdict

RULES = ("file-type", "file-size", "format", "schema", "identifiers", "file-name", "suite",
         "task-hash", "complete", "samples", "metrics", "duplicate")
TOLERANCE = 1e-9
_SLUG = re.compile(r"[^a-z0-9._-]+")


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-.")[:48] or "x"


def submission_id(method: str, base_model: str, responses_sha256: str) -> str:
    """The file id: readable parts plus the responses hash, so it cannot be chosen freely."""
    return f"{_slug(base_model)}--{_slug(method)}--{responses_sha256[:12]}"


def _identifiers(meta: Mapping) -> None:
    problems = [identifier_problem(name, meta[name]) for name in IDENTIFIERS]
    problems.append(text_problem("notes", meta["notes"], MAX_NOTES_CHARS, multiline=True))
    if meta["recipe"] is not None:
        problems.append(text_problem("recipe", meta["recipe"], MAX_RECIPE_CHARS, multiline=False))
    problem = next((p for p in problems if p), None)
    if problem:
        raise Rejected("identifiers", problem)


def _file_name(meta: Mapping, file_name: str, responses_sha256: str) -> None:
    expected = submission_id(meta["method"], meta["base_model"], responses_sha256)
    if meta["id"] != expected:
        raise Rejected("file-name", f"id {meta['id']!r} is not the one derived from the content "
                       f"({expected!r}); create the file with `maskft-bench submit`")
    if file_name != expected + SUFFIX:
        raise Rejected("file-name", f"the file must be named {expected + SUFFIX}")


def _task_hashes(summary: Mapping, samples: Mapping, suite: ShippedSuite) -> None:
    for task in sorted(set(summary["tasks"]) | set(samples)):
        if task not in suite.questions:
            raise Rejected("task-hash", f"{task} is not a test task of suite {suite.label}")
        reported, shipped = summary["task_hashes"].get(task), suite.task_hashes[task]
        if reported != shipped:
            raise Rejected("task-hash", f"{task}: hash {reported} is not the shipped suite's {shipped}")


def _complete(summary: Mapping, results: Mapping, samples: Mapping, suite: ShippedSuite) -> None:
    limit = summary["limit"] if summary["limit"] is not None else results["config"]["limit"]
    if limit is not None:
        raise Rejected("complete", f"scored with --limit {limit}; the leaderboard needs every "
                       "question scored")
    if summary["split"] != "test":
        raise Rejected("complete", f"scored on the {summary['split']!r} split; submit test scores")
    missing = [t for t in REQUIRED_TASKS if t not in samples]
    if missing:
        raise Rejected("complete", f"task {missing[0]} was not scored")
    if set(samples) != set(summary["tasks"]):
        raise Rejected("complete", "the sample logs and summary.json list different tasks")
    for task, log in sorted(samples.items()):
        items = len(suite.questions[task])
        counts = {"summary.json n": summary["tasks"][task]["n"],
                  "lm-eval n-samples": results["n-samples"].get(task, {}).get("effective"),
                  "sample log lines": len(log)}
        for where, count in counts.items():
            if count != items:
                raise Rejected("complete", f"{task}: {where} is {count}, the suite has {items} "
                               "questions")
        if sorted(s["doc_id"] for s in log) != list(range(items)):
            raise Rejected("complete", f"{task}: the sample log does not hold each question once")


def _same_questions(where: str, log: Sequence[Mapping], questions: Sequence[Mapping]) -> None:
    if sorted(s["doc_id"] for s in log) != list(range(len(questions))):
        raise Rejected("samples", f"{where}: the log does not hold each question once")
    for sample in log:
        if sample["doc"] != questions[sample["doc_id"]]:
            raise Rejected("samples", f"{where} question {sample['doc_id']}: the logged question "
                           "is not the suite's")
        if sample["resps"][0][0] != sample["filtered_resps"][0]:
            raise Rejected("samples", f"{where} question {sample['doc_id']}: resps and "
                           "filtered_resps differ (these tasks have no filter)")


def _number(value: object) -> float | None:
    """A reported number; lm-eval writes "N/A" or NaN where a stderr is undefined."""
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def _compare(where: str, reported: object, recomputed: float | int | None) -> None:
    value = _number(reported)
    same = (value is None and recomputed is None) or (
        value is not None and recomputed is not None and abs(value - recomputed) <= TOLERANCE)
    if not same:
        raise Rejected("metrics", f"{where}: reported {reported!r}, recomputed from the sample "
                       f"logs {recomputed!r}")


def _same_names(where: str, reported: Mapping, recomputed: Mapping) -> None:
    if set(reported) != set(recomputed):
        raise Rejected("metrics", f"summary.json {where} are {sorted(reported)}, expected "
                       f"{sorted(recomputed)}")


def _compare_cells(where: str, reported: Mapping, recomputed: Mapping) -> None:
    """Two {name: {"value", "stderr"}} blocks hold the same names and numbers."""
    _same_names(where, reported, recomputed)
    for name, cell in recomputed.items():
        for field in ("value", "stderr"):
            _compare(f"summary.json {where}.{name}.{field}", reported[name][field], cell[field])


def _metrics(document: Mapping, suite: ShippedSuite) -> tuple[dict, dict, dict | None]:
    """Recompute every reported number; return the headlines, the per-dataset scores and the
    retention figure. A summary older than its "datasets" block is checked without it."""
    summary, results, samples = document["summary"], document["results"], document["samples"]
    rows = {task: recompute.task_row(recompute.score_items(suite.questions[task], log))
            for task, log in samples.items()}
    for task, row in sorted(rows.items()):
        reported = results["results"].get(task, {})
        for field, value in row.items():
            _compare(f"summary.json tasks.{task}.{field}", summary["tasks"][task][field], value)
            if field != "n":
                _compare(f"lm-eval results {task} {field}", reported.get(f"{field},none"), value)
    headlines, datasets = S.headlines(rows, TEST_GROUP), S.per_dataset(rows, TEST_GROUP)
    _compare_cells("scores", summary["scores"], headlines)
    if "datasets" in summary:
        _same_names("datasets", summary["datasets"], datasets)
        for dataset, cells in datasets.items():
            _compare_cells(f"datasets.{dataset}", summary["datasets"][dataset], cells)
    if TEST_GROUP in results["results"] and "aggregate" in headlines:
        _compare(f"lm-eval results {TEST_GROUP} accuracy",
                 results["results"][TEST_GROUP].get("accuracy,none"), headlines["aggregate"]["value"])
    return headlines, datasets, _retention(document, suite)


def _retention(document: Mapping, suite: ShippedSuite) -> dict | None:
    reported = document["summary"]["retention"]
    baseline_log = document["baseline_retention_samples"]
    if reported is None:
        return None
    if RETENTION_TASK not in document["samples"] or baseline_log is None:
        raise Rejected("metrics", "retention is reported but the retention log or the baseline's "
                       "is missing")
    questions = suite.questions[RETENTION_TASK]
    _same_questions("baseline retention log", baseline_log, questions)
    try:
        value = recompute.retention(
            recompute.score_items(questions, document["samples"][RETENTION_TASK]),
            recompute.score_items(questions, baseline_log), questions)
    except ScoreError as err:
        raise Rejected("metrics", f"retention cannot be recomputed: {err}") from err
    for field in ("value", "kept", "base_correct", "compared"):
        _compare(f"summary.json retention.{field}", reported[field], value[field])
    return value


def _check_document(document: dict, file_name: str) -> tuple[Entry, str]:
    check_schema(document)
    meta, summary, samples = document["metadata"], document["summary"], document["samples"]
    _identifiers(meta)
    responses = recompute.responses_sha256(samples)
    _file_name(meta, file_name, responses)
    suite = regenerate(parse_options(summary["suite_options"], summary["suite_version"]))
    _task_hashes(summary, samples, suite)
    _complete(summary, document["results"], samples, suite)
    for task, log in sorted(samples.items()):
        _same_questions(task, log, suite.questions[task])
    headlines, datasets, retention = _metrics(document, suite)
    forward, reverse = headlines["forward"]["value"], headlines["reverse"]["value"]
    aggregate = headlines.get("aggregate", {})
    entry = Entry(
        id=meta["id"], suite=suite.label, suite_command=suite.options.command(),
        model_name=meta["model_name"], method=meta["method"], base_model=meta["base_model"],
        family=S.model_family(summary),
        forward=forward, reverse=reverse, knowledge=(forward + reverse) / 2,
        bio_forward=datasets["bio"]["forward"]["value"],
        bio_reverse=datasets["bio"]["reverse"]["value"],
        namedesc_forward=datasets["namedesc"]["forward"]["value"],
        namedesc_reverse=datasets["namedesc"]["reverse"]["value"],
        math=headlines.get("math", {}).get("value"), aggregate=aggregate.get("value"),
        aggregate_stderr=aggregate.get("stderr"),
        retention=retention["value"] if retention else None,
        training_tokens=meta["training_tokens"], training_flops=meta["training_flops"],
        paraphrases=meta["paraphrases"], date=meta["date"], notes=meta["notes"],
        recipe=meta["recipe"], seed=meta["seed"],
    )
    return entry, responses


def check_document(document: dict, file_name: str) -> tuple[Entry, str]:
    """Every rule but duplicate; returns the entry and the responses hash (for duplicates)."""
    try:
        return _check_document(document, file_name)
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as err:
        # Shapes schema.json does not pin down (lm-eval's rows, a question's fields) end here
        # rather than as a crash: an untrusted file must never stop the validator.
        raise Rejected("schema", f"unexpected structure ({type(err).__name__}: {str(err)[:200]})") \
            from err


def known_submissions(paths: Iterable[Path]) -> dict[str, str]:
    """File names by id and by responses hash, of files already on the leaderboard.

    They are read, not re-validated: their own validation reports what is wrong with them.
    """
    known = {}
    for path in paths:
        try:
            document = read_submission(path)
            known[recompute.responses_sha256(document["samples"])] = path.name
            known[document["metadata"]["id"]] = path.name
        except (Rejected, KeyError, TypeError, IndexError, AttributeError):
            continue
    return known


def validate_submissions(paths: list[Path], *, against: Sequence[Path] = ()) -> list[Verdict]:
    """Check each file in order; a later file with the same responses or id as an earlier
    accepted one (or as one of `against`, the files already on the leaderboard) is a duplicate."""
    seen = known_submissions(against)
    verdicts = []
    for path in paths:
        try:
            entry, responses = check_document(read_submission(path), path.name)
            for key in (responses, entry.id):
                if key in seen:
                    raise Rejected("duplicate", f"the same {'responses' if key == responses else 'id'}"
                                   f" as {seen[key]}")
        except Rejected as rejection:
            verdicts.append(Verdict(path, False, rejection.rule, rejection.message))
            continue
        seen[responses] = seen[entry.id] = path.name
        verdicts.append(Verdict(path, True, entry=entry))
    return verdicts
