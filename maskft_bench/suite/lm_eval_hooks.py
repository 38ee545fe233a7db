"""What a suite's task YAMLs call through `!function utils.*`: data loading and scoring.

The suite's own utils.py is a two-line shim over this module, so scoring rules stay in
maskft_bench.metrics and a suite directory stays relocatable (paths are resolved from
the utils.py file, never from the current directory).
"""

from __future__ import annotations

from pathlib import Path

import datasets
import jsonlines

from .. import metrics


def load_split(data_dir: Path, data_file: str, **_metadata: object) -> datasets.DatasetDict:
    """lm-eval's custom_dataset hook; it also passes task metadata, which is ignored here."""
    path = Path(data_dir) / data_file
    with jsonlines.open(path) as reader:
        rows = list(reader)
    if not rows:
        raise ValueError(f"{path} holds no questions")
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})


def process_results(doc: dict, results: list[str]) -> dict[str, float]:
    return metrics.score(doc["scoring"], results[0], doc["answers"])
