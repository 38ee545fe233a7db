"""`maskft-bench leaderboard build`: README.md and index.html from the accepted submissions.

The output is a pure function of the submission files (no build time, stable order), so CI
can rebuild it and compare bytes with what is committed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ..atomic import write_text
from .errors import LeaderboardError
from .render_html import render_html
from .render_markdown import render_markdown
from .reproductions import load_records, mark
from .table import boards
from .validation import validate_submissions
from .verdict import Verdict

# The page's JavaScript libraries live in the repository (leaderboard/vendor/), not the package.
VENDOR_DIR = Path(__file__).resolve().parents[2] / "leaderboard" / "vendor"


def submission_files(submissions_dir: Path) -> list[Path]:
    """Every entry of the directory, sorted: anything that is not a submission gets rejected."""
    if not submissions_dir.is_dir():
        raise LeaderboardError(f"{submissions_dir}: not a directory of submissions")
    return sorted(submissions_dir.iterdir())


def validate_files(files: list[Path], submissions_dir: Path) -> list[Verdict]:
    """`leaderboard validate`: the files given, checked against the others in
    `submissions_dir` (duplicates, base entries); with no files given, every file there.
    Nothing to check is an error: a CI job pointed at the wrong directory must not pass."""
    on_board = submission_files(submissions_dir) if submissions_dir.is_dir() else []
    if not files:
        if not on_board:
            raise LeaderboardError(f"no submissions to check: {submissions_dir} holds none; give "
                                   "the files to check or --submissions DIR")
        return validate_submissions(on_board)
    given = {f.resolve() for f in files}
    return validate_submissions(files, against=[p for p in on_board if p.resolve() not in given])


def _vendor(out_dir: Path) -> None:
    if not VENDOR_DIR.is_dir():
        raise LeaderboardError(f"{VENDOR_DIR} is missing: build from a clone of the repository")
    target = out_dir / "vendor"
    if target.resolve() != VENDOR_DIR:
        shutil.copytree(VENDOR_DIR, target, dirs_exist_ok=True)


def build_leaderboard(submissions_dir: Path, out_dir: Path) -> list[Path]:
    """Validate every submission, then write README.md and index.html (plus vendor/ when
    `out_dir` is not the repository's leaderboard/) with the reproduction records beside the
    submissions; refuses if any file is rejected or a record belongs to no entry."""
    out_dir = Path(out_dir)
    _check_out(out_dir)
    verdicts = validate_submissions(submission_files(Path(submissions_dir)))
    rejected = [v for v in verdicts if not v.accepted]
    if rejected:
        raise LeaderboardError(f"refusing to build: {len(rejected)} rejected submission(s), "
                               f"first: {rejected[0].line()}")
    board_list = boards(mark((v.entry for v in verdicts), load_records(Path(submissions_dir))))
    written = []
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        _vendor(out_dir)
        for name, text in (("README.md", render_markdown(board_list)),
                           ("index.html", render_html(board_list))):
            write_text(out_dir / name, text)
            written.append(out_dir / name)
    except OSError as err:
        raise LeaderboardError(f"--out {out_dir}: cannot write there ({err.strerror or err})") \
            from err
    return written


def _check_out(out_dir: Path) -> None:
    """Refuse before validating: the pages go into a directory, new or existing."""
    existing = next(p for p in [out_dir, *out_dir.parents] if p.exists())
    if not existing.is_dir():
        raise LeaderboardError(f"--out {out_dir}: {existing} is a file, not a directory; give "
                               "a directory for README.md and index.html")
