"""`maskft-bench run <recipe>`: run the stages in order, skip the finished ones, say how long.

The output directory belongs to one recipe (pipeline.json records its fingerprint); rerunning
the same recipe into it resumes, another recipe is refused unless --overwrite.
"""

from __future__ import annotations

import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

from ..atomic import read_json, write_json
from .layout import Layout
from .recipe import Recipe, RecipeError
from .stages import Stage, plan


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def check_out(layout: Layout, recipe: Recipe, overwrite: bool) -> None:
    """Refuse a directory that holds another recipe's run or unrelated files (reads only)."""
    out = layout.out
    if out.exists() and not out.is_dir():
        raise RecipeError(f"--out {out}: exists and is not a directory")
    previous = None
    if layout.marker.is_file():
        previous = read_json(layout.marker).get("fingerprint")
    elif out.is_dir() and any(out.iterdir()) and not overwrite:
        raise RecipeError(f"--out {out}: not empty and not a pipeline run; choose another "
                          "directory or pass --overwrite")
    if previous not in (None, recipe.fingerprint()) and not overwrite:
        raise RecipeError(f"--out {out}: holds a run of another recipe (or other settings); "
                          "choose another directory or pass --overwrite")


def claim(layout: Layout, recipe: Recipe, recipe_path: Path, overwrite: bool) -> None:
    """Take the output directory for this recipe (check_out's rules), recording which it is."""
    check_out(layout, recipe, overwrite)
    out = layout.out
    if overwrite and out.is_dir():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(layout.marker, {"recipe": recipe.name, "recipe_file": str(recipe_path),
                               "fingerprint": recipe.fingerprint(), "machine": platform.platform()})


def dry_run(recipe: Recipe, recipe_path: Path, out: Path | None = None, overwrite: bool = False
            ) -> str:
    """What `run` would do, stage by stage, after the checks it makes before running anything
    (the recipe, every run's settings, the output directory); loads no model, writes nothing."""
    out = out or Path("runs") / recipe.name
    layout = Layout(out)
    check_out(layout, recipe, overwrite)
    stages = plan(recipe, recipe_path, layout)
    done = {i for i, stage in enumerate(stages) if not overwrite and stage.done()}
    lines = [f"recipe {recipe.name} ({recipe_path}): {len(recipe.seeds)} seed(s) x (base + "
             f"{', '.join(recipe.runs())}) -> {out}",
             *(f"[{i + 1}/{len(stages)}] {stage.label}: {'done, skipped' if i in done else 'to run'}"
               for i, stage in enumerate(stages)),
             f"dry run: {len(stages) - len(done)} of {len(stages)} stages to run; nothing was written"]
    return "\n".join(lines)


class Progress:
    """One line per stage: what ran, how long, total elapsed and an estimate of what is left.

    The estimate adds the mean measured time of each remaining stage's kind; kinds not timed
    yet in this run are counted, not guessed.
    """

    def __init__(self, stages: list[Stage], stream=sys.stderr):
        self.stages, self.stream = stages, stream
        self.start = time.perf_counter()
        self.took: dict[str, list[float]] = {}

    def _left(self, index: int) -> str:
        remaining = self.stages[index + 1:]
        if not remaining:
            return "nothing"
        timed = sum(statistics.fmean(self.took[s.kind]) for s in remaining if s.kind in self.took)
        untimed: dict[str, int] = {}
        for stage in remaining:
            if stage.kind not in self.took:
                untimed[stage.kind] = untimed.get(stage.kind, 0) + 1
        text = f"~{_clock(timed)}"
        if untimed:
            text += " + not yet timed: " + ", ".join(f"{n} {k}" for k, n in untimed.items())
        return text

    def line(self, index: int, message: str) -> None:
        print(f"[{index + 1}/{len(self.stages)}] {self.stages[index].label}: {message}",
              file=self.stream, flush=True)

    def ran(self, index: int, seconds: float) -> None:
        self.took.setdefault(self.stages[index].kind, []).append(seconds)
        elapsed = time.perf_counter() - self.start
        self.line(index, f"done in {_clock(seconds)} | elapsed {_clock(elapsed)} | "
                         f"left {self._left(index)}")


def run(recipe: Recipe, recipe_path: Path, out: Path | None = None, overwrite: bool = False
        ) -> Path:
    """Run every stage that is not done yet, then rebuild the leaderboard and the report.
    The output directory defaults to runs/<recipe name>."""
    from ..leaderboard import build_leaderboard
    from .report import write_report

    out = out or Path("runs") / recipe.name
    layout = Layout(out)
    claim(layout, recipe, recipe_path, overwrite)
    stages = plan(recipe, recipe_path, layout)
    progress = Progress(stages)
    print(f"[run] {recipe.name}: {len(recipe.seeds)} seed(s) x (base + {', '.join(recipe.runs())})"
          f" -> {out}", file=sys.stderr, flush=True)
    for index, stage in enumerate(stages):
        if stage.done():
            progress.line(index, "already done, skipped")
            continue
        progress.line(index, "running")
        began = time.perf_counter()
        stage.run()
        progress.ran(index, time.perf_counter() - began)
    build_leaderboard(layout.submissions, layout.leaderboard)
    report = write_report(recipe, recipe_path, layout)
    print(f"[run] done in {_clock(time.perf_counter() - progress.start)}: {report}",
          file=sys.stderr, flush=True)
    return report
