"""Pipeline recipes: which suite, which methods, which seeds, how to train and score.

A recipe is one YAML file (shipped in maskft_bench/recipes/pipeline/, so a wheel install has
them too). Its `train:` block is a training recipe
exactly as `maskft-bench train --config` reads it (TrainConfig settings plus `per_method:`),
so one run of the pipeline and a hand-run `maskft-bench train` follow the same layering rule.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import yaml

from .. import methods
from ..errors import MaskftError, brief
from ..leaderboard.limits import identifier_problem
from ..settings import typed
from ..suite.generate import SuiteOptions
from ..training.config import ConfigError, TrainConfig, resolve_config

RECIPES_DIR = Path(__file__).resolve().parents[1] / "recipes" / "pipeline"
SELECT = ("best", "final")
AT_COMPUTE = "@compute"  # run name suffix: the method trained to the recipe's token budget


def method_of(run: str) -> str:
    """The training method of a run name ("standard@compute" -> "standard")."""
    return run.removesuffix(AT_COMPUTE)


class RecipeError(MaskftError, ValueError):
    pass


@dataclass(frozen=True)
class ScoreSettings:
    """How every model of the run is scored (see `maskft-bench score --help`).

    backend (str, defaults to "auto"): vllm with a GPU, else hf.
    tasks (tuple, optional): test tasks; default: the whole test group plus retention.
    batch_size (str, defaults to "32").
    dtype (str, defaults to "auto"): the weights' dtype while scoring. Trained checkpoints are
        saved in float32 while the embedded model ships in bfloat16, so a recipe that scores
        both should name one dtype for all of them.
    select (str, defaults to "best"): the checkpoint scored for a trained method: "best" on
        the validation questions (the paper's protocol) or "final".
    """

    backend: str = "auto"
    tasks: tuple[str, ...] | None = None
    batch_size: str = "32"
    dtype: str = "auto"
    select: str = "best"


@dataclass(frozen=True)
class Recipe:
    """One pipeline run: the base model, then each method trained and scored, for every seed.

    name (str): the recipe's name, used in the report and the leaderboard notes.
    model (str, defaults to "default"): base model directory or hub id.
    seeds (tuple): each seed generates its own suite (fresh fictional people) and trains with
        that seed, so the spread covers both data and training randomness.
    suite (dict): SuiteOptions fields except seed (bio_people, namedesc, paraphrases, math_*).
    methods (tuple): training methods, in the order they run.
    train (dict): a training recipe (TrainConfig settings and `per_method:`), inline or as the
        path of a training recipe file relative to the pipeline recipe; model, data, method and
        seed are set by the pipeline.
    score (ScoreSettings).
    compute (dict, optional): {match: M, methods: [...]}. The budget is the tokens method M
        trains on at the recipe's settings (its corpus x epochs, per seed); each listed method
        is trained to that budget, as the run `<method>@compute`, which continues the
        method's equal-epochs run when the recipe has one (continuation.py). A compute-matched
        run validates at M's token spacing (a round each time M has one; stages._train), so
        every method at equal compute picks from as many rounds. The report then gives two
        verdicts: at equal epochs (`methods`) and at equal compute (M and the @compute runs).
    """

    name: str
    seeds: tuple[int, ...]
    methods: tuple[str, ...]
    model: str = "default"
    suite: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)
    score: ScoreSettings = ScoreSettings()
    compute: dict = field(default_factory=dict)

    def runs(self) -> tuple[str, ...]:
        """Every training run, in order: the methods at the recipe's epochs, then the
        compute-matched runs."""
        return (*self.methods, *(f"{m}{AT_COMPUTE}" for m in self.compute.get("methods", ())))

    def twin(self, run: str) -> str | None:
        """The equal-epochs run a compute-matched run continues (continuation.py), if the
        recipe trains one."""
        method = method_of(run)
        return method if run.endswith(AT_COMPUTE) and method in self.methods else None

    def suite_options(self, seed: int) -> SuiteOptions:
        return SuiteOptions(seed=seed, **self.suite)

    def train_config(self, run: str, seed: int, suite: Path, budget: int | None = None
                     ) -> TrainConfig:
        """The settings of a run; a compute-matched run also needs its token budget."""
        overrides = {"method": method_of(run), "seed": seed, "data": str(suite),
                     "model": self.model, "budget_tokens": budget}
        return resolve_config(self.train, overrides)

    def fingerprint(self) -> str:
        """Identifies the run: an output directory holds one recipe's results, never a mix.

        Seeds are left out on purpose: running the same recipe with more seeds into the same
        directory adds them to the report.
        """
        settings = {k: v for k, v in asdict(self).items() if k != "seeds"}
        return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str)
                              .encode()).hexdigest()[:16]


def resolve_path(name_or_path: str) -> Path:
    """A recipe file, or the name of one shipped with the package ("cpu-default")."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = RECIPES_DIR / f"{name_or_path}.yaml"
    if shipped.is_file():
        return shipped
    names = sorted(p.stem for p in RECIPES_DIR.glob("*.yaml")) if RECIPES_DIR.is_dir() else []
    raise RecipeError(f"no recipe file {name_or_path!r} and no shipped recipe of that name "
                      f"(shipped: {', '.join(names) or 'none found'})")


def _tuple(value: object, key: str, kind: type) -> tuple:
    items = value if isinstance(value, list | tuple) else [value]
    if not items or not all(isinstance(v, kind) and not isinstance(v, bool) for v in items):
        raise RecipeError(f"{key}: expected a non-empty list of {kind.__name__}, got {value!r}")
    return tuple(items)


def _train_settings(value: object, source: Path) -> dict:
    if isinstance(value, str):
        path = source.parent / value
        try:
            value = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as err:
            raise RecipeError(f"{source}: train: {err}") from err
    if not isinstance(value, dict):
        raise RecipeError(f"{source}: train: expected settings or the path of a training recipe")
    return value


def parse(data: object, source: Path) -> Recipe:
    """Check everything a run needs before anything runs: a typo fails now, not an hour in."""
    if not isinstance(data, dict):
        raise RecipeError(f"{source}: expected a mapping")
    known = {f.name for f in fields(Recipe)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise RecipeError(f"{source}: unknown key {unknown[0]!r} (keys: {', '.join(sorted(known))})")
    for key in ("name", "seeds", "methods"):
        if key not in data:
            raise RecipeError(f"{source}: missing {key!r}")
    for key in ("name", "model"):
        if not isinstance(data.get(key, "default"), str):
            raise RecipeError(f"{source}: {key}: expected text, got {brief(data[key])}")
    problem = identifier_problem("name", data["name"])  # it names leaderboard entries
    if problem:
        raise RecipeError(f"{source}: {problem}")
    names = _tuple(data["methods"], "methods", str)
    for name in names:
        try:
            methods.get(name)
        except methods.MethodError as err:
            raise RecipeError(f"{source}: {err}") from None
    suite = _block(data, "suite", SuiteOptions, {"seed", "gsm8k"}, source)
    score = _block(data, "score", ScoreSettings, set(), source)
    if score.get("select", "best") not in SELECT:
        raise RecipeError(f"{source}: score.select must be best or final")
    if "tasks" in score and not score["tasks"] and score["tasks"] is not None:
        raise RecipeError(f"{source}: score.tasks: expected a non-empty list of tasks or none")
    recipe = Recipe(name=str(data["name"]), seeds=_tuple(data["seeds"], "seeds", int),
                    methods=names, model=str(data.get("model", "default")), suite=suite,
                    train=_train_settings(data.get("train") or {}, source), score=ScoreSettings(**score),
                    compute=_compute(data.get("compute"), names, source))
    if isinstance(data.get("train"), dict):
        _per_method_in_recipe(recipe, source)
    for run in recipe.runs():  # every run's settings must resolve (unknown keys, bad values)
        try:
            config = recipe.train_config(run, recipe.seeds[0], Path("."))
        except ConfigError as err:
            raise RecipeError(f"{source}: train ({run}): {err}") from err
        if run == recipe.compute.get("match") and (config.max_steps > 0 or config.budget_tokens):
            raise RecipeError(f"{source}: compute.match {run!r} must train by epochs (its corpus x "
                              "epochs is the budget), not by max_steps or budget_tokens")
    return recipe


def _block(data: dict, key: str, cls: type, excluded: set[str], source: Path) -> dict:
    """The `suite:` or `score:` mapping, each value typed as `cls`'s field of that name."""
    value = data.get(key) or {}
    names = {f.name for f in fields(cls)} - excluded
    if not isinstance(value, dict) or set(value) - names:
        raise RecipeError(f"{source}: {key}: expected some of {', '.join(sorted(names))}")
    try:
        return typed(cls, value)
    except ConfigError as err:
        raise RecipeError(f"{source}: {key}: {err}") from None


def _per_method_in_recipe(recipe: Recipe, source: Path) -> None:
    """An inline `train:` block's per_method keys name the recipe's own methods (a shared
    train/*.yaml file may hold settings for methods other recipes run)."""
    runs = {method_of(run) for run in recipe.runs()}
    for key in recipe.train.get("per_method") or {}:
        if key not in runs:
            close = difflib.get_close_matches(str(key), sorted(runs), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise RecipeError(f"{source}: train.per_method: {brief(key)} is not one of the "
                              f"recipe's methods ({', '.join(sorted(runs))}){hint}")


def _compute(value: object, names: tuple[str, ...], source: Path) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) != {"match", "methods"}:
        raise RecipeError(f"{source}: compute: expected {{match: METHOD, methods: [METHOD, ...]}}")
    match, budgeted = value["match"], _tuple(value["methods"], "compute.methods", str)
    for name in (match, *budgeted):
        try:
            methods.get(name)
        except methods.MethodError as err:
            raise RecipeError(f"{source}: compute: {err}") from None
    if match not in names:
        raise RecipeError(f"{source}: compute.match {match!r} must be one of the recipe's methods")
    if match in budgeted:
        raise RecipeError(f"{source}: compute: {match!r} sets the budget; it is not trained to it again")
    return {"match": match, "methods": list(budgeted)}


def load(name_or_path: str, seeds: tuple[int, ...] | None = None) -> tuple[Recipe, Path]:
    """A recipe and its file; `seeds` (`maskft-bench run --seeds`) replace the recipe's."""
    path = resolve_path(name_or_path)
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise RecipeError(f"{path}: {err}") from err
    recipe = parse(data, path)
    return (replace(recipe, seeds=seeds) if seeds else recipe), path
