"""How long `maskft-bench generate` takes as the biography set grows.

    python benchmarks/generate_speed.py [--people 100 10000 100000] [--paraphrases 5]

Prints one row per size: wall time (generation + writing), files written, size on disk.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from maskft_bench.suite.generate import SuiteOptions, generate_suite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, nargs="+", default=[100, 10_000, 100_000])
    parser.add_argument("--paraphrases", type=int, default=SuiteOptions.paraphrases)
    args = parser.parse_args()
    print("| bio people | paraphrases per doc | seconds | files | MB on disk |")
    print("|---:|---:|---:|---:|---:|")
    for n in args.people:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "suite"
            start = time.perf_counter()
            manifest = generate_suite(out, SuiteOptions(bio_people=n, paraphrases=args.paraphrases),
                                      quiet=True)
            seconds = time.perf_counter() - start
            size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
            print(f"| {n:,} | {2 * args.paraphrases} | {seconds:.1f} | "
                  f"{len(manifest['files']) + 1} | {size:.1f} |", flush=True)


if __name__ == "__main__":
    main()
