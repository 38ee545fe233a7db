"""`maskft-bench score` for real: the default model through lm-eval's hf and vLLM backends."""

import json
from pathlib import Path

import pytest

from maskft_bench.cli import main
from maskft_bench.models import default_model_dir

pytestmark = pytest.mark.slow
LIMIT = 2


def run_score(out: Path, *extra: str) -> dict:
    args = ["score", "--model", str(default_model_dir()), "--out", str(out),
            "--limit", str(LIMIT), *extra]
    assert main(args) == 0
    return json.loads((out / "summary.json").read_text())


def layout(out: Path) -> list[str]:
    """Files with lm-eval's timestamps and the sanitised model name taken out."""
    names = []
    for p in sorted(out.rglob("*")):
        if p.is_file():
            rel = p.relative_to(out).parts
            names.append("/".join(rel[:1] + tuple(part.rsplit("_20", 1)[0] for part in rel[2:])))
    return names


def responses(out: Path, summary: dict) -> dict:
    found = {}
    for task, rel in summary["files"]["samples"].items():
        for line in (out / rel).read_text().splitlines():
            sample = json.loads(line)
            found[task, sample["doc"]["id"]] = sample["resps"][0][0]
    return found


@pytest.fixture(scope="module")
def hf_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("hf") / "score"
    return out, run_score(out, "--backend", "hf", "--dtype", "float32")


@pytest.fixture(scope="module")
def vllm_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("vllm") / "score"
    return out, run_score(out, "--backend", "vllm", "--dtype", "float32")


def test_hf_summary_matches_lm_evals_results(hf_run):
    out, summary = hf_run
    results = json.loads((out / summary["files"]["results"]).read_text())["results"]
    for task, row in summary["tasks"].items():
        assert row["accuracy"] == results[task]["accuracy,none"]
        assert row["n"] == LIMIT
    assert summary["scores"]["aggregate"]["value"] == pytest.approx(
        results["maskft"]["accuracy,none"])
    for dataset, cells in summary["datasets"].items():  # each dataset's row, as the scorer saw it
        for direction, cell in cells.items():
            assert cell["value"] == results[f"maskft_{dataset}_{direction}"]["accuracy,none"]
    assert {d: set(c) for d, c in summary["datasets"].items()} == {
        "bio": {"forward", "reverse"}, "namedesc": {"forward", "reverse"}}
    assert summary["backend"] == "hf" and summary["dtype"] == "float32"
    assert summary["model"]["content_sha256"] and summary["limit"] == LIMIT
    assert summary["tokens_generated"] > 0
    assert set(summary["task_hashes"]) == set(summary["tasks"])
    assert summary["suite_options"]["seed"] == 0 and summary["suite_options"]["gsm8k"] is None
    assert "maskft_retention" in summary["tasks"]


def test_vllm_and_hf_write_the_same_layout_and_mostly_agree(hf_run, vllm_run, capsys):
    (hf_out, hf), (vllm_out, vl) = hf_run, vllm_run
    assert layout(hf_out) == layout(vllm_out)
    assert vl["backend"] == "vllm" and vl["libraries"]["vllm"]
    a, b = responses(hf_out, hf), responses(vllm_out, vl)
    assert a.keys() == b.keys()
    agreement = sum(a[k] == b[k] for k in a) / len(a)
    with capsys.disabled():
        print(f"\n[greedy agreement] vLLM vs HF, float32, default model: {agreement:.0%} "
              f"of {len(a)} items identical")
    assert agreement > 0.5


def test_retention_against_a_baseline(tmp_path):
    """The base model scored against itself keeps everything it knew; retention is reported."""
    base, again = tmp_path / "base", tmp_path / "again"
    common = ["score", "--model", str(default_model_dir()), "--tasks", "maskft_retention",
              "--backend", "hf", "--limit", "24"]
    assert main([*common, "--out", str(base)]) == 0
    assert main([*common, "--out", str(again), "--baseline", str(base)]) == 0
    summary = json.loads((again / "summary.json").read_text())
    retention = summary["retention"]
    assert retention["value"] == 1.0
    assert retention["kept"] == retention["base_correct"] > 0
    assert retention["compared"] == summary["tasks"]["maskft_retention"]["n"] == 24
