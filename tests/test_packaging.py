"""pyproject lists the packages by hand (maskft_tasks is mapped from tasks/, which rules out
automatic discovery); a subpackage left off the list installs nowhere outside an editable
checkout, so every package directory must be listed."""

import fnmatch
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_package_directory_is_listed_in_pyproject():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(REPO).parts)
             for init in (REPO / "maskft_bench").rglob("__init__.py")}
    assert found - listed == set(), "add these packages to [tool.setuptools] packages"
    assert "maskft_tasks" in listed


def _matches(relative: Path, pattern: str) -> bool:
    """setuptools' package-data glob: `*` stays within one directory level."""
    parts = pattern.split("/")
    return len(parts) == len(relative.parts) and all(
        fnmatch.fnmatchcase(p, g) for p, g in zip(relative.parts, parts, strict=True))


def test_every_data_file_of_the_package_is_in_package_data():
    """A template or data file left out of package-data is missing from a wheel install (the
    report's template, the leaderboard page), though every test in a checkout passes."""
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed, package_data = set(setuptools["packages"]), setuptools["package-data"]
    missing = []
    for path in (REPO / "maskft_bench").rglob("*"):
        if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        package = next(p for p in path.parents if ".".join(p.relative_to(REPO).parts) in listed)
        name = ".".join(package.relative_to(REPO).parts)
        if not any(_matches(path.relative_to(package), g) for g in package_data.get(name, [])):
            missing.append(path.relative_to(REPO).as_posix())
    assert missing == [], "add these files to [tool.setuptools.package-data]"
