"""lm-eval hooks for this suite; the logic lives in maskft_bench so it is defined once."""

from pathlib import Path

from maskft_bench.suite.lm_eval_hooks import load_split, process_results

DATA_DIR = Path(__file__).resolve().parent / "data"


def load(data_file, **metadata):
    return load_split(DATA_DIR, data_file, **metadata)


__all__ = ["load", "process_results"]
