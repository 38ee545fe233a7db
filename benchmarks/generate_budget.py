"""Measured size and peak memory of `maskft-bench generate` beside suite/budget.py's estimates.

    python benchmarks/generate_budget.py [--people 2000 20000] [--paraphrases 5] [--math 1000]

Each size runs in a fresh process, so its peak resident memory (VmHWM) is the generator's
alone. One row per size, then the measured bytes per record of each data file: the figures the
constants in maskft_bench/suite/budget.py come from.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from maskft_bench.suite.budget import estimate
from maskft_bench.suite.generate import SuiteOptions

# VmHWM rather than ru_maxrss, which Linux keeps across exec (the parent's peak would count).
CHILD = """
import json, sys, time
from pathlib import Path
from maskft_bench.suite.generate import SuiteOptions, generate_suite
start = time.perf_counter()
generate_suite(Path(sys.argv[1]), SuiteOptions(**json.loads(sys.argv[2])), quiet=True)
status = Path("/proc/self/status").read_text().splitlines()
rss = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
print(json.dumps({"seconds": time.perf_counter() - start, "rss": rss}))
"""


def measure(options: dict) -> tuple[dict, Path, tempfile.TemporaryDirectory]:
    tmp = tempfile.TemporaryDirectory()
    out = Path(tmp.name) / "suite"
    done = subprocess.run([sys.executable, "-c", CHILD, str(out), json.dumps(options)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout), out, tmp


def per_record(out: Path) -> dict[str, float]:
    counts = json.loads((out / "manifest.json").read_text())["counts"]
    return {name: (out / "data" / name).stat().st_size / n for name, n in counts.items() if n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, nargs="+", default=[2_000, 20_000])
    parser.add_argument("--paraphrases", type=int, default=SuiteOptions.paraphrases)
    parser.add_argument("--math", type=int, default=SuiteOptions.math_train,
                        help="math training problems")
    args = parser.parse_args()
    print("| bio people | paraphrases | seconds | MB on disk | estimate | peak RSS MiB | "
          "estimate |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.people:
        options = {"bio_people": n, "paraphrases": args.paraphrases, "math_train": args.math}
        result, out, tmp = measure(options)
        with tmp:
            size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
            guess = estimate(SuiteOptions(**options))
            print(f"| {n:,} | {args.paraphrases} | {result['seconds']:.1f} | {size / 1e6:.1f} | "
                  f"{guess.bytes / 1e6:.1f} | {result['rss'] / 2**20:.0f} | "
                  f"{guess.memory / 2**20:.0f} |", flush=True)
            rates = per_record(out)
    print("\nbytes per record (largest size):")
    for name, rate in rates.items():
        print(f"  {name}: {rate:.0f}")


if __name__ == "__main__":
    main()
