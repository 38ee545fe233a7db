"""Where every artifact of a pipeline run lives, so stages, the report and tests agree."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..outdir import MARKERS


@dataclass(frozen=True)
class Layout:
    """<out>/seed-<s>/{suite,runs/<method>,scores/<base|method>}, leaderboard/, report.md."""

    out: Path

    @property
    def marker(self) -> Path:
        return self.out / MARKERS["run"][0]

    def seed_dir(self, seed: int) -> Path:
        return self.out / f"seed-{seed}"

    def seeds(self) -> list[int]:
        """Every seed with results here, including those of earlier runs with other --seeds."""
        found = [p.name.removeprefix("seed-") for p in self.out.glob("seed-*") if p.is_dir()]
        return sorted(int(s) for s in found if s.lstrip("-").isdigit())

    def suite(self, seed: int) -> Path:
        return self.seed_dir(seed) / "suite"

    def run(self, seed: int, method: str) -> Path:
        return self.seed_dir(seed) / "runs" / method

    def score(self, seed: int, name: str) -> Path:
        return self.seed_dir(seed) / "scores" / name

    @property
    def submitted(self) -> Path:
        """seed/name -> the submission file made from that score and the score's hash."""
        return self.out / "leaderboard" / "submitted.json"

    @property
    def submissions(self) -> Path:
        return self.out / "leaderboard" / "submissions"

    @property
    def leaderboard(self) -> Path:
        return self.out / "leaderboard"

    @property
    def report(self) -> Path:
        return self.out / "report.md"

    @property
    def figures(self) -> Path:
        return self.out / "figures"
