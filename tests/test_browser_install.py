"""scripts/browser.sh, which makes the README's test command install the browser test's chromium.

The decision and the commands run through the real script under bash, on a PATH of stand-ins
for `id`, `sudo`, `apt-get` and the browsers (this machine must not lose its real chromium).
"""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "browser.sh"


def _stub(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def _machine(tmp_path: Path, *, uid: int, sudo: str | None, apt: bool | int,
             browsers: tuple[str, ...] = ()) -> tuple[Path, Path]:
    """A bin directory standing for a machine; returns it and the log of apt-get calls.

    sudo: None (not installed), "nopasswd" or "password" (sudo -n refuses); apt: False (no
    apt-get) or the exit code apt-get gives.
    """
    bin_dir, log = tmp_path / "bin", tmp_path / "apt.log"
    bin_dir.mkdir()
    (bin_dir / "env").symlink_to("/usr/bin/env")
    _stub(bin_dir, "id", f'[ "$1" = -u ] && echo {uid}')
    if sudo == "nopasswd":
        _stub(bin_dir, "sudo", f'[ "$1" = -n ] && shift; [ "$1" = true ] && exit 0; '
              f'echo "sudo $*" >> {log}; exec "$@"')
    elif sudo == "password":
        _stub(bin_dir, "sudo", "echo 'sudo: a password is required' >&2; exit 1")
    if apt is not False:
        _stub(bin_dir, "apt-get", f'echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> {log}; '
              f"exit {int(apt)}")
    for name in browsers:
        _stub(bin_dir, name, "exit 0")
    return bin_dir, log


def _run(bin_dir: Path, call: str) -> subprocess.CompletedProcess:
    return subprocess.run(["/bin/bash", "-c", f"source {SCRIPT}; {call}"], capture_output=True,
                          text=True, env={"PATH": str(bin_dir)}, cwd=REPO)


@pytest.mark.parametrize(("machine", "plan"), [
    ({"uid": 1000, "sudo": None, "apt": 0, "browsers": ("chromium", "chromedriver")}, "present"),
    ({"uid": 0, "sudo": None, "apt": 0, "browsers": ("chromium",)}, "root"),
    ({"uid": 1000, "sudo": "nopasswd", "apt": 0}, "sudo"),
    ({"uid": 1000, "sudo": "password", "apt": 0}, "no-permission"),
    ({"uid": 1000, "sudo": None, "apt": 0}, "no-permission"),
    ({"uid": 0, "sudo": None, "apt": False}, "no-apt"),
])
def test_the_plan_follows_what_is_installed_and_who_runs_it(tmp_path, machine, plan):
    bin_dir, _ = _machine(tmp_path, **machine)
    assert _run(bin_dir, "browser_plan").stdout == f"{plan}\n"


def test_root_installs_both_packages_with_apt(tmp_path):
    bin_dir, log = _machine(tmp_path, uid=0, sudo=None, apt=0, browsers=("chromium",))
    result = _run(bin_dir, "ensure_browser")
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == [
        "apt-get update -qq DEBIAN_FRONTEND=",
        "apt-get install -y -qq chromium chromium-driver DEBIAN_FRONTEND=noninteractive"]


def test_passwordless_sudo_installs_through_sudo(tmp_path):
    bin_dir, log = _machine(tmp_path, uid=1000, sudo="nopasswd", apt=0)
    assert _run(bin_dir, "ensure_browser").returncode == 0
    lines = log.read_text().splitlines()
    assert lines[0] == "sudo apt-get update -qq"
    assert lines[2].startswith("sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                               "chromium chromium-driver")


@pytest.mark.parametrize(("machine", "says"), [
    ({"uid": 1000, "sudo": "password", "apt": 0}, "'sudo apt-get install chromium chromium-driver'"),
    ({"uid": 0, "sudo": None, "apt": False}, "there is no apt-get"),
])
def test_a_user_who_may_not_install_gets_one_line_and_a_failure(tmp_path, machine, says):
    bin_dir, log = _machine(tmp_path, **machine)
    result = _run(bin_dir, "ensure_browser")
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1 and says in result.stderr
    assert not log.exists()


def test_a_failed_apt_install_fails_the_command(tmp_path):
    bin_dir, _ = _machine(tmp_path, uid=0, sudo=None, apt=100)
    assert _run(bin_dir, "ensure_browser").returncode != 0


@pytest.mark.slow  # three pytest collections, about 8 s each
@pytest.mark.parametrize(("args", "needed"), [
    ("", True),
    ("tests/test_markdown.py", False),
    ("tests/test_leaderboard_browser.py -m slow", True),
    ("tests/test_leaderboard_browser.py -m 'not slow'", False),
])
def test_the_browser_is_needed_only_when_pytest_would_run_its_test(args, needed):
    """Decided by pytest's own collection of the same arguments (the real pytest)."""
    result = subprocess.run(["/bin/bash", "-c", f"source {SCRIPT}; browser_needed {args}"],
                            cwd=REPO, env=os.environ, capture_output=True, text=True)
    assert (result.returncode == 0) == needed, result.stderr
