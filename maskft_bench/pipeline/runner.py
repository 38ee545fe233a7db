"""`maskft-bench run <recipe>`: run the stages in order, skip the finished ones, say how long.

The output directory belongs to one recipe (pipeline.json records its fingerprint); rerunning
the same recipe into it resumes, another recipe is refused unless --overwrite.
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from pathlib import Path

from .. import outdir
from ..atomic import write_json
from ..outlock import exclusive
from .carry import pack, unpack
from .layout import Layout
from .preflight import check, check_claim
from .recipe import Recipe, RecipeError
from .stages import Stage, plan


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def claim(layout: Layout, recipe: Recipe, recipe_path: Path, overwrite: bool) -> None:
    """Take --out for this recipe: refuse another recipe's run or unrelated files, clear it if
    --overwrite may (outdir's rule), then record the recipe in the marker."""
    if check_claim(layout, recipe, overwrite):
        outdir.clear(layout.out, "run")
    layout.out.mkdir(parents=True, exist_ok=True)
    write_json(layout.marker, {"recipe": recipe.name, "recipe_file": str(recipe_path),
                               "fingerprint": recipe.fingerprint(), "machine": platform.platform()})


def dry_run(recipe: Recipe, recipe_path: Path, out: Path | None = None, overwrite: bool = False,
            for_leaderboard: bool = True) -> str:
    """What `run` would do, stage by stage, after the checks it makes before running anything
    (the recipe, every run's settings, the output directory); loads no model, writes nothing."""
    out = out or Path("runs") / recipe.name
    layout = Layout(out)
    check(recipe, layout, overwrite, for_leaderboard)
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


def run(recipe: Recipe, recipe_path: Path, out: Path | None = None, overwrite: bool = False,
        for_leaderboard: bool = True, unpack_from: Path | None = None) -> Path:
    """Check everything (preflight.check), then run every stage that is not done yet and
    rebuild the leaderboard and the report. The output directory defaults to
    runs/<recipe name>; `for_leaderboard` keeps the suites within the leaderboard's limits;
    `unpack_from` first fills the empty --out with a state `pack` wrote (carry.py)."""
    from ..leaderboard import build_leaderboard
    from .report import write_report

    out = out or Path("runs") / recipe.name
    layout = Layout(out)
    if unpack_from and overwrite:
        raise RecipeError("--unpack fills an empty --out; it does not combine with --overwrite")
    check(recipe, layout, overwrite, for_leaderboard)
    if unpack_from:  # before the lock: unpacking replaces the empty --out as a whole
        print(f"[run] {unpack(unpack_from, recipe, layout)}", file=sys.stderr, flush=True)
    with exclusive(out, "run"):
        claim(layout, recipe, recipe_path, overwrite)
        stages = plan(recipe, recipe_path, layout)
        progress = Progress(stages)
        print(f"[run] {recipe.name}: {len(recipe.seeds)} seed(s) x (base + "
              f"{', '.join(recipe.runs())}) -> {out}", file=sys.stderr, flush=True)
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


def pack_run(recipe: Recipe, archive: Path, out: Path | None = None) -> str:
    """Pack the finished stages of this recipe's run in --out for another machine (carry.py)."""
    layout = Layout(out or Path("runs") / recipe.name)
    check_claim(layout, recipe, overwrite=False)  # refuses another recipe's run
    return pack(layout, archive)
