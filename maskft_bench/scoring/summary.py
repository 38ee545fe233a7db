"""The headline numbers of one scoring run, computed from lm-eval's own results and samples.

forward / reverse average the suite's two datasets (biographies, name/description), math is
the GSM task and aggregate is the macro average of all five, the same as lm-eval's group
value. Standard errors of a mean of k independent task means are sqrt(sum se^2) / k.

A mean over datasets can hide where it came from (0.9 on one and 0.02 on the other reads
0.46), so summary.json also holds each dataset's forward and reverse score, under "datasets":
{"bio": {"forward": {"value", "stderr"}, "reverse": {...}}, "namedesc": {...}}. Each is one
task's accuracy and its stderr, the very cells the headlines average.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..suite.fingerprint import suite_fingerprint
from .errors import ScoreError

DATASETS = ("bio", "namedesc")
DIRECTIONS = ("forward", "reverse")
HEADLINES = {
    "forward": tuple(f"{d}_forward" for d in DATASETS),
    "reverse": tuple(f"{d}_reverse" for d in DATASETS),
    "math": ("gsm",),
    "aggregate": (*(f"{d}_{x}" for d in DATASETS for x in DIRECTIONS), "gsm"),
}
# The task names' prefix on each split (the lm-eval group of the split's tasks).
SPLIT_PREFIX = {"test": "maskft", "val": "maskftval"}
RETENTION_TASK = "maskft_retention"
# summary.json's model_family: what kind of model was scored (scoring/backends.py sets it).
MODEL_FAMILIES = ("autoregressive", "diffusion")
# Summaries written before the dllm backend existed have no model_family; every backend then
# (hf, vllm) scored autoregressive models. Readers use model_family() below, never their own
# default.
LEGACY_MODEL_FAMILY = "autoregressive"


def _stderr(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not math.isnan(value) else None


def model_family(summary: Mapping) -> str:
    """The scored model's family: summary.json's model_family, or "autoregressive" for a
    summary that predates the key (see LEGACY_MODEL_FAMILY)."""
    return summary.get("model_family", LEGACY_MODEL_FAMILY)


def task_rows(results: Mapping) -> dict[str, dict[str, float | int | None]]:
    """accuracy, its stderr, exact_match, contains and n for every scored task (not groups)."""
    rows = {}
    n_samples = results.get("n-samples", {})
    for task, metrics in results["results"].items():
        if task not in n_samples:
            continue  # a group row
        rows[task] = {
            "accuracy": metrics.get("accuracy,none"),
            "accuracy_stderr": _stderr(metrics.get("accuracy_stderr,none")),
            "exact_match": metrics.get("exact_match,none"),
            "contains": metrics.get("contains,none"),
            "n": n_samples[task]["effective"],
        }
    return rows


def _cell(row: Mapping) -> dict[str, float | None]:
    """One task's score as a headline-shaped cell."""
    return {"value": row["accuracy"], "stderr": row["accuracy_stderr"]}


def headlines(rows: Mapping[str, Mapping], prefix: str) -> dict[str, dict[str, float | None]]:
    """Averages over the tasks each headline needs; a headline is left out if one is missing."""
    out = {}
    for name, parts in HEADLINES.items():
        tasks = [f"{prefix}_{p}" for p in parts]
        if not all(t in rows for t in tasks):
            continue
        cells = [_cell(rows[t]) for t in tasks]
        values = [c["value"] for c in cells]
        errors = [c["stderr"] for c in cells]
        stderr = (math.sqrt(sum(e * e for e in errors)) / len(errors)
                  if all(e is not None for e in errors) else None)
        out[name] = {"value": sum(values) / len(values), "stderr": stderr}
    return out


def per_dataset(rows: Mapping[str, Mapping],
                prefix: str) -> dict[str, dict[str, dict[str, float | None]]]:
    """summary.json's "datasets" block: each dataset's forward and reverse cell, from the same
    task rows as the headlines; a direction whose task was not scored is left out, and so is a
    dataset with neither."""
    out = {}
    for dataset in DATASETS:
        cells = {direction: _cell(rows[f"{prefix}_{dataset}_{direction}"])
                 for direction in DIRECTIONS if f"{prefix}_{dataset}_{direction}" in rows}
        if cells:
            out[dataset] = cells
    return out


def dataset_scores(summary: Mapping) -> dict[str, dict[str, dict[str, float | None]]]:
    """The per-dataset scores of a summary.json: its "datasets" block, or, in a summary written
    before the block existed, the same block derived from its per-task rows. Readers use this,
    never summary["datasets"] directly."""
    if "datasets" in summary:
        return summary["datasets"]
    return per_dataset(summary["tasks"], SPLIT_PREFIX[summary["split"]])


def per_item(samples: Iterable[Mapping]) -> dict[str, float]:
    return {s["doc"]["id"]: float(s["accuracy"]) for s in samples}


def retention(current: Mapping[str, float], baseline: Mapping[str, float]) -> dict[str, object]:
    """Share of the items the base model answered fully right that are still fully right."""
    missing = [i for i in current if i not in baseline]
    if missing:
        raise ScoreError(f"the baseline did not score retention items {missing[:3]}; score the "
                         "base model on the same items (the same --limit, or none)")
    base_right = [i for i in current if baseline[i] >= 1.0]
    if not base_right:
        raise ScoreError("the baseline answered none of these retention questions correctly; "
                         "retention is undefined")
    kept = sum(current[i] >= 1.0 for i in base_right)
    return {"value": kept / len(base_right), "kept": kept, "base_correct": len(base_right),
            "compared": len(current)}


def load_baseline_retention(directory: Path, manifest: Mapping,
                            limit: int | None) -> dict[str, float]:
    """Per-item retention scores from an earlier `maskft-bench score` output directory, which
    must have scored the suite of `manifest` (same version and fingerprint)."""
    summary_path = directory / "summary.json"
    try:
        summary = json.loads(summary_path.read_text())
    except (OSError, ValueError) as err:
        raise ScoreError(f"--baseline {directory}: no readable summary.json ({err}); pass the "
                         "output directory of `maskft-bench score` on the base model") from err
    suite_version = manifest["suite_version"]
    if summary.get("suite_version") != suite_version:
        raise ScoreError(f"--baseline {directory}: scored on suite {summary.get('suite_version')}, "
                         f"not {suite_version}; rescore the base model")
    _check_same_suite(directory, summary, manifest)
    base_limit = summary.get("limit")
    if base_limit is not None and (limit is None or limit > base_limit):
        raise ScoreError(f"--baseline {directory}: was scored with --limit {base_limit}, fewer "
                         "questions than this run; score the base model on at least as many")
    samples_file = summary.get("files", {}).get("samples", {}).get(RETENTION_TASK)
    if not samples_file:
        raise ScoreError(f"--baseline {directory}: {RETENTION_TASK} was not scored there")
    lines = (directory / samples_file).read_text().splitlines()
    return per_item(json.loads(line) for line in lines)


def _check_same_suite(directory: Path, summary: Mapping, manifest: Mapping) -> None:
    """The baseline's suite fingerprint must be this suite's. A summary written before it had
    one (score directories of earlier runs, which a resumed `run` still uses) is held to the
    hashes of the tasks it scored instead, the retention task among them."""
    expected = suite_fingerprint(manifest)
    found = summary.get("suite_fingerprint")
    if found is not None:
        if found != expected:
            raise ScoreError(f"--baseline {directory}: scored on the suite with fingerprint "
                             f"{found[:16]}, not this one's {expected[:16]}; score the base "
                             "model on this suite")
        return
    hashes = summary.get("task_hashes", {})
    ours = {name: task["sha256"] for name, task in manifest["tasks"].items()}
    for task in sorted({RETENTION_TASK, *hashes}):
        if hashes.get(task) != ours.get(task):
            raise ScoreError(f"--baseline {directory}: its {task} has hash "
                             f"{str(hashes.get(task))[:16]}, not this suite's "
                             f"{str(ours.get(task))[:16]}; score the base model on this suite")
