"""The main job: suite -> base score -> train each method -> score -> leaderboard -> report."""

from .recipe import Recipe, RecipeError, load
from .runner import run

__all__ = ["Recipe", "RecipeError", "load", "run"]
