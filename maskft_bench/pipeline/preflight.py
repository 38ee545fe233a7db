"""Everything `maskft-bench run` can check before its first stage, for every seed.

A run's stages take minutes to hours, so a value that would fail in stage 9 (the second
seed's suite, a compute-matched run's settings, the scoring dtype) must fail before stage 1,
and `--overwrite` must know it may delete --out before anything is deleted.
"""

from __future__ import annotations

from .. import outdir
from ..atomic import read_json
from ..errors import MaskftError, brief
from ..model_ref import check_model_ref
from ..scoring.run import ScoreOptions
from ..suite_limits import check_suite_options
from .layout import Layout
from .recipe import Recipe, RecipeError


def check_claim(layout: Layout, recipe: Recipe, overwrite: bool) -> bool:
    """Refuse an --out holding another recipe's run or unrelated files (with --overwrite:
    anything outdir's rule may not delete). Deletes nothing; returns whether to clear --out."""
    out = layout.out
    if overwrite:
        return outdir.check_replaceable(out, "run")
    if out.exists() and not out.is_dir():
        raise RecipeError(f"--out {brief(out)}: exists and is not a directory")
    if layout.marker.is_file():
        if read_json(layout.marker).get("fingerprint") not in (None, recipe.fingerprint()):
            raise RecipeError(f"--out {brief(out)}: holds a run of another recipe (or other "
                              "settings); choose another directory or pass --overwrite")
    elif out.is_dir() and any(out.iterdir()):
        raise RecipeError(f"--out {brief(out)}: not empty and not a pipeline run; choose another "
                          "directory or pass --overwrite")
    return False


def _scoring(recipe: Recipe, layout: Layout) -> None:
    """The recipe's score settings, as `maskft-bench score` would read them."""
    settings = recipe.score
    try:
        ScoreOptions(model=recipe.model, out=layout.out, backend=settings.backend,
                     tasks=settings.tasks, batch_size=settings.batch_size, dtype=settings.dtype)
    except MaskftError as err:
        raise RecipeError(f"score: {err}") from None


def check(recipe: Recipe, layout: Layout, overwrite: bool, for_leaderboard: bool = True) -> bool:
    """Check the model, the scoring settings, every seed's suite options and every run's
    training settings, then --out; returns whether --out must be cleared (check_claim)."""
    check_model_ref(recipe.model)
    _scoring(recipe, layout)
    for seed in recipe.seeds:
        try:
            check_suite_options(recipe.suite_options(seed), for_leaderboard)
        except MaskftError as err:
            raise RecipeError(f"suite (seed {seed}): {err}") from None
        for run in recipe.runs():
            try:
                recipe.train_config(run, seed, layout.suite(seed))
            except MaskftError as err:
                raise RecipeError(f"train ({run}, seed {seed}): {err}") from None
    return check_claim(layout, recipe, overwrite)
