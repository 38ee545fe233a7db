"""`maskft-bench score`: one lm-eval run on the suite, saved whole or not at all.

Output directory:
  lm_eval/<model>/results_<time>.json    lm-eval's own results file
  lm_eval/<model>/samples_<task>_<time>.jsonl   lm-eval's per-sample logs
  summary.json                           headline scores and everything needed to trust them
                                         (the suite's generation options included)
"""

from __future__ import annotations

import difflib
import json
import platform
import re
import sys
import time
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .. import __version__
from ..atomic import read_json, staged_directory
from ..errors import brief
from ..markdown import table
from ..outdir import check_replaceable
from ..settings import check_fields, setting
from ..suite.fingerprint import suite_fingerprint
from . import summary as S
from .backends import BACKENDS, resolve
from .errors import ScoreError
from .model_check import check_model

DEFAULT_TASKS = {"test": ("maskft", S.RETENTION_TASK), "val": ("maskftval",)}
# What lm-eval's hf backend (a torch dtype's name) and vLLM both read.
DTYPES = ("auto", "float32", "bfloat16", "float16", "float", "half")
BATCH_SIZE = re.compile(r"(auto(:[1-9][0-9]*)?|[1-9][0-9]*)")
MODEL_ARG = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.+", re.DOTALL)


@dataclass(frozen=True)
class ScoreOptions:
    """What to score and how; each field's help says why its default is what it is."""

    model: str = setting(help="model directory, hub id, or default for the embedded "
                         "SmolLM2-135M-Instruct")
    out: Path = setting(help="new or empty directory for the results; it appears only when "
                        "the run completed")
    backend: str = setting("auto", choices=BACKENDS, help="auto: vllm when importable and a "
                           "GPU is present, else hf; dllm: masked diffusion LMs such as LLaDA "
                           "(this package's lm-eval backend maskft-dllm)")
    model_args: str = setting("", help="more arguments for the lm-eval backend as lm-eval "
                              "writes them, KEY=VALUE,...; e.g. for dllm "
                              "gen_length=128,block_length=4,steps=128,trust_remote_code=True")
    tasks: tuple[str, ...] | None = setting(None, help="comma-separated tasks, groups or globs; "
                                            "none: the split's group, plus maskft_retention on "
                                            "the test split")
    split: str = setting("test", choices=tuple(S.SPLIT_PREFIX), help="test for reporting, val "
                         "(the validation twins) for checkpoint selection")
    limit: int | None = setting(None, at_least=1, help="questions per task, for a quick look; none: all "
                                "(the leaderboard refuses limited runs)")
    tensor_parallel: int = setting(1, at_least=1, help="vLLM tensor parallel size: GPUs sharing one copy of "
                                   "the model; one holds the small models this suite is for")
    data_parallel: int = setting(1, at_least=1, help="vLLM data parallel size: copies of the model that "
                                 "share the questions")
    batch_size: str = setting("32", help="lm-eval batch size: a positive number, auto or "
                              "auto:N (the largest that fits, found again N times; hf only)")
    dtype: str = setting("auto", choices=DTYPES, help="model dtype; auto: the model's own, "
                         "float32 for vLLM on CPU")
    chat_template: bool = setting(True, help="apply the model's chat template, as the suite's "
                                  "prompts are chat questions; off for base models without one")
    baseline: Path | None = setting(None, help="score directory of the base model: adds "
                                    "retention (the share of its correct general answers "
                                    "still correct)")
    suite: Path | None = setting(None, help="a generated suite directory; none: the shipped suite")
    revision: str | None = setting(None, help="hub revision (branch, tag or commit); none: the "
                                   "default branch")
    overwrite: bool = setting(False, help="replace what a non-empty out directory holds")

    def __post_init__(self) -> None:
        check_fields(self)
        if not BATCH_SIZE.fullmatch(self.batch_size):
            raise ScoreError(f"batch_size: expected a positive number, auto or auto:N, got "
                             f"{brief(self.batch_size)}")
        bad = [item for item in self.model_args.split(",") if item and not MODEL_ARG.fullmatch(item)]
        if bad:
            raise ScoreError(f"model_args: {brief(bad[0])} is not KEY=VALUE; expected "
                             "KEY=VALUE,KEY=VALUE as lm-eval reads them, e.g. max_length=2048")
        if any(item.startswith("pretrained=") for item in self.model_args.split(",")):
            raise ScoreError("model_args: give the model with --model, not pretrained=")


def _library_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version(),
                                       "maskft-bench": __version__}
    for name in ("torch", "transformers", "lm_eval", "vllm", "datasets"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return versions


def _suite(options: ScoreOptions) -> tuple[Path, dict]:
    from ..tasks_registry import tasks_dir

    suite = (options.suite or tasks_dir()).resolve()
    try:
        manifest = json.loads((suite / "manifest.json").read_text())
    except (OSError, ValueError) as err:
        raise ScoreError(f"--suite {suite}: not a maskft-bench suite (no readable manifest.json)") \
            from err
    return suite, manifest


def _task_manager(suite: Path, requested: tuple[str, ...]):
    """Index only the suite (fast) unless a requested name needs lm-eval's own tasks."""
    from lm_eval.tasks import TaskManager

    manager = TaskManager(include_path=str(suite), include_defaults=False)
    unknown = [t for t in requested if not manager.match_tasks([t])]
    if unknown:
        manager = TaskManager(include_path=str(suite))
        unknown = [t for t in requested if not manager.match_tasks([t])]
    if unknown:
        close = difflib.get_close_matches(unknown[0], manager.all_tasks, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ScoreError(f"unknown task {unknown[0]!r}{hint}")
    return manager, manager.match_tasks(list(requested))


def _extra_args(text: str) -> dict[str, object]:
    from lm_eval.utils import simple_parse_args_string

    return simple_parse_args_string(text)  # its form was checked by ScoreOptions


def _check_out(out: Path, overwrite: bool) -> None:
    """Refuse an --out that holds something, unless --overwrite may replace it (outdir's rule);
    the replacing itself happens only when the scores are complete (staged_directory)."""
    if overwrite:
        check_replaceable(out, "score")
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ScoreError(f"--out {brief(out)}: exists and is not an empty directory; choose "
                         "another or pass --overwrite")


def _dtype(results: dict, model_args: dict, local_dir: str | None) -> str | None:
    """The dtype the weights ran in: lm-eval's hf backend reports it; otherwise resolve 'auto'."""
    reported = results.get("config", {}).get("model_dtype")
    if reported:
        return str(reported).removeprefix("torch.")
    if model_args.get("dtype") != "auto":
        return str(model_args.get("dtype"))
    if local_dir:
        config = read_json(Path(local_dir) / "config.json")
        return config.get("dtype") or config.get("torch_dtype")
    return None


def _tokens_generated(model: str, samples: dict) -> int | None:
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(model)
    except Exception:  # noqa: BLE001 - a count is nice to have, never worth failing a run
        return None
    texts = [s["resps"][0][0] for task in samples.values() for s in task]
    return sum(len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"])


def _evaluate(options: ScoreOptions, model_name: str, backend, manager, tasks, lm_eval_dir: Path):
    import lm_eval
    from lm_eval.loggers import EvaluationTracker

    from ..dllm.model import DiffusionModelError  # imports torch: only when scoring runs

    tracker = EvaluationTracker(output_path=str(lm_eval_dir))
    try:
        results = lm_eval.simple_evaluate(
            model=backend.name, model_args=backend.model_args, tasks=tasks,
            batch_size=options.batch_size, limit=options.limit, log_samples=True,
            device=backend.torch_device,
            apply_chat_template=options.chat_template, task_manager=manager,
            evaluation_tracker=tracker,
        )
    except DiffusionModelError as err:
        raise ScoreError(f"--backend dllm: {err}") from err
    except Exception as err:
        if type(err).__name__ == "OutOfMemoryError":
            raise ScoreError(f"GPU out of memory while scoring {model_name}: lower --batch-size "
                             f"(now {options.batch_size}) or raise --tensor-parallel") from err
        raise
    samples = results.pop("samples")
    tracker.save_results_aggregated(results=results, samples=samples)
    for task in results["configs"]:
        tracker.save_results_samples(task_name=task, samples=samples[task])
    return results, samples


def score(options: ScoreOptions) -> dict:
    """Score a model on the suite, write the output directory, return the summary."""
    _check_out(options.out, options.overwrite)
    suite, manifest = _suite(options)
    baseline = (S.load_baseline_retention(options.baseline, manifest, options.limit)
                if options.baseline else None)
    requested = options.tasks or DEFAULT_TASKS[options.split]
    manager, tasks = _task_manager(suite, requested)
    model = check_model(options.model, options.chat_template)
    backend = resolve(options.backend, model.name_or_path, options.dtype,
                      options.tensor_parallel, options.data_parallel, options.revision,
                      _extra_args(options.model_args))
    print(f"[score] {model.name_or_path} with {backend.name} on {backend.device} "
          f"({backend.reason}): {', '.join(tasks)}", file=sys.stderr)
    if backend.warning:
        print(f"[score] warning: {backend.warning}", file=sys.stderr)

    start = time.perf_counter()
    with staged_directory(options.out) as stage:
        results, samples = _evaluate(options, model.name_or_path, backend, manager, tasks,
                                     stage / "lm_eval")
        rows = S.task_rows(results)
        summary = {
            "maskft_bench_version": __version__,
            "suite_version": manifest["suite_version"],
            "suite": str(suite),
            "suite_options": manifest["options"],  # lets the leaderboard regenerate the suite
            "suite_fingerprint": suite_fingerprint(manifest),  # what a --baseline must match
            "task_hashes": {t: manifest["tasks"][t]["sha256"] for t in rows if t in manifest["tasks"]},
            "model": {**asdict(model), "revision": options.revision},
            "backend": backend.name,
            "model_family": backend.model_family,
            "model_args": {k: v for k, v in backend.model_args.items() if k != "pretrained"},
            "dtype": _dtype(results, backend.model_args, model.name_or_path if model.local else None),
            "device": backend.device,
            "split": options.split,
            "limit": options.limit,
            "chat_template": options.chat_template,
            "libraries": _library_versions(),
            "scores": S.headlines(rows, S.SPLIT_PREFIX[options.split]),
            "datasets": S.per_dataset(rows, S.SPLIT_PREFIX[options.split]),
            "tasks": rows,
            "retention": None,
            "wall_seconds": round(time.perf_counter() - start, 1),
            "tokens_generated": _tokens_generated(model.name_or_path, samples),
            "files": {
                "results": next(stage.glob("lm_eval/*/results_*.json")).relative_to(stage).as_posix(),
                "samples": {t: next(stage.glob(f"lm_eval/*/samples_{t}_*.jsonl"))
                            .relative_to(stage).as_posix() for t in samples},
            },
        }
        if S.RETENTION_TASK in samples and baseline is not None:
            summary["retention"] = {
                **S.retention(S.per_item(samples[S.RETENTION_TASK]), baseline),
                "baseline": str(options.baseline.resolve()),
            }
        (stage / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def _score_cells(name: str, cell: dict) -> list[str]:
    stderr = f"{cell['stderr']:.3f}" if cell["stderr"] is not None else "n/a"
    return [name, f"{cell['value']:.3f}", stderr]


def format_summary(summary: dict) -> str:
    """A short table of the headline numbers, then each dataset's forward and reverse (what
    the forward and reverse means average), printed after lm-eval's own table."""
    rows = [_score_cells(name, cell) for name, cell in summary["scores"].items()]
    rows += [_score_cells(f"{dataset} {direction}", cell)
             for dataset, cells in S.dataset_scores(summary).items()
             for direction, cell in cells.items()]
    if summary["retention"]:
        r = summary["retention"]
        rows.append(["retention", f"{r['value']:.3f}", f"({r['kept']}/{r['base_correct']} kept)"])
    limit = f", limit {summary['limit']} per task" if summary["limit"] else ""
    return (table(["score", "value", "stderr"], rows, ["left", "right", "right"])
            + f"\n\n{summary['model']['name_or_path']} | {summary['backend']} on "
            f"{summary['device']}{limit} | {summary['wall_seconds']} s | "
            f"{summary['tokens_generated']} tokens generated")
