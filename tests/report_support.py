"""Score directories and whole pipeline runs as the pipeline writes them, built without a model.

`write_score` writes summary.json and per-question sample logs (what the bootstrap reads);
`fake_run` adds everything else the report reads (suite manifests, training metadata, metrics
logs), so the report of a run can be rendered in a second.
"""

from __future__ import annotations

import json
from pathlib import Path

from maskft_bench.pipeline.layout import Layout
from maskft_bench.pipeline.recipe import Recipe, parse

QUESTIONS = 3  # per subject and task
KNOWLEDGE_TASKS = ("bio_forward", "bio_reverse", "namedesc_forward", "namedesc_reverse")


def write_score(directory: Path, answers: dict[str, list[tuple[str, str, bool]]],
                summary: dict | None = None) -> Path:
    """task -> [(question id, subject, answered right)] as summary.json plus sample logs.

    The logged `accuracy` is always 0: readers must recompute it from the response. `summary`
    adds keys to summary.json (scores, tasks, retention, ...).
    """
    files = {}
    for task, questions in answers.items():
        rel = f"lm_eval/model/samples_{task}_2026.jsonl"
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps({
            "doc_id": k, "accuracy": 0.0,
            "doc": {"id": qid, "subject": subject, "scoring": "knowledge",
                    "answers": [f"Answer {qid}"]},
            "filtered_resps": [f"It is Answer {qid}." if right else "I do not know."]}) + "\n"
            for k, (qid, subject, right) in enumerate(questions)))
        files[task] = rel
    (directory / "summary.json").write_text(json.dumps({**(summary or {}),
                                                        "files": {"samples": files}}))
    return directory


def run_answers(seed: int, right: dict[str, float]) -> dict[str, list[tuple[str, str, bool]]]:
    """The knowledge tasks of one seed; `right[task]`: share of subjects answered right."""
    subjects = {"bio": [f"bio-{seed}{i:02d}" for i in range(20)],
                "namedesc": [f"nd-n2d-{seed}{i:03d}" for i in range(8)]}
    return {f"maskft_{task}": [(f"{s}-{task}-{k}", s, i < right[task] * len(subjects[dataset]))
                               for i, s in enumerate(subjects[dataset]) for k in range(QUESTIONS)]
            for task in right for dataset in [task.split("_")[0]]}


# Share of subjects each model answers right, per task, in seed 0 (seed 1 adds SEED_SHIFT).
MODELS = {
    "base": dict.fromkeys(KNOWLEDGE_TASKS, 0.0),
    "standard": {"bio_forward": 1.0, "bio_reverse": 0.1, "namedesc_forward": 1.0,
                 "namedesc_reverse": 0.0},
    "masked": {"bio_forward": 1.0, "bio_reverse": 0.8, "namedesc_forward": 1.0,
               "namedesc_reverse": 0.5},
    "standard@compute": {"bio_forward": 1.0, "bio_reverse": 0.15, "namedesc_forward": 0.875,
                         "namedesc_reverse": 0.125},
}
SEED_SHIFT = {"bio_reverse": -0.05}


def _summary(seed: int, right: dict[str, float], trained: bool) -> dict:
    tasks = {f"maskft_{t}": {"accuracy": v, "accuracy_stderr": 0.05} for t, v in right.items()}
    mean = {d: sum(right[f"{x}_{d}"] for x in ("bio", "namedesc")) / 2
            for d in ("forward", "reverse")}
    scores = {d: {"value": v, "stderr": 0.04} for d, v in mean.items()}
    scores["aggregate"] = {"value": sum(right.values()) / len(right), "stderr": 0.03}
    return {"scores": scores, "tasks": tasks, "wall_seconds": 12.5 + seed,
            "retention": {"value": 0.9 - 0.1 * seed, "kept": 9 - seed, "base_correct": 10}
            if trained else None}


def _train_meta(seed: int, name: str, k: int) -> dict:
    return {"tokens_seen": 1000 * (k + 1) + seed, "training_flops": 1.5e12 * (k + 1),
            "optimizer_steps": 10 * (k + 1), "epoch": 4.0 * (k + 1), "loss_tokens": 600 * (k + 1),
            "document_tokens": 500, "generation_flops": 0.0 if name == "masked" else None}


def _metrics(seed: int, k: int) -> list[dict]:
    lines = [{"step": 5, "tokens_seen": 500, "loss": 2.0}]
    for step in (5, 10, 20):
        lines.append({"step": step, "tokens_seen": 100 * step, "validation": {
            "bio/qa_forward_val": 0.01 * step, "namedesc/qa_forward_val": 0.02 * step,
            "bio/qa_reverse_val": 0.005 * step * (k + 1) + 0.01 * seed, "val_accuracy": 0.1}})
    lines.append({"step": 20, "tokens_seen": 2000, "train_runtime": 30.0 * (k + 1) + seed})
    return lines


COUNTS = {"bio/documents.jsonl": 20, "namedesc/documents.jsonl": 8,
          "bio/qa_forward_test.jsonl": 60, "bio/qa_reverse_test.jsonl": 60,
          "namedesc/qa_forward_test.jsonl": 24, "namedesc/qa_reverse_test.jsonl": 24,
          "math/test.jsonl": 0, "retention/test.jsonl": 188}


def fake_run(out: Path, seeds: tuple[int, ...] = (0, 1)) -> tuple[Recipe, Layout]:
    """A finished run of standard and masked, plus standard@compute at masked's tokens."""
    recipe = parse({"name": "mini", "seeds": list(seeds), "methods": ["standard", "masked"],
                    "compute": {"match": "masked", "methods": ["standard"]},
                    "train": {"epochs": 4, "learning_rate": 1e-4, "eval_every": 5}},
                   Path("mini.yaml"))
    layout = Layout(out)
    for seed in seeds:
        layout.suite(seed).mkdir(parents=True)
        (layout.suite(seed) / "manifest.json").write_text(json.dumps({"counts": COUNTS}))
        for k, (name, right) in enumerate(MODELS.items()):
            right = {t: v + SEED_SHIFT.get(t, 0.0) * seed if v else v for t, v in right.items()}
            write_score(layout.score(seed, name), run_answers(seed, right),
                        _summary(seed, right, name != "base"))
            if name == "base":
                continue
            best = layout.run(seed, name) / "best"
            best.mkdir(parents=True)
            (best / "maskft-train.json").write_text(json.dumps(_train_meta(seed, name, k)))
            (layout.run(seed, name) / "metrics.jsonl").write_text(
                "".join(json.dumps(line) + "\n" for line in _metrics(seed, k)))
    return recipe, layout
