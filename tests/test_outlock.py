"""One writer per --out: the lock refuses a second holder, dies with its process, and survives
`--overwrite`, which empties the directory instead of replacing it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from maskft_bench import outdir
from maskft_bench.outlock import BusyError, exclusive


def test_a_second_holder_is_refused_in_one_line_until_the_first_lets_go(tmp_path):
    out = tmp_path / "run"
    with exclusive(out, "run"):
        with pytest.raises(BusyError) as refused, exclusive(out, "train"):
            pytest.fail("two holders at once")
        message = str(refused.value)
        assert "\n" not in message and str(out) in message and "this train another --out" in message
    with exclusive(out, "run"):
        pass


def test_the_lock_dies_with_its_process(tmp_path):
    out = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from maskft_bench.outlock import exclusive\n"
         "with exclusive(Path(sys.argv[1]), 'run'):\n"
         "    print('held', flush=True); sys.stdin.read()", str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(BusyError), exclusive(out, "run"):
            pass
    finally:
        os.kill(holder.pid, signal.SIGKILL)  # no cleanup runs: the kernel drops the lock
        holder.wait()
    with exclusive(out, "run"):
        pass


def test_only_a_directory_the_lock_made_and_left_empty_is_removed(tmp_path):
    made, filled, existing = tmp_path / "made", tmp_path / "filled", tmp_path / "existing"
    existing.mkdir()
    for directory in (made, filled, existing):
        with exclusive(directory, "run"):
            if directory is filled:
                (directory / "pipeline.json").write_text("{}")
    assert not made.exists()
    assert (filled / "pipeline.json").is_file()
    assert existing.is_dir()


def test_overwrite_empties_the_locked_directory_so_the_lock_still_holds(tmp_path):
    out = tmp_path / "run"
    with exclusive(out, "run"):
        (out / "pipeline.json").write_text(json.dumps({"fingerprint": "0123"}))
        (out / "seed0" / "standard").mkdir(parents=True)
        (out / "seed0" / "standard" / "weights").write_text("x")
        (tmp_path / "elsewhere").write_text("kept")
        (out / "link").symlink_to(tmp_path / "elsewhere")
        inode = out.stat().st_ino
        outdir.clear(out, "run")
        assert list(out.iterdir()) == [] and out.stat().st_ino == inode
        assert (tmp_path / "elsewhere").read_text() == "kept"  # the link went, not its target
        with pytest.raises(BusyError), exclusive(out, "run"):
            pass
