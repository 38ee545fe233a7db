"""The suites this project ships: regenerated from a submission's options, never read from it.

A submission names the generation options of the suite it was scored on; the validator runs
this package's own generator with those options and compares task hashes and questions with
the result. So the shipped default suite and any suite `maskft-bench generate` makes are
accepted, and nothing else is. Suites built from a user's GSM8K file cannot be regenerated.
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import jsonlines

from ..suite import SUITE_VERSION, TASKS_COMPATIBLE, retention
from ..suite import templates as T
from ..suite.bio import REVERSE_PER_PERSON
from ..suite.emit import RETENTION_TASK, TEST_GROUP
from ..suite.errors import SuiteError
from ..suite.generate import SuiteOptions, generate_suite
from .errors import LeaderboardError
from .limits import SUITE_OPTION_MAX
from .verdict import Rejected

# The knowledge tasks every submission must have scored; math (maskft_gsm) and retention are
# optional (math is slow to score on a CPU: 384-token answers).
REQUIRED_TASKS = tuple(f"{TEST_GROUP}_{name}" for name in
                       ("bio_forward", "bio_reverse", "namedesc_forward", "namedesc_reverse"))


@dataclass(frozen=True)
class ShippedSuite:
    """What the validator needs of a regenerated suite: task hashes and the questions."""

    options: SuiteOptions
    label: str
    task_hashes: Mapping[str, str]
    questions: Mapping[str, tuple[dict, ...]]  # test tasks and retention, in file order


def suite_label(options: SuiteOptions) -> str:
    """A short name for grouping: "default" for the shipped suite, else what differs."""
    default = SuiteOptions()
    if options == default:
        return "default"
    parts = [f"bio{options.bio_people}", f"nd{options.namedesc}", f"seed{options.seed}"]
    if options.paraphrases != default.paraphrases:
        parts.append(f"p{options.paraphrases}")
    math = (options.math_train, options.math_val, options.math_test)
    if math != (default.math_train, default.math_val, default.math_test):
        parts.append("math{}.{}.{}".format(*math))
    return "-".join(parts)


def parse_options(raw: Mapping, suite_version: str) -> SuiteOptions:
    """The options of a suite this project can regenerate, or Rejected("suite")."""
    # Versions in TASKS_COMPATIBLE scored byte-identical tasks; the task-hash rule checks the bytes.
    if suite_version not in TASKS_COMPATIBLE:
        raise Rejected("suite", f"scored on suite {suite_version}; this project ships "
                       f"{SUITE_VERSION}, whose tasks equal those of {', '.join(TASKS_COMPATIBLE)}")
    if raw.get("gsm8k") is not None:
        raise Rejected("suite", "the suite was generated from a user-supplied GSM8K file "
                       "(--gsm8k), which the validator cannot regenerate")
    names = {f.name for f in fields(SuiteOptions)}
    if set(raw) != names:
        raise Rejected("suite", f"suite_options must have exactly the keys {sorted(names)}")
    for name, cap in SUITE_OPTION_MAX.items():
        value = raw[name]
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= cap:
            raise Rejected("suite", f"suite option {name}={value!r} is outside 0..{cap}")
    return SuiteOptions(**{k: v for k, v in raw.items() if k != "gsm8k"})


def question_counts(options: SuiteOptions) -> dict[str, int]:
    """How many questions each test task of the suite has, from the options alone, so that a
    submission whose logs cannot be complete is refused before the suite is regenerated (and a
    file of a million tiny samples before any schema work). tests/test_leaderboard_hostile.py
    holds it to the generator's manifest."""
    per_fact = len(T.NAMEDESC_TO_DESCRIPTION["test"]) + len(T.NAMEDESC_TO_NAME["test"])
    return {
        f"{TEST_GROUP}_bio_forward": options.bio_people * len(T.BIO_ATTRIBUTES),
        f"{TEST_GROUP}_bio_reverse": options.bio_people * REVERSE_PER_PERSON["test"],
        f"{TEST_GROUP}_namedesc_forward": options.namedesc * per_fact,
        f"{TEST_GROUP}_namedesc_reverse": options.namedesc * per_fact,
        f"{TEST_GROUP}_gsm": options.math_test,
        RETENTION_TASK: len(retention.generate(options.seed)),
    }


def largest_counts() -> dict[str, int]:
    """The most questions a task of any suite within SUITE_OPTION_MAX can have."""
    return question_counts(SuiteOptions(**{k: v for k, v in SUITE_OPTION_MAX.items() if k != "seed"}))


@functools.lru_cache(maxsize=8)
def regenerate(options: SuiteOptions) -> ShippedSuite:
    """Generate the suite into a temporary directory and keep what validation needs."""
    with tempfile.TemporaryDirectory(prefix="maskft-leaderboard-") as tmp:
        try:
            manifest = generate_suite(Path(tmp) / "suite", options, quiet=True)
        except SuiteError as err:
            raise Rejected("suite", f"these suite options do not generate a suite: {err}") from err
        questions = {}
        for task, info in manifest["tasks"].items():
            if task.startswith(f"{TEST_GROUP}_"):
                with jsonlines.open(Path(tmp) / "suite" / info["data_file"]) as reader:
                    questions[task] = tuple(reader)
    return ShippedSuite(
        options=options,
        label=suite_label(options),
        task_hashes={t: info["sha256"] for t, info in manifest["tasks"].items()},
        questions=questions,
    )


def options_from_manifest(suite_dir: Path, task_hashes: Mapping[str, str]) -> dict:
    """The options recorded in a suite's manifest, if the scored task hashes are that suite's.

    For score directories made before summary.json recorded `suite_options`.
    """
    try:
        manifest = json.loads((suite_dir / "manifest.json").read_text())
    except (OSError, ValueError) as err:
        raise LeaderboardError(f"{suite_dir}: no readable manifest.json ({err})") from err
    tasks = manifest.get("tasks", {})
    wrong = [t for t, h in task_hashes.items() if tasks.get(t, {}).get("sha256") != h]
    if wrong:
        raise LeaderboardError(f"{suite_dir}: task {wrong[0]} differs from the one that was scored; "
                         "pass the suite directory the model was scored on")
    return manifest["options"]
