"""`leaderboard build --out` must be a directory: anything else is one line, before any work."""

import subprocess
import sys
from pathlib import Path

import pytest

SUBMISSIONS = Path(__file__).resolve().parents[1] / "leaderboard" / "submissions"


@pytest.mark.parametrize("below", ["", "pages"])
def test_build_out_on_a_file_is_one_line(tmp_path, below):
    file = tmp_path / "page.html"
    file.write_text("mine")
    out = file / below if below else file
    done = subprocess.run([sys.executable, "-m", "maskft_bench.cli", "leaderboard", "build",
                           "--submissions", str(SUBMISSIONS), "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        f"maskft-bench leaderboard: error: --out {out}: {file} is a file, not a directory; "
        "give a directory for README.md and index.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["page.html"] and file.read_text() == "mine"
