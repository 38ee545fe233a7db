"""The GPU install path without a GPU: what scripts/bootstrap.sh installs where nvidia-smi exists
(this project with its dev extra, plus scripts/gpu-requirements.txt) resolves on the package
index to the pinned vLLM and the torch it pins, PyPI's CUDA build, with no conflict.

pip resolves from the index's metadata files (the dev extra asks for pip 26: pip 23.2 downloaded
every wheel, GBs here) and installs nothing: 263 packages on 2026-12-02. Local pip
configuration is ignored, as on a fresh GPU machine: this project's machines point pip at a CPU
torch wheel on disk.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # asks the package index (17 min here with the CPU saturated, 29 s of CPU)


def _pins() -> dict[str, str]:
    lines = (REPO / "scripts" / "gpu-requirements.txt").read_text().splitlines()
    return dict(line.split("==") for line in lines if line and not line.startswith("#"))


def test_the_gpu_set_resolves_to_vllm_and_the_cuda_torch_it_pins(tmp_path):
    report = tmp_path / "report.json"
    env = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "", "PIP_CONSTRAINT": ""}
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
         "--report", str(report), "-e", f"{REPO}[dev]", "-r",
         str(REPO / "scripts" / "gpu-requirements.txt")],
        env=env, capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]  # a conflict fails the resolution
    resolved = {re.sub(r"[-_.]+", "-", item["metadata"]["name"]).lower(): item["metadata"]["version"]
                for item in json.loads(report.read_text())["install"]}
    pins = _pins()
    assert resolved["vllm"] == pins["vllm"] and resolved["torch"] == pins["torch"]  # no +cpu
    assert any(name.startswith("nvidia-") for name in resolved), "torch without its CUDA libraries"
    assert "maskft-bench" in resolved and "lm-eval" in resolved
