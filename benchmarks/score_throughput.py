"""Scoring speed of each available backend on the suite, start-up included.

    python benchmarks/score_throughput.py [--limit N] [--model DIR] [--backends hf vllm]

Runs `maskft-bench score` once per backend in a fresh process (so engine start-up and model
loading count, as they do for a user) and prints prompts/s, generated tokens/s and wall time.
Default: the full test split plus retention on the default model.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

from maskft_bench.models import default_model_dir
from maskft_bench.scoring.backends import device_description, vllm_available


def run(backend: str, model: str, limit: int | None, dtype: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "score"
        cmd = ["maskft-bench", "score", "--model", model, "--out", str(out), "--backend", backend,
               "--dtype", dtype]
        if limit:
            cmd += ["--limit", str(limit)]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        summary = json.loads((out / "summary.json").read_text())
    prompts = sum(row["n"] for row in summary["tasks"].values())
    return {"backend": backend, "dtype": summary["dtype"], "prompts": prompts,
            "tokens": summary["tokens_generated"], "wall": wall,
            "aggregate": summary["scores"].get("aggregate", {}).get("value")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="questions per task")
    parser.add_argument("--model", default=None, help="model directory (default: the default)")
    parser.add_argument("--backends", nargs="+", default=None,
                        help="default: hf, and vllm when importable")
    parser.add_argument("--dtype", default="auto")
    args = parser.parse_args()
    model = args.model or str(default_model_dir())
    backends = args.backends or (["hf", "vllm"] if vllm_available() else ["hf"])
    print(f"model {model}, device {device_description()}, limit {args.limit or 'none (full suite)'}\n")
    print("| backend | dtype | prompts | generated tokens | wall s (incl. start-up) | prompts/s "
          "| tokens/s | aggregate |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for backend in backends:
        r = run(backend, model, args.limit, args.dtype)
        aggregate = f"{r['aggregate']:.3f}" if r["aggregate"] is not None else "n/a"
        print(f"| {r['backend']} | {r['dtype']} | {r['prompts']} | {r['tokens']} | "
              f"{r['wall']:.0f} | {r['prompts'] / r['wall']:.2f} | {r['tokens'] / r['wall']:.0f} "
              f"| {aggregate} |", flush=True)


if __name__ == "__main__":
    main()
