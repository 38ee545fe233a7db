"""Where the canonical suite lives, and opt-in registration with the installed lm-eval.

lm-eval 0.4.13 finds tasks only in its own `lm_eval/tasks/` folder or an --include_path;
`install` copies the suite into the former (marked, so `uninstall` removes only its own
copy). Copying rather than linking: the harness's directory walk need not follow links.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

from .atomic import staged_directory
from .errors import MaskftError
from .suite import SUITE_VERSION

INSTALLED_NAME = "maskft"
MARKER = ".maskft-bench-install.json"


class RegistryError(MaskftError, RuntimeError):
    pass


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise RegistryError(f"cannot find the installed package {module!r}")
    return Path(next(iter(spec.submodule_search_locations)))


def tasks_dir() -> Path:
    """The canonical suite: the repository's tasks/ in a checkout, package data in a wheel."""
    return _package_dir("maskft_tasks")


def lm_eval_tasks_dir() -> Path:
    return _package_dir("lm_eval") / "tasks"


def install(source: Path | None = None) -> Path:
    """Copy a suite into lm-eval's task folder so that plain `lm_eval --tasks 'maskft_*'` works."""
    source = source or tasks_dir()
    target = lm_eval_tasks_dir() / INSTALLED_NAME
    if target.exists() and not (target / MARKER).exists():
        raise RegistryError(f"{target} exists and was not installed by maskft-bench; not touching it")
    if not os.access(target.parent, os.W_OK):
        raise RegistryError(f"{target.parent} is not writable (install into a virtualenv you own)")
    with staged_directory(target) as stage:
        shutil.copytree(source, stage, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__"))
        (stage / MARKER).write_text(json.dumps({"suite_version": SUITE_VERSION,
                                                "source": str(source)}) + "\n")
    return target


def uninstall() -> Path | None:
    """Remove the copy made by `install`; returns its path, or None when there was none."""
    target = lm_eval_tasks_dir() / INSTALLED_NAME
    if not target.exists():
        return None
    if not (target / MARKER).exists():
        raise RegistryError(f"{target} was not installed by maskft-bench; not removing it")
    shutil.rmtree(target)
    return target
