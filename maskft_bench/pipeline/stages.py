"""The stages of a pipeline run, each with the test that says its outputs already exist.

Every stage writes its outputs atomically (the suite, score directories and final
checkpoints appear only when complete), so "done" is a cheap existence-and-identity check and
an interrupted run restarts at the first stage that is not done. Training resumes inside the
stage from its last checkpoint.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path

from .. import methods
from ..atomic import read_json, sha256_file, write_json
from ..methods import BASE
from ..scoring.summary import RETENTION_TASK
from ..suite import SUITE_VERSION
from ..suite.generate import SuiteOptions
from ..training.engine import META_FILE
from .continuation import awaited, drop_checkpoints, start_from_twin
from .layout import Layout
from .recipe import AT_COMPUTE, Recipe, method_of


@dataclass(frozen=True)
class Stage:
    kind: str    # generate | train | score | submit: stages of a kind take similar time
    label: str
    done: Callable[[], bool]
    run: Callable[[], None]


def _suite_done(recipe: Recipe, layout: Layout, seed: int) -> bool:
    manifest = read_json(layout.suite(seed) / "manifest.json", default=None)
    want = {**asdict(recipe.suite_options(seed)), "gsm8k": None}
    return bool(manifest) and manifest.get("suite_version") == SUITE_VERSION \
        and manifest.get("options") == want


def _generate(recipe: Recipe, layout: Layout, seed: int) -> None:
    from ..suite.generate import generate_suite

    shutil.rmtree(layout.suite(seed), ignore_errors=True)  # another version's or options' suite
    generate_suite(layout.suite(seed), recipe.suite_options(seed))


def scored_checkpoint(recipe: Recipe, layout: Layout, seed: int, method: str) -> Path:
    """best/ (selected on validation questions) unless the recipe asks for final/ or none exists."""
    run = layout.run(seed, method)
    best = run / "best"
    return best if recipe.score.select == "best" and (best / META_FILE).is_file() else run / "final"


def _train(recipe: Recipe, layout: Layout, seed: int, run: str) -> None:
    from ..training.engine import matched_eval_every, planned_tokens, train

    suite = layout.suite(seed)
    match, budget = None, None
    if run.endswith(AT_COMPUTE):
        match = recipe.train_config(recipe.compute["match"], seed, suite)
        budget = planned_tokens(match)
    config = recipe.train_config(run, seed, suite, budget)
    if match is not None and match.eval_every:
        config = replace(config, eval_every=matched_eval_every(config, match))
    out = layout.run(seed, run)
    twin = recipe.twin(run)
    continues = False
    if twin is not None:
        twin_config = recipe.train_config(twin, seed, suite)
        # when the twin's run is shorter than the budget: else the budget ends inside it
        continues = planned_tokens(twin_config) < config.budget_tokens
        if continues:
            start_from_twin(twin_config, layout.run(seed, twin), out, train)
    # A run directory left by an interrupted stage continues from its last checkpoint; one
    # made with other settings is refused by the engine rather than silently mixed (a
    # continuing run resumes its twin's checkpoint with its own settings on purpose).
    train(config, out, resume=continues)
    for finished in (run, twin):
        if finished is not None and not awaited(recipe, finished, partial(_trained, layout, seed)):
            drop_checkpoints(layout.run(seed, finished))


def _score(recipe: Recipe, layout: Layout, seed: int, name: str) -> None:
    from ..models import default_model_dir
    from ..scoring.run import ScoreOptions, score

    if name == BASE:
        model = str(default_model_dir()) if recipe.model == "default" else recipe.model
    else:
        model = str(scored_checkpoint(recipe, layout, seed, name))
    score(ScoreOptions(model=model, out=layout.score(seed, name), backend=recipe.score.backend,
                       tasks=recipe.score.tasks, batch_size=recipe.score.batch_size,
                       dtype=recipe.score.dtype, baseline=retention_baseline(recipe, layout, seed, name),
                       suite=layout.suite(seed), overwrite=True))


def retention_baseline(recipe: Recipe, layout: Layout, seed: int, name: str) -> Path | None:
    """The base model's score directory, against which a trained model's retention is measured;
    None for the base model itself and for recipes that do not score the retention task."""
    scored = recipe.score.tasks is None or RETENTION_TASK in recipe.score.tasks
    return layout.score(seed, BASE) if name != BASE and scored else None


def base_model_name(model: str) -> str:
    """The leaderboard's name for a base model: no organisation or directories (it forbids "/")."""
    return "SmolLM2-135M-Instruct" if model == "default" else model.rstrip("/\\").split("/")[-1]


def _submitted_index(layout: Layout) -> dict:
    return read_json(layout.submitted, default={})


def _submitted(layout: Layout, seed: int, name: str) -> bool:
    """Done when the submission exists and was made from the score directory as it is now."""
    entry = _submitted_index(layout).get(f"{seed}/{name}")
    summary = layout.score(seed, name) / "summary.json"
    return bool(entry) and summary.is_file() and entry["score_sha256"] == sha256_file(summary) \
        and (layout.submissions / entry["file"]).is_file()


def _submit(recipe: Recipe, recipe_path: Path, layout: Layout, seed: int, name: str) -> None:
    from ..leaderboard import LeaderboardError, SubmissionMeta, create_submission

    index = _submitted_index(layout)
    key = f"{seed}/{name}"
    if key in index and "same_as" not in index[key]:  # made from an earlier score of this
        (layout.submissions / index[key]["file"]).unlink(missing_ok=True)  # model: replaced
    train_meta = read_json(scored_checkpoint(recipe, layout, seed, name) / META_FILE,
                           default={}) if name != BASE else {}
    meta = SubmissionMeta(
        method=method_of(name), base_model=base_model_name(recipe.model),
        training_tokens=train_meta.get("tokens_seen", 0 if name == BASE else None),
        training_flops=train_meta.get("training_flops", 0.0 if name == BASE else None),
        paraphrases=recipe.suite.get("paraphrases", SuiteOptions.paraphrases)
        if name != BASE and methods.get(method_of(name)).rewrites else None,
        notes=f"maskft-bench run {recipe.name}, seed {seed}, {_training_note(train_meta)}",
        model_name=f"{recipe.name}-seed{seed}-{name}", recipe=recipe_path.name, seed=seed,
        suite_dir=layout.suite(seed))
    layout.submissions.mkdir(parents=True, exist_ok=True)
    summary_sha = sha256_file(layout.score(seed, name) / "summary.json")
    try:
        path = create_submission(layout.score(seed, name), layout.submissions, meta)
        index[key] = {"file": path.name, "score_sha256": summary_sha}
    except LeaderboardError as err:
        twin = _own_twin(index, err.__cause__)
        if twin is None:
            raise
        # A compute-matched run whose selected checkpoint is (nearly) the model of another run
        # of this seed, e.g. standard@compute picking a step standard also reached: the board
        # holds one entry for one model, the report still scores both runs.
        index[key] = {"file": index[twin]["file"], "same_as": twin, "score_sha256": summary_sha}
        print(f"[submit] {name} (seed {seed}): not a second entry, {err.__cause__.message}",
              file=sys.stderr, flush=True)
    write_json(layout.submitted, index, sort_keys=True)


def _own_twin(index: dict, rejection: BaseException | None) -> str | None:
    """The key of this run's own entry that `rejection` says the new one duplicates, if any."""
    if getattr(rejection, "rule", None) != "duplicate":
        return None
    return next((key for key, entry in index.items()
                 if entry["file"] == rejection.other and "same_as" not in entry), None)


def _training_note(meta: dict) -> str:
    """What the leaderboard notes say of how long a model trained."""
    if not meta:
        return "before fine-tuning"
    config = meta["config"]
    length = (f"{config['budget_tokens']:,}-token budget (compute-matched), {meta['epoch']:.1f} "
              "epochs" if config.get("budget_tokens") else f"{config['epochs']} epochs")
    return f"{length} at lr {config['learning_rate']}"


def _trained(layout: Layout, seed: int, method: str) -> bool:
    return (layout.run(seed, method) / "final" / META_FILE).is_file()


def _scored(layout: Layout, seed: int, name: str) -> bool:
    return (layout.score(seed, name) / "summary.json").is_file()


def training_order(recipe: Recipe) -> list[str]:
    """The recipe's runs, each compute-matched run that continues a method right after it: the
    checkpoint it continues from stays on the machine that trained it (`run --pack` carries no
    weights), so a run split across machines rarely has to retrain that part."""
    runs = recipe.runs()
    continuing = {run: twin for run in runs if (twin := recipe.twin(run))}
    order = []
    for run in runs:
        if run not in continuing:
            order += [run, *(later for later, twin in continuing.items() if twin == run)]
    return order


def plan(recipe: Recipe, recipe_path: Path, layout: Layout) -> list[Stage]:
    """All stages in run order: per seed, the suite, the base model's score, then each method."""
    stages: list[Stage] = []
    for seed in recipe.seeds:
        stages.append(Stage("generate", f"generate suite (seed {seed})",
                            partial(_suite_done, recipe, layout, seed),
                            partial(_generate, recipe, layout, seed)))
        for name in (BASE, *training_order(recipe)):
            if name != BASE:
                stages.append(Stage("train", f"train {name} (seed {seed})",
                                    partial(_trained, layout, seed, name),
                                    partial(_train, recipe, layout, seed, name)))
            stages.append(Stage("score", f"score {name} (seed {seed})",
                                partial(_scored, layout, seed, name),
                                partial(_score, recipe, layout, seed, name)))
            stages.append(Stage("submit", f"submit {name} (seed {seed})",
                                partial(_submitted, layout, seed, name),
                                partial(_submit, recipe, recipe_path, layout, seed, name)))
    return stages
