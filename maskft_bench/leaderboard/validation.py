"""The rules a submission must pass. The first rule that fails names the rejection.

In order: file-type, file-size, format (gzip, UTF-8 JSON, finite numbers), structure (value
and sample counts within what the largest allowed suite needs, counted before the parser and
the schema do any work), schema (schema.json), identifiers, file-name (derived from the
content), suite (a suite this project ships, within the regeneration bounds), complete (no
--limit, the four knowledge tasks present, every question scored once: counted from the suite
options before the suite is regenerated), task-hash, samples (the logged questions and targets
are the suite's), metrics (every reported number, per sample, per task, per dataset and the
headlines, equals its recomputation from the responses; older summaries have no per-dataset
block), duplicate (the same or nearly the same responses as another accepted file on the suite:
similarity.py), retention-baseline (retention is measured against the base model's own entry on
the same suite, never a number or a log the submission carries alone: baseline.py).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import metrics as M
from ..scoring import summary as S
from ..scoring.errors import ScoreError
from ..suite.emit import RETENTION_TASK, TEST_GROUP
from . import recompute, similarity
from .archive import SUFFIX, read_submission
from .baseline import link_retention, retention_answers
from .limits import (
    IDENTIFIERS,
    MAX_NOTES_CHARS,
    MAX_RECIPE_CHARS,
    identifier_problem,
    text_problem,
)
from .schema import check_schema
from .suites import (
    REQUIRED_TASKS,
    ShippedSuite,
    largest_counts,
    parse_options,
    question_counts,
    regenerate,
)
from .table import Entry
from .verdict import Rejected, Verdict

RULES = ("file-type", "file-size", "format", "structure", "schema", "identifiers", "file-name",
         "suite", "complete", "task-hash", "samples", "metrics", "duplicate",
         "retention-baseline")
TOLERANCE = 1e-9
_SLUG = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class Checked:
    """A submission that passed every per-file rule, with what the board-wide rules compare:
    its responses (duplicates) and its retention evidence (the retention baseline)."""

    entry: Entry  # retention not yet set: that needs the base entry (baseline.py)
    responses_sha256: str
    answers: similarity.Answers
    retention_items: dict[str, float] | None  # its own retention log, recomputed, by question id
    retention_answers: dict[int, str] | None  # its own retention answers, by question index
    claimed_baseline: dict[int, str] | None  # the base model's retention answers it carries


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


def _structure(document: dict) -> None:
    """Sample counts within the largest allowed suite's, before the schema walks every record."""
    caps = largest_counts()
    caps["baseline_retention_samples"] = caps[RETENTION_TASK]
    logs = document.get("samples")
    logs = {**(logs if isinstance(logs, dict) else {}),
            "baseline_retention_samples": document.get("baseline_retention_samples")}
    for task, log in logs.items():
        cap = caps.get(task, max(caps.values()))
        if isinstance(log, list) and len(log) > cap:
            raise Rejected("structure", f"{task} logs {len(log):,} samples; no suite within the "
                           f"leaderboard's bounds has more than {cap:,} questions there")


def _task_hashes(summary: Mapping, samples: Mapping, suite: ShippedSuite) -> None:
    for task in sorted(set(summary["tasks"]) | set(samples)):
        if task not in suite.questions:
            raise Rejected("task-hash", f"{task} is not a test task of suite {suite.label}")
        reported, shipped = summary["task_hashes"].get(task), suite.task_hashes[task]
        if reported != shipped:
            raise Rejected("task-hash", f"{task}: hash {reported} is not the shipped suite's {shipped}")


def _complete(summary: Mapping, results: Mapping, samples: Mapping, counts: Mapping) -> None:
    """Every question scored once, judged from the counts the suite options imply, so that a
    file that cannot be complete never costs a regeneration."""
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
        if task not in counts:
            continue  # not a task of the suite: the task-hash rule names it
        items = counts[task]
        found = {"summary.json n": summary["tasks"][task]["n"],
                 "lm-eval n-samples": results["n-samples"].get(task, {}).get("effective"),
                 "sample log lines": len(log)}
        for where, count in found.items():
            if count != items:
                raise Rejected("complete", f"{task}: {where} is {count}, the suite has {items} "
                               "questions")
        if sorted(s["doc_id"] for s in log) != list(range(items)):
            raise Rejected("complete", f"{task}: the sample log does not hold each question once")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _same_questions(where: str, log: Sequence[Mapping], questions: Sequence[Mapping]) -> None:
    """Each record logs the suite's question, the target lm-eval derives from it (the first
    answer: doc_to_target) and the response it scored unchanged (these tasks have no filter)."""
    if sorted(s["doc_id"] for s in log) != list(range(len(questions))):
        raise Rejected("samples", f"{where}: the log does not hold each question once")
    for sample in log:
        at = f"{where} question {sample['doc_id']}"
        question = questions[sample["doc_id"]]
        if sample["doc"] != question:
            raise Rejected("samples", f"{at}: the logged question is not the suite's")
        if sample["resps"][0][0] != sample["filtered_resps"][0]:
            raise Rejected("samples", f"{at}: resps and filtered_resps differ (these tasks have "
                           "no filter)")
        if "target" in sample and sample["target"] != question["answers"][0]:
            raise Rejected("samples", f"{at}: target {sample['target']!r} is not the suite's "
                           f"first answer {question['answers'][0]!r}")
        if "target_hash" in sample and sample["target_hash"] != _sha256(str(sample["target"])):
            raise Rejected("samples", f"{at}: target_hash is not the sha256 of the target")
        if sample.get("filter", "none") != "none":
            raise Rejected("samples", f"{at}: filter {sample['filter']!r}; these tasks have none")


def _number(value: object) -> float | None:
    """A reported number; lm-eval writes "N/A" or NaN where a stderr is undefined."""
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def _compare(where: str, reported: object, recomputed: float | int | None,
             rule: str = "metrics") -> None:
    value = _number(reported)
    same = (value is None and recomputed is None) or (
        value is not None and recomputed is not None and abs(value - recomputed) <= TOLERANCE)
    if not same:
        raise Rejected(rule, f"{where}: reported {reported!r}, recomputed from the sample "
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


def _scored(where: str, log: Sequence[Mapping], questions: Sequence[Mapping]) -> list[dict]:
    """Per-question metrics recomputed from the responses; each record's own metric fields
    (lm-eval writes accuracy, exact_match and contains into every record) must agree."""
    items = recompute.score_items(questions, log)
    for sample in log:
        for name in M.METRICS:
            if name in sample:
                _compare(f"{where} question {sample['doc_id']} {name}", sample[name],
                         items[sample["doc_id"]][name])
    return items


def _metrics(document: Mapping, suite: ShippedSuite) -> tuple[dict, dict, dict]:
    """Recompute every reported number; return the headlines, the per-dataset scores and each
    task's per-question metrics. A summary older than its "datasets" block is checked without
    it."""
    summary, results, samples = document["summary"], document["results"], document["samples"]
    items = {task: _scored(task, log, suite.questions[task]) for task, log in samples.items()}
    rows = {task: recompute.task_row(scored) for task, scored in items.items()}
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
    return headlines, datasets, items


def _claimed_retention(document: Mapping, suite: ShippedSuite,
                       items: Mapping[str, list]) -> dict[int, str] | None:
    """The base model's retention answers the submission carries, checked against its own
    summary; None when it carries none. Whose answers they are is the retention-baseline
    rule's question (baseline.py)."""
    reported = document["summary"]["retention"]
    baseline_log = document["baseline_retention_samples"]
    if reported is None and baseline_log is None:
        return None
    if RETENTION_TASK not in document["samples"] or baseline_log is None:
        raise Rejected("metrics", "retention is reported but the retention log or the baseline's "
                       "is missing")
    questions = suite.questions[RETENTION_TASK]
    _same_questions("baseline retention log", baseline_log, questions)
    baseline = _scored("baseline retention log", baseline_log, questions)
    if reported is not None:
        try:
            value = recompute.retention(items[RETENTION_TASK], baseline, questions)
        except ScoreError as err:
            raise Rejected("metrics", f"retention cannot be recomputed: {err}") from err
        for field in ("value", "kept", "base_correct", "compared"):
            _compare(f"summary.json retention.{field}", reported[field], value[field])
    return retention_answers(baseline_log)


def _check_document(document: dict, file_name: str) -> Checked:
    _structure(document)
    check_schema(document)
    meta, summary, samples = document["metadata"], document["summary"], document["samples"]
    _identifiers(meta)
    responses = recompute.responses_sha256(samples)
    _file_name(meta, file_name, responses)
    options = parse_options(summary["suite_options"], summary["suite_version"])
    _complete(summary, document["results"], samples, question_counts(options))
    suite = regenerate(options)
    _task_hashes(summary, samples, suite)
    for task, log in sorted(samples.items()):
        _same_questions(task, log, suite.questions[task])
    headlines, datasets, items = _metrics(document, suite)
    claimed = _claimed_retention(document, suite, items)
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
        reverse_chance=recompute.reverse_chance(suite.questions, samples, TEST_GROUP),
        math=headlines.get("math", {}).get("value"), aggregate=aggregate.get("value"),
        aggregate_stderr=aggregate.get("stderr"), retention=None,
        training_tokens=meta["training_tokens"], training_flops=meta["training_flops"],
        paraphrases=meta["paraphrases"], date=meta["date"], notes=meta["notes"],
        recipe=meta["recipe"], seed=meta["seed"],
    )
    retention_items = retention = None
    if RETENTION_TASK in items:
        retention_items = {q["id"]: i["accuracy"] for q, i in
                           zip(suite.questions[RETENTION_TASK], items[RETENTION_TASK], strict=True)}
        retention = retention_answers(samples[RETENTION_TASK])
    return Checked(entry, responses, similarity.answers(samples), retention_items, retention,
                   claimed)


def check_document(document: dict, file_name: str) -> Checked:
    """Every rule of one file (all but duplicate and retention-baseline, which need the board)."""
    try:
        return _check_document(document, file_name)
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as err:
        # Shapes schema.json does not pin down (lm-eval's rows, a question's fields) end here
        # rather than as a crash: an untrusted file must never stop the validator.
        raise Rejected("schema", f"unexpected structure ({type(err).__name__}: {err})") from err


def _duplicate(new: Checked, accepted: Mapping[str, Checked]) -> None:
    """Rejected("duplicate") if `new` has the id, the responses or nearly the responses of an
    accepted submission on its suite."""
    for name, old in accepted.items():
        if new.entry.id == old.entry.id:
            raise Rejected("duplicate", f"the same id as {name}", other=name)
        if new.responses_sha256 == old.responses_sha256:
            raise Rejected("duplicate", f"the same responses as {name}", other=name)
        if new.entry.suite != old.entry.suite:
            continue
        share = similarity.identical_share(new.answers, old.answers)
        if share >= similarity.NEAR_DUPLICATE_SHARE:
            raise Rejected("duplicate", f"a near-duplicate of {name}: {share:.1%} of the "
                           "questions both answered have identical responses (at least "
                           f"{similarity.NEAR_DUPLICATE_SHARE:.0%} is a duplicate)", other=name)


def _check_files(paths: Sequence[Path], accepted: dict[str, Checked]) -> dict[Path, Rejected]:
    """Check each file in order, adding those accepted to `accepted` (by file name); return
    the rejections."""
    rejected = {}
    for path in paths:
        try:
            checked = check_document(read_submission(path), path.name)
            _duplicate(checked, accepted)
        except Rejected as rejection:
            rejected[path] = rejection
            continue
        accepted[path.name] = checked
    return rejected


def validate_submissions(paths: list[Path], *, against: Sequence[Path] = ()) -> list[Verdict]:
    """Check each file in order. `against`: the files already on the leaderboard; those that
    pass are what the files are compared with (duplicates) and where base entries are found
    (retention); those that do not are ignored here (their own validation reports them)."""
    accepted: dict[str, Checked] = {}
    _check_files(against, accepted)
    rejected = _check_files(paths, accepted)
    verdicts = []
    for path in paths:
        try:
            if path in rejected:
                raise rejected[path]
            entry = link_retention(accepted[path.name], list(accepted.values()))
        except Rejected as rejection:
            verdicts.append(Verdict(path, False, rejection.rule, rejection.message))
            continue
        verdicts.append(Verdict(path, True, entry=entry))
    return verdicts


def check_against_board(checked: Checked, board: Sequence[Path]) -> Entry:
    """The board-wide rules (duplicate, retention-baseline) for one checked document that is
    not a file yet (`submit`), against the accepted files of `board`."""
    accepted: dict[str, Checked] = {}
    _check_files(board, accepted)
    _duplicate(checked, accepted)
    return link_retention(checked, list(accepted.values()))
