"""The package as a wheel user gets it: built from the files git would ship, installed into a
fresh venv outside the repository, run from another directory.

Offline: the venv gets the wheel alone (`pip install --no-deps --no-index`), then a .pth file
naming this venv's site-packages lends it the dependencies already on disk. A path in a .pth is
only added to sys.path (its own .pth files are not run), so this checkout's editable install
stays inactive there and every `maskft_bench` import comes from the wheel.
"""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # builds a wheel and scores two questions with the default model


def _shipped_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout
    return [f for f in listed.split("\0") if f and (REPO / f).is_file()]


def _clean_env() -> dict[str, str]:
    """Without this checkout on PYTHONPATH: pip would take it for the installed package."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    for name in _shipped_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(root / "dist"), str(source)], check=True, env=_clean_env())
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, env=_clean_env())
    wheel = next((root / "dist").glob("maskft_bench-*.whl"))
    subprocess.run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, env=_clean_env())
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "shared_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def _run(venv: Path, cwd: Path, *command: str) -> str:
    env = _clean_env()
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{command}: {result.stderr[-3000:]}"
    return result.stdout


def test_the_wheel_runs_from_another_directory(venv, tmp_path):
    site = next(venv.glob("lib/python*/site-packages"))
    imported = _run(venv, tmp_path, "python", "-c", "import maskft_bench; print(maskft_bench.__file__)")
    assert Path(imported.strip()).is_relative_to(site)
    assert "run" in _run(venv, tmp_path, "maskft-bench", "--help")
    model = Path(_run(venv, tmp_path, "maskft-bench", "models", "default").strip())
    assert (model / "config.json").is_file()

    plan = _run(venv, tmp_path, "maskft-bench", "run", "cpu-default", "--dry-run")
    assert "[1/" in plan and "generate suite (seed 0): to run" in plan and "nothing was written" in plan
    assert list(tmp_path.iterdir()) == []  # no runs/ directory

    tasks = Path(_run(venv, tmp_path, "maskft-bench", "tasks-dir").strip())
    assert tasks.is_relative_to(site) and (tasks / "maskft_bio_forward.yaml").is_file()
    table = _run(venv, tmp_path, "python", "-m", "lm_eval", "--tasks", "maskft_bio_forward",
                 "--include_path", str(tasks), "--limit", "2", "--model", "hf", "--model_args",
                 f"pretrained={model},dtype=bfloat16", "--apply_chat_template")
    assert "maskft_bio_forward" in table and "accuracy" in table
