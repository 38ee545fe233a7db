"""A pipeline run without its weights, packed on one machine and continued on another.

Some recipes (cpu-paper) take longer than one machine lives. What later stages and the report
read from a finished stage is small: the suite, the score directories, the training metrics
and checkpoint metadata, the leaderboard entries. Weights are needed only until their model
is scored. So the carried state is one reproducible tar.gz of the finished stages: a
training run travels (metrics.jsonl and its maskft-*.json files, no weights) only once its
model was scored, and one that was not scored stays behind and trains again. Unpacking
checks every member before anything is written and fills an empty --out in one rename.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import tarfile
from pathlib import Path, PurePosixPath

from ..atomic import staged_directory, write_bytes
from ..errors import brief
from ..training.engine import META_FILE
from .layout import Layout
from .recipe import Recipe, RecipeError

RUN_FILES = ("metrics.jsonl", "maskft-run.json", f"best/{META_FILE}", f"final/{META_FILE}")
# What an archive may hold, relative to the run directory; anything else is refused.
ALLOWED = re.compile(
    r"pipeline\.json|report\.md|figures/[\w.-]+|leaderboard(/[\w.@-]+)+"
    r"|seed-\d+/(suite|scores/[\w.@-]+)(/[\w.@-]+)+"
    r"|seed-\d+/runs/[\w.@-]+/(" + "|".join(re.escape(f) for f in RUN_FILES) + ")")
MAX_MEMBERS = 20_000
MAX_BYTES = 512 * 2**20  # unpacked; a carried run of cpu-paper is a few MB


def _files_under(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file() and not p.is_symlink()) \
        if directory.is_dir() else []


def carried_files(layout: Layout) -> list[Path]:
    """Every file of `layout` that the carried state holds, in a fixed order."""
    out = layout.out
    files = [p for p in (layout.marker, layout.report) if p.is_file()]
    files += _files_under(layout.figures) + _files_under(layout.leaderboard)
    for seed in layout.seeds():
        if (layout.suite(seed) / "manifest.json").is_file():
            files += _files_under(layout.suite(seed))
        scores = layout.seed_dir(seed) / "scores"
        for score in sorted(scores.iterdir()) if scores.is_dir() else []:
            if score.name.startswith(".") or not (score / "summary.json").is_file():
                continue  # unfinished (a hidden staging directory, or no summary yet)
            files += _files_under(score)
            run = layout.run(seed, score.name)
            if (run / "final" / META_FILE).is_file():
                files += [run / f for f in RUN_FILES if (run / f).is_file()]
    strange = [f for f in files if not ALLOWED.fullmatch(f.relative_to(out).as_posix())]
    if strange:
        raise RecipeError(f"--pack: {brief(strange[0])} is not a file a run writes; move it out of "
                          f"{brief(out)} first")
    return files


def pack(layout: Layout, archive: Path) -> str:
    """Write the carried state of the run in `layout.out` to `archive` (atomically); the same
    run packs to the same bytes, so a committed state changes only when the run does."""
    if not layout.marker.is_file():
        raise RecipeError(f"--out {brief(layout.out)}: no pipeline run there to pack")
    files = carried_files(layout)
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in files:
            info = tarfile.TarInfo(path.relative_to(layout.out).as_posix())
            data = path.read_bytes()
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    write_bytes(archive, buffer.getvalue())
    return f"packed {len(files)} files of {layout.out} into {archive} ({len(buffer.getvalue()):,} bytes)"


def _checked_members(tar: tarfile.TarFile, source: Path) -> list[tarfile.TarInfo]:
    members, total = [], 0
    for count, member in enumerate(tar, start=1):
        name = member.name
        path = PurePosixPath(name)
        if count > MAX_MEMBERS:  # directories count too: they cost a pass each
            raise RecipeError(f"--unpack {brief(source)}: more than {MAX_MEMBERS:,} members")
        if member.isdir():
            continue
        if not member.isfile() or path.is_absolute() or ".." in path.parts \
                or not ALLOWED.fullmatch(name):
            raise RecipeError(f"--unpack {brief(source)}: member {brief(name)} is not part of a "
                              "carried run (files of its stages only, no links, no weights)")
        total += member.size
        if total > MAX_BYTES:
            raise RecipeError(f"--unpack {brief(source)}: more than {MAX_BYTES // 2**20} MiB unpacked")
        members.append(member)
    return members


def unpack(archive: Path, recipe: Recipe, layout: Layout) -> str:
    """Fill the empty or missing `layout.out` from `archive`, a state `pack` wrote for this
    recipe; refuses anything else before writing."""
    out = layout.out
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise RecipeError(f"--out {brief(out)}: --unpack fills an empty or new directory only")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = _checked_members(tar, archive)
            marker = next((m for m in members if m.name == layout.marker.name), None)
            if marker is None:
                raise RecipeError(f"--unpack {brief(archive)}: holds no pipeline.json")
            recorded = json.loads(tar.extractfile(marker).read()).get("fingerprint")
            if recorded != recipe.fingerprint():
                raise RecipeError(f"--unpack {brief(archive)}: packed from another recipe or other "
                                  f"settings than {recipe.name}'s")
            with staged_directory(out) as stage:
                tar.extractall(stage, members=members, filter="data")
    except RecipeError:
        raise
    except (OSError, tarfile.TarError, EOFError, ValueError) as err:
        raise RecipeError(f"--unpack {brief(archive)}: not a packed run ({err})") from None
    return f"unpacked {len(members)} files of {archive} into {out}"
