"""Verdicts between two methods from leaderboard submissions, with the report's paired bootstrap.

    python scripts/compare_submissions.py masked standard \
        A_seed0.json.gz B_seed0.json.gz [A_seed1.json.gz B_seed1.json.gz ...]

Files come in pairs, one pair per seed (both models scored on that seed's suite). Prints the
report's sentences for forward and reverse and each dataset: "A beats B" only when the 95%
interval of A - B, resampling subjects within each seed, excludes zero; then each model's
reversed answers against chance (maskft_bench/chance.py), as the report gives them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from maskft_bench import chance, significance
from maskft_bench.errors import MaskftError
from maskft_bench.leaderboard.archive import read_submission
from maskft_bench.leaderboard.verdict import Rejected
from maskft_bench.pipeline.verdicts import CHANCE, compare, scopes
from maskft_bench.scoring.summary import DIRECTIONS


def _scores(path: Path) -> tuple[significance.Scores, significance.Scores]:
    """The file's per-question scores, and its chance scores on the tasks that have one."""
    samples = read_submission(path)["samples"]
    reverse = {task for _, tasks in scopes("reverse") for task in tasks}
    return ({task: significance.sample_scores(rows, f"{path.name} {task}")
             for task, rows in samples.items()},
            {task: chance.chance_scores(rows, f"{path.name} {task}")
             for task, rows in samples.items() if task in reverse})


def main(argv: list[str]) -> int:
    if len(argv) < 4 or len(argv) % 2:
        print(__doc__.strip().splitlines()[0], "\nusage: compare_submissions.py NAME_A NAME_B "
              "A_seed0 B_seed0 [A_seed1 B_seed1 ...]", file=sys.stderr)
        return 2
    name_a, name_b, files = argv[0], argv[1], [Path(f) for f in argv[2:]]
    try:
        loaded = {}
        for seed in range(len(files) // 2):
            for name, path in ((name_a, files[2 * seed]), (name_b, files[2 * seed + 1])):
                loaded[seed, name], loaded[seed, f"{name} {CHANCE}"] = _scores(path)
        seeds = sorted({s for s, _ in loaded})
        pairs = [(name_a, name_b, key, name_b) for key in DIRECTIONS]
        pairs += [(name, f"{name} {CHANCE}", "reverse", CHANCE) for name in (name_a, name_b)]
        for name, other, key, shown in pairs:
            verdict = compare(name, other, key, seeds, lambda seed, which: loaded[seed, which])
            for i, (label, result) in enumerate(verdict.results if verdict else []):
                print(("- " if i == 0 else "  - ") + significance.sentence(name, shown, label, result))
    except (MaskftError, Rejected) as err:
        print(f"compare_submissions: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
