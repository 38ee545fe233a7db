"""Leaderboard test submissions, made cheaply from the committed seed entry (no model runs)."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

from maskft_bench.leaderboard import recompute
from maskft_bench.leaderboard.archive import SUFFIX
from maskft_bench.leaderboard.validation import submission_id
from maskft_bench.scoring import summary as S

REPO = Path(__file__).resolve().parents[1]
SUBMISSIONS = REPO / "leaderboard" / "submissions"
SEED = next(SUBMISSIONS.glob(f"*--base--*{SUFFIX}"))


def write(document: dict, directory: Path, name: str | None = None) -> Path:
    """Write a submission the way `submit` would (faster gzip); the id follows the content
    unless an explicit file name is given."""
    if name is None:
        meta = document["metadata"]
        meta["id"] = submission_id(meta["method"], meta["base_model"],
                                   recompute.responses_sha256(document["samples"]))
        name = meta["id"] + SUFFIX
    path = directory / name
    path.write_bytes(gzip.compress(json.dumps(document).encode(), compresslevel=1))
    return path


def _log(document: dict, task: str) -> list[dict]:
    return sorted(document["samples"][task], key=lambda s: s["doc_id"])


def rescore(document: dict) -> None:
    """Make every reported number agree with the document's responses again, written as
    today's scorer writes them (with the per-dataset block older summaries lack)."""
    summary, results = document["summary"], document["results"]["results"]
    rows = {}
    for task in document["samples"]:
        log = _log(document, task)
        items = recompute.score_items([s["doc"] for s in log], log)
        for sample, item in zip(log, items, strict=True):  # lm-eval's per-record fields
            sample.update(item, target=sample["doc"]["answers"][0])
        rows[task] = recompute.task_row(items)
        summary["tasks"][task] = rows[task]
        results[task].update({f"{k},none": v for k, v in rows[task].items() if k != "n"})
    summary["scores"] = S.headlines(rows, "maskft")
    summary["datasets"] = S.per_dataset(rows, "maskft")
    if "aggregate" in summary["scores"]:
        results["maskft"]["accuracy,none"] = summary["scores"]["aggregate"]["value"]
    else:  # lm-eval reports the group only when all its tasks ran
        results.pop("maskft", None)


def drop_task(document: dict, task: str) -> None:
    """As if `task` had not been scored (the CPU pipeline leaves out maskft_gsm)."""
    summary, results = document["summary"], document["results"]
    for part in (document["samples"], summary["tasks"], summary["task_hashes"], results["results"],
                 results["n-samples"]):
        del part[task]
    rescore(document)


def answer_correctly(document: dict, task: str, count: int, **metadata: object) -> dict:
    """A copy whose first `count` answers of `task` are the reference, scores updated."""
    doc = copy.deepcopy(document)
    for sample in _log(doc, task)[:count]:
        gold = sample["doc"]["answers"][0]
        sample["resps"], sample["filtered_resps"] = [[gold]], [gold]
    rescore(doc)
    doc["metadata"].update(metadata)
    return doc


def reworded(document: dict, task: str, text: str) -> dict:
    """A copy whose wrong answers of `task` all read `text`: another model's wording, so that
    entries built from one seed are not near-duplicates of each other."""
    doc = copy.deepcopy(document)
    for sample in _log(doc, task):
        if sample["filtered_resps"][0] != sample["doc"]["answers"][0]:
            sample["resps"], sample["filtered_resps"] = [[text]], [text]
    rescore(doc)
    return doc


def with_retention(document: dict, baseline: dict) -> dict:
    """A copy that reports retention against `baseline`'s retention answers, as `score
    --baseline` would."""
    doc = copy.deepcopy(document)
    questions = [s["doc"] for s in _log(baseline, S.RETENTION_TASK)]
    value = recompute.retention(
        recompute.score_items(questions, doc["samples"][S.RETENTION_TASK]),
        recompute.score_items(questions, baseline["samples"][S.RETENTION_TASK]), questions)
    doc["summary"]["retention"] = {**value, "baseline": "/scores/base"}
    doc["baseline_retention_samples"] = copy.deepcopy(baseline["samples"][S.RETENTION_TASK])
    return doc


def score_dir(document: dict, out: Path, *, suite_options: bool = True) -> Path:
    """The `maskft-bench score` output directory a submission was packed from."""
    summary = copy.deepcopy(document["summary"])
    if not suite_options:
        del summary["suite_options"]
    model = out / "lm_eval" / "model"
    model.mkdir(parents=True)
    (model / "results_T.json").write_text(json.dumps(document["results"]))
    summary["files"] = {"results": "lm_eval/model/results_T.json", "samples": {}}
    for task, log in document["samples"].items():
        rel = f"lm_eval/model/samples_{task}_T.jsonl"
        (out / rel).write_text("".join(json.dumps(s) + "\n" for s in log))
        summary["files"]["samples"][task] = rel
    (out / "summary.json").write_text(json.dumps(summary))
    return out


def document_for_suite(template: dict, suite: Path, answer: str = "I do not know") -> dict:
    """A submission scored on another generated suite: its questions, one fixed answer each."""
    manifest = json.loads((suite / "manifest.json").read_text())
    doc = copy.deepcopy(template)
    doc["summary"]["suite_options"] = manifest["options"]
    for task in doc["samples"]:
        info = manifest["tasks"][task]
        lines = (suite / info["data_file"]).read_text().splitlines()
        doc["samples"][task] = [{"doc_id": i, "doc": json.loads(line), "resps": [[answer]],
                                 "filtered_resps": [answer]} for i, line in enumerate(lines)]
        doc["results"]["n-samples"][task] = {"original": len(lines), "effective": len(lines)}
        doc["summary"]["task_hashes"][task] = info["sha256"]
    rescore(doc)
    return doc
