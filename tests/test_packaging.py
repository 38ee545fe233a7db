"""pyproject lists the packages by hand (maskft_tasks is mapped from tasks/, which rules out
automatic discovery); a subpackage left off the list installs nowhere outside an editable
checkout, so every package directory must be listed."""

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_every_package_directory_is_listed_in_pyproject():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(REPO).parts)
             for init in (REPO / "maskft_bench").rglob("__init__.py")}
    assert found - listed == set(), "add these packages to [tool.setuptools] packages"
    assert "maskft_tasks" in listed
