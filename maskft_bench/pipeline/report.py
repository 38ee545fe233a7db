"""report.md and its figures, rebuilt from the run's files alone (scores, checkpoints, logs).

Every number in the report is read from a file the run wrote. A method is said to beat another
only when a paired bootstrap over the suite's subjects (maskft_bench.significance) puts the whole
95% interval of the difference on one side of zero; every comparison prints the interval.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from .. import methods, significance
from ..methods import BASE
from ..scoring.summary import HEADLINES as SCORE_HEADLINES
from ..scoring.summary import SPLIT_PREFIX
from ..training.engine import META_FILE
from .layout import Layout
from .recipe import AT_COMPUTE, Recipe, method_of
from .stages import scored_checkpoint

HEADLINES = tuple(SCORE_HEADLINES)  # forward, reverse, math, aggregate: scoring names them
DIRECTIONS = ("forward", "reverse")


@dataclass
class Entry:
    """One scored model of one seed."""

    name: str
    seed: int
    scores: dict[str, float | None]  # headlines, and each dataset's task ("bio_reverse")
    retention: float | None
    tokens: int
    flops: float
    steps: int
    train_seconds: float | None
    score_seconds: float | None
    checkpoint: str | None
    curve: list[dict] = field(default_factory=list)  # {"tokens", "step", "forward", "reverse"}
    compute: dict = field(default_factory=dict)  # the scored checkpoint's maskft-train.json


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] \
        if path.is_file() else []


def _curve(metrics: list[dict]) -> list[dict]:
    """Validation accuracy per direction (mean over the datasets) at each selection round."""
    points = []
    for record in metrics:
        val = record.get("validation")
        if not val:
            continue
        point = {"step": record["step"], "tokens": record["tokens_seen"]}
        for direction in DIRECTIONS:
            values = [v for k, v in val.items() if k.endswith(f"qa_{direction}_val")]
            point[direction] = sum(values) / len(values) if values else None
        points.append(point)
    return points


def collect(recipe: Recipe, layout: Layout) -> list[Entry]:
    entries = []
    for seed in layout.seeds():
        for name in (BASE, *recipe.runs()):
            summary_path = layout.score(seed, name) / "summary.json"
            if not summary_path.is_file():
                continue
            summary = json.loads(summary_path.read_text())
            scores = {h: (summary["scores"].get(h) or {}).get("value") for h in HEADLINES}
            scores |= {t.removeprefix(f"{SPLIT_PREFIX['test']}_"): row.get("accuracy")
                       for t, row in summary.get("tasks", {}).items()}
            retention = (summary.get("retention") or {}).get("value")
            meta, metrics, checkpoint = {}, [], None
            if name != BASE:
                scored = scored_checkpoint(recipe, layout, seed, name)
                meta = json.loads((scored / META_FILE).read_text())
                metrics = _jsonl(layout.run(seed, name) / "metrics.jsonl")
                checkpoint = f"{scored.name}/ (step {meta['optimizer_steps']})"
            runtime = [float(r["train_runtime"]) for r in metrics if "train_runtime" in r]
            entries.append(Entry(
                name=name, seed=seed, scores=scores, retention=retention,
                tokens=meta.get("tokens_seen", 0), flops=meta.get("training_flops", 0.0),
                steps=meta.get("optimizer_steps", 0), compute=meta,
                train_seconds=max(runtime) if runtime else None,
                score_seconds=summary.get("wall_seconds"), checkpoint=checkpoint,
                curve=_curve(metrics)))
    return entries


def _by_name(entries: list[Entry]) -> dict[str, list[Entry]]:
    grouped: dict[str, list[Entry]] = {}
    for entry in entries:
        grouped.setdefault(entry.name, []).append(entry)
    return grouped


def _spread(values: list[float]) -> str:
    if not values:
        return "n/a"
    mean = statistics.fmean(values)
    if len(values) == 1:
        return f"{mean:.3f}"
    return f"{mean:.3f} ± {statistics.stdev(values):.3f} ({', '.join(f'{v:.3f}' for v in values)})"


def _values(entries: list[Entry], key: str) -> list[float]:
    got = [e.retention if key == "retention" else e.scores.get(key) for e in entries]
    return [v for v in got if v is not None]


def _regimes(recipe: Recipe) -> list[tuple[str, dict[str, str]]]:
    """(title, {method: its run}) for each way the recipe compares methods: at its epochs, and,
    with a compute block, at the token budget of the matched method."""
    regimes = [("At equal epochs", {m: m for m in recipe.methods})]
    if recipe.compute:
        match = recipe.compute["match"]
        runs = {match: match, **{m: f"{m}{AT_COMPUTE}" for m in recipe.compute["methods"]}}
        regimes.append((f"At equal compute (each trained on the tokens {match} trains on)", runs))
    return regimes


def _reference(method: str, runs: dict[str, str]) -> tuple[str, tuple[str, ...]] | None:
    """The run a method is compared with in a regime (its registry record names the method),
    and on which headlines."""
    record = methods.get(method)
    reference = BASE if record.compared_with == BASE else runs.get(record.compared_with or "")
    if reference is None:
        return None
    return reference, DIRECTIONS if record.knowledge else ("math",)


def _scopes(key: str) -> list[tuple[str, tuple[str, ...]]]:
    """(label, test tasks): the headline, then each dataset it averages when there are several.

    A headline is the mean of its tasks' means (scoring/summary.py); the bootstrap computes
    exactly that statistic from the same task list.
    """
    parts = SCORE_HEADLINES[key]
    tasks = tuple(f"{SPLIT_PREFIX['test']}_{part}" for part in parts)
    datasets: dict[str, list[str]] = {}
    for part, task in zip(parts, tasks, strict=True):
        datasets.setdefault(part.split("_")[0], []).append(task)
    extra = [(f"{d} {key}", tuple(t)) for d, t in datasets.items()] if len(datasets) > 1 else []
    return [(key, tasks), *extra]


def _compare(name: str, reference: str, key: str, seeds: list[int], load) -> list[str]:
    """The headline's sentence, then one indented line per dataset and the per-seed intervals."""
    lines, per_seed = [], []
    for label, tasks in _scopes(key):
        paired = {}
        for seed in seeds:
            ours, theirs = load(seed, name), load(seed, reference)
            if all(t in ours and t in theirs for t in tasks):
                paired[seed] = significance.pair(ours, theirs, tasks)
        if not paired:
            break
        result = significance.paired_bootstrap(paired)
        words = significance.sentence(name, reference, label, result)
        lines.append(f"{'  - ' if lines else '- '}{words}.")
        if label == key and len(result.per_seed) > 1:
            per_seed.append(f"  - per seed, {name} − {reference} on {key}: " + "; ".join(
                f"seed {seed} {interval}" for seed, interval in result.per_seed.items()) + ".")
    return lines + per_seed


def comparisons(entries: list[Entry], recipe: Recipe, layout: Layout) -> list[str]:
    """Knowledge methods against standard fine-tuning (standard against the base model), masked
    SFT against SFT, on the seeds both were scored in, judged by a paired bootstrap over
    subjects from the score directories' per-question logs."""
    grouped = _by_name(entries)
    cache: dict[tuple[int, str], significance.Scores] = {}

    def load(seed: int, name: str) -> significance.Scores:
        if (seed, name) not in cache:
            cache[seed, name] = significance.question_scores(layout.score(seed, name))
        return cache[seed, name]

    lines = []
    for title, runs in _regimes(recipe):
        found = []
        for method, name in runs.items():
            ref = _reference(method, runs)
            if name not in grouped or ref is None or ref[0] not in grouped:
                continue
            reference, keys = ref
            seeds = sorted({e.seed for e in grouped[name]} & {r.seed for r in grouped[reference]})
            for key in keys:
                try:
                    found += _compare(name, reference, key, seeds, load)
                except significance.SignificanceError as err:
                    found.append(f"- {name} against {reference} on {key}: not compared ({err}).")
        lines += ["", f"**{title}.**", "", *found] if found else []
    return lines


def _plots(entries: list[Entry], recipe: Recipe, figures: Path) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures.mkdir(parents=True, exist_ok=True)
    names = [BASE, *recipe.runs()]
    colour = {n: plt.get_cmap("tab10")(i) for i, n in enumerate(names)}
    grouped = _by_name(entries)
    seeds = sorted({e.seed for e in entries})
    made = []

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, direction in zip(axes, DIRECTIONS, strict=True):
        for name in recipe.runs():
            for entry in grouped.get(name, []):
                points = [p for p in entry.curve if p[direction] is not None]
                ax.plot([p["tokens"] for p in points], [p[direction] for p in points],
                        marker="o", ms=3, color=colour[name],
                        linestyle=("-", "--", ":", "-.")[seeds.index(entry.seed) % 4],
                        label=f"{name} (seed {entry.seed})")
        ax.set_title(f"validation accuracy, {direction} QA")
        ax.set_xlabel("training tokens seen")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("ROUGE-1 recall")
    axes[1].legend(fontsize=7, loc="best")
    made.append(_save(fig, figures / "val_curves.png", "Validation accuracy during training"))

    fig, ax = plt.subplots(figsize=(8, 3.8))
    width = 0.8 / len(DIRECTIONS)
    for d, direction in enumerate(DIRECTIONS):
        for i, name in enumerate(names):
            values = _values(grouped.get(name, []), direction)
            if not values:
                continue
            x = i + (d - (len(DIRECTIONS) - 1) / 2) * width
            ax.bar(x, statistics.fmean(values), width, color=colour[name],
                   alpha=1.0 if direction == "forward" else 0.55,
                   label=direction if i == 0 else None, edgecolor="black", linewidth=0.5)
            ax.scatter([x] * len(values), values, color="black", s=10, zorder=3)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel("test accuracy (ROUGE-1 recall)")
    ax.set_title("Test scores per method (bars: mean over seeds, dots: seeds; "
                 "dark: forward, light: reverse)", fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    made.append(_save(fig, figures / "test_scores.png", "Final test scores per method"))

    fig, ax = plt.subplots(figsize=(7, 3.8))
    for name in names:
        for direction, marker in (("forward", "o"), ("reverse", "^")):
            pts = [(e.tokens, e.scores[direction]) for e in grouped.get(name, [])
                   if e.scores.get(direction) is not None]
            if pts:
                ax.scatter(*zip(*pts, strict=True), color=colour[name], marker=marker,
                           label=f"{name} {direction}")
    ax.set_xlabel("training tokens (non-padding, at the scored checkpoint)")
    ax.set_ylabel("test accuracy")
    ax.set_title("Accuracy against training compute")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    made.append(_save(fig, figures / "accuracy_vs_tokens.png", "Accuracy against training tokens"))

    trained = [n for n in recipe.runs() if _values(grouped.get(n, []), "retention")]
    if trained:
        fig, ax = plt.subplots(figsize=(6, 3.2))
        for i, name in enumerate(trained):
            values = _values(grouped[name], "retention")
            ax.bar(i, statistics.fmean(values), 0.6, color=colour[name], edgecolor="black",
                   linewidth=0.5)
            ax.scatter([i] * len(values), values, color="black", s=10, zorder=3)
        ax.set_xticks(range(len(trained)), trained)
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("share of base-model-correct\ngeneral questions still correct")
        ax.set_title("Retention of general knowledge")
        ax.grid(axis="y", alpha=0.3)
        made.append(_save(fig, figures / "retention.png", "Retention of general knowledge"))
    return made


def _save(fig, path: Path, title: str) -> tuple[str, str]:
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    tmp.replace(path)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return title, path.name


def _machine() -> str:
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{platform.machine()}, {os.cpu_count()} CPU cores, {gpu}, {platform.platform()}"


def _suite_lines(recipe: Recipe, layout: Layout) -> list[str]:
    lines = []
    for seed in layout.seeds():
        manifest_path = layout.suite(seed) / "manifest.json"
        if not manifest_path.is_file():
            continue
        counts = json.loads(manifest_path.read_text())["counts"]
        lines.append(
            f"- seed {seed}: {counts['bio/documents.jsonl']} biographies, "
            f"{counts['namedesc/documents.jsonl']} name/description facts; test questions: "
            f"bio {counts['bio/qa_forward_test.jsonl']} forward / "
            f"{counts['bio/qa_reverse_test.jsonl']} reverse, namedesc "
            f"{counts['namedesc/qa_forward_test.jsonl']} / "
            f"{counts['namedesc/qa_reverse_test.jsonl']}, math {counts['math/test.jsonl']}, "
            f"retention {counts['retention/test.jsonl']}")
    return lines


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(entries: list[Entry], recipe: Recipe) -> list[str]:
    """Headlines, and beside them the dataset scores they average, so none hides its source."""
    grouped = _by_name(entries)
    keys = [h for h in HEADLINES if any(_values(entries, h))]
    keys += [t for h in keys for t in SCORE_HEADLINES[h] if h != "aggregate" and len(
        SCORE_HEADLINES[h]) > 1 and any(_values(entries, t))]
    rows = [_row(["model", *(k.replace("_", " ") for k in keys), "retention"]),
            "|" + "---|" * (len(keys) + 2)]
    for name in (BASE, *recipe.runs()):
        group = grouped.get(name, [])
        if group:
            rows.append(_row([name, *(_spread(_values(group, k)) for k in keys),
                              _spread(_values(group, "retention")) if name != BASE
                              else "(reference)"]))
    return rows


COMPUTE_COLUMNS = (  # (heading, maskft-train.json key, format)
    ("epochs", "epoch", "{:.1f}"), ("input tokens", "tokens_seen", "{:,}"),
    ("loss tokens", "loss_tokens", "{:,}"), ("document tokens", "document_tokens", "{:,}"),
    ("training FLOPs", "training_flops", "{:.2e}"),
    ("rewrite generation FLOPs", "generation_flops", "{:.2e}"))


def _compute_table(entries: list[Entry], recipe: Recipe) -> list[str]:
    """Compute at each scored checkpoint, one value per seed."""
    grouped = _by_name(entries)
    rows = [_row(["model", *(c[0] for c in COMPUTE_COLUMNS), "whole training run (s)",
                  "scored checkpoint"]), "|" + "---|" * (len(COMPUTE_COLUMNS) + 3)]
    for name in recipe.runs():
        group = grouped.get(name, [])
        if group:
            rows.append(_row([name, *(" / ".join(
                fmt.format(e.compute[key]) if e.compute.get(key) is not None else "-"
                for e in group) for _, key, fmt in COMPUTE_COLUMNS),
                " / ".join(f"{e.train_seconds:.0f}" if e.train_seconds else "-" for e in group),
                " / ".join(e.checkpoint or "-" for e in group)]))
    return rows


def _settings_line(recipe: Recipe, run: str) -> str:
    config = recipe.train_config(run, 0, Path("."), 1 if run.endswith(AT_COMPUTE) else None)
    length = (f"trained to the tokens {recipe.compute['match']} trains on (per seed)"
              if run.endswith(AT_COMPUTE) else f"epochs {config.epochs}")
    return f"- {run}: {length}, " + ", ".join(
        f"{k} {getattr(config, k)}" for k in ("learning_rate", "batch_size", "eval_every"))


def write_report(recipe: Recipe, recipe_path: Path, layout: Layout) -> Path:
    entries = collect(recipe, layout)
    figures = _plots(entries, recipe, layout.figures) if entries else []
    train = recipe.train_config(recipe.methods[0], recipe.seeds[0], layout.suite(recipe.seeds[0]))
    settings = [_settings_line(recipe, run) for run in recipe.runs()]
    text = [
        f"# maskft-bench run: {recipe.name}",
        "",
        f"Produced by `maskft-bench run {recipe_path}` on {_machine()}. Model: "
        f"`{train.model}` (\"default\" = the embedded SmolLM2-135M-Instruct). Seeds: "
        f"{', '.join(map(str, layout.seeds()))}; each seed has its own fictional suite and its "
        "own training randomness, so the spread below covers both.",
        "",
        "## Data",
        *_suite_lines(recipe, layout),
        "",
        "## Training settings",
        f"Recipe `{recipe_path.name}`; trained on {', '.join(train.datasets)}. Per run:",
        *settings,
        "",
        "Methods (maskft_bench/methods.py):",
        *(f"- {m}: {methods.describe(m)}" for m in dict.fromkeys(map(method_of, recipe.runs()))),
        "",
        "## Test scores",
        "Accuracy is ROUGE-1 recall of the answer (the paper's metric), on the test questions, "
        "with lm-eval; `mean ± sd (per seed)`. forward and reverse are the means of their two "
        "datasets (biographies, name/description), shown beside them. Retention: share of the "
        "general questions the base model answered fully right that the trained model still "
        "answers fully right.",
        "",
        *_table(entries, recipe),
        "",
        "## Compute",
        "At each scored checkpoint, one value per seed. Input tokens: non-padding tokens read; "
        "loss tokens: tokens the loss was computed on; document tokens: the training texts' own "
        "tokens times the epochs (masked fine-tuning carries each document twice, counted once "
        "here). Training FLOPs count the LM head and attention "
        "(maskft_bench/training/compute.py: 3 x forward; forward per sequence of L tokens = "
        "2 x matmul weights x L + 4 x layers x attention width x L(L+1)/2). Rewrite generation: "
        "what producing the paraphrases cost (template rewrites: nothing), charged to the "
        "methods that train on them.",
        "",
        *_compute_table(entries, recipe),
        "",
        "## What the numbers say",
        *(comparisons(entries, recipe, layout) or ["- Not enough scored methods to compare."]),
        "",
        "How differences are judged: per-question accuracy is recomputed from each model's "
        "logged answers, and questions about one subject (a person, a name/description fact) "
        "succeed or fail together, so the test resamples subjects, not questions: a paired "
        f"bootstrap ({significance.RESAMPLES:,} resamples) draws each seed's subjects with "
        "replacement, per dataset, scores both models on the same draw, and averages the per-seed "
        "differences (each seed counts once; a headline is the mean of its datasets' means, as in "
        f"the table). A method beats another only when the {significance.LEVEL:.0%} interval "
        "excludes zero; \"no difference "
        "detected at this size\" means the interval includes zero, which with the subject counts "
        "under Data is weak evidence either way. The intervals cover the choice of facts, given "
        "the trained models; training randomness enters only through the seeds run.",
        "",
        "## Figures",
        *(f"![{title}](figures/{name})" for title, name in figures),
        "",
        "Leaderboard of this run: `leaderboard/README.md` and `leaderboard/index.html`.",
        "",
    ]
    tmp = layout.report.with_suffix(".md.tmp")
    tmp.write_text("\n".join(text))
    tmp.replace(layout.report)
    return layout.report
