"""`maskft-bench generate` knows its size before it works, streams what it writes, cleans up
after SIGTERM as after Ctrl-C, and makes directories as the umask says."""

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from maskft_bench.cli import main
from maskft_bench.suite import budget
from maskft_bench.suite.generate import SuiteOptions

REPO = Path(__file__).resolve().parents[1]
TINY = ["--bio-people", "3", "--namedesc", "1", "--math-train", "2", "--math-val", "1",
        "--math-test", "1"]


def cli(*args: str, umask: int | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "maskft_bench.cli", *args],
                          capture_output=True, text=True, cwd=REPO, timeout=600,
                          preexec_fn=None if umask is None else lambda: os.umask(umask))


def one_line_error(done: subprocess.CompletedProcess, code: int = 2) -> str:
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.parametrize(("flag", "value", "limit"), [
    ("--bio-people", "100000000", "between 1 and 1,000,000"),
    ("--paraphrases", "1000000", "between 0 and 1,000"),
    ("--math-train", "100000000", "between 1 and 100,000"),
])
def test_oversized_options_are_refused_at_once_with_the_estimate(tmp_path, capsys, flag, value,
                                                                 limit):
    out = tmp_path / "new" / "suite"
    start = time.process_time()  # CPU time: other jobs sharing the CPU do not count
    assert main(["generate", "--out", str(out), flag, value]) == 2
    assert time.process_time() - start < 1  # arithmetic only; the interpreter's start aside
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and f"{flag} must be {limit}, got {int(value):,}" in lines[0]
    assert "on disk and" in lines[0] and "of memory" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_the_console_refuses_in_one_line(tmp_path):
    line = one_line_error(cli("generate", "--out", str(tmp_path / "suite"), "--bio-people",
                              "100000000"))
    assert line.startswith("maskft-bench generate: error: --bio-people must be between 1 and "
                           "1,000,000, got 100,000,000 (these options would take about ")
    assert list(tmp_path.iterdir()) == []


def test_a_suite_larger_than_the_free_disk_is_refused_before_work(tmp_path):
    people, paraphrases = budget.LIMITS["bio_people"][1], budget.LIMITS["paraphrases"][1]
    largest = budget.estimate(SuiteOptions(bio_people=people, paraphrases=paraphrases))
    free = shutil.disk_usage(tmp_path).free
    if largest.bytes <= free:
        pytest.skip(f"{free:,} bytes free: more than the largest suite the limits allow")
    line = one_line_error(cli("generate", "--out", str(tmp_path / "suite"), "--off-leaderboard",
                              "--bio-people", str(people), "--paraphrases", str(paraphrases)))
    assert f"--out {tmp_path / 'suite'}: the suite needs about " in line
    assert "free there" in line
    assert list(tmp_path.iterdir()) == []


def test_refusal_rules():
    """The limits are inclusive; disk, then memory, are checked against the estimate."""
    top = SuiteOptions(bio_people=1_000_000, paraphrases=1_000, math_train=100_000)
    out = Path("suite")
    assert budget.refusal(top, out, free_disk=10**15, free_memory=10**12) is None
    over = SuiteOptions(bio_people=1_000_001)
    assert "--bio-people must be between 1 and 1,000,000, got 1,000,001" in \
        budget.refusal(over, out, 10**15, None)
    size = budget.estimate(SuiteOptions())
    assert "more than the 1.0 MB free there" in budget.refusal(SuiteOptions(), out, 10**6, None)
    assert "more than the 1.0 MB of memory available" in \
        budget.refusal(SuiteOptions(), out, size.bytes, 10**6)
    assert budget.refusal(SuiteOptions(), out, size.bytes, size.memory) is None


def tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts)


def test_size_estimate_errs_a_little_towards_refusing(tmp_path):
    """Calibration check: on the shipped suite (the defaults) and on a 1,000-person suite the
    estimate is at least the real size and at most 20% above it."""
    from maskft_bench.suite.generate import generate_suite

    options = SuiteOptions(bio_people=1000, math_train=100)
    generate_suite(tmp_path / "suite", options, quiet=True)
    for estimate, actual in ((budget.estimate(SuiteOptions()).bytes, tree_bytes(REPO / "tasks")),
                             (budget.estimate(options).bytes, tree_bytes(tmp_path / "suite"))):
        assert actual <= estimate <= 1.2 * actual, (estimate, actual)


# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child of this test process
# would report at least the test process's own peak.
PEAK = """
import sys
from pathlib import Path
from maskft_bench.suite.generate import SuiteOptions, generate_suite
generate_suite(Path(sys.argv[1]), SuiteOptions(bio_people=int(sys.argv[2]), math_train=100),
               quiet=True)
status = Path("/proc/self/status").read_text().splitlines()
print(next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:")))
"""


def test_memory_stays_flat_as_people_grow(tmp_path):
    """Peak RSS (VmHWM) of fresh processes at 500 and 5,000 people: records are streamed, so memory
    grows by the people alone (about 0.6 KB each; 16 KB when every record was held), and
    stays under the estimate."""
    peaks = {}
    for n in (500, 5000):
        done = subprocess.run([sys.executable, "-c", PEAK, str(tmp_path / str(n)), str(n)],
                              capture_output=True, text=True, check=True, cwd=REPO)
        peaks[n] = int(done.stdout)
        assert peaks[n] <= budget.estimate(SuiteOptions(bio_people=n, math_train=100)).memory
    assert (peaks[5000] - peaks[500]) / 4500 < 4000, peaks


def staging_dirs(parent: Path, name: str) -> list[Path]:
    return [p for p in parent.iterdir() if p.name.startswith(f".{name}.")]


def test_sigterm_during_generate_leaves_nothing(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "maskft_bench.cli", "generate", "--out", str(tmp_path / "suite"),
         "--quiet", "--off-leaderboard", "--bio-people", "5000"],
        stderr=subprocess.PIPE, text=True, cwd=REPO)
    deadline = time.monotonic() + 600  # other jobs may share the CPU
    while not staging_dirs(tmp_path, "suite"):
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "no staging directory appeared"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    stderr = process.communicate(timeout=120)[1]
    assert process.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines() == ["maskft-bench: terminated; nothing half-written "
                                           "was kept"]
    assert list(tmp_path.iterdir()) == []


def test_suite_modes_follow_the_umask(tmp_path):
    out = tmp_path / "suite"
    done = cli("generate", "--out", str(out), "--quiet", *TINY, umask=0o027)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert stat.S_IMODE((out / "data" / "bio").stat().st_mode) == 0o750
    assert stat.S_IMODE((out / "manifest.json").stat().st_mode) == 0o640
    assert json.loads((out / "manifest.json").read_text())["counts"]["bio/people.jsonl"] == 3
