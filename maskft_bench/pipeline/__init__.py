"""The main job: suite -> base score -> train each method -> score -> leaderboard -> report."""

from .recipe import Recipe, RecipeError, load
from .runner import dry_run, pack_run, run

__all__ = ["Recipe", "RecipeError", "dry_run", "load", "pack_run", "run"]
