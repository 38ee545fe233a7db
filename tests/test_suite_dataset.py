"""A generated suite loads as a Hugging Face dataset: `load_dataset(<suite dir>, <config>)`."""

import datasets
from conftest import read_jsonl

from maskft_bench.suite.card import dataset_configs


def test_every_config_loads_with_the_manifest_row_counts(small_suite, manifest, tmp_path):
    configs = dataset_configs(manifest["counts"])
    covered = {path for splits in configs.values() for path in splits.values()}
    assert covered == {f"data/{f}" for f, rows in manifest["counts"].items() if rows}
    for config, splits in configs.items():
        loaded = datasets.load_dataset(str(small_suite), config, cache_dir=str(tmp_path / "cache"))
        assert set(loaded) == set(splits), config
        for split, path in splits.items():
            assert loaded[split].num_rows == manifest["counts"][path.removeprefix("data/")], path
    questions = datasets.load_dataset(str(small_suite), "bio_qa_reverse",
                                      cache_dir=str(tmp_path / "cache"), split="test")
    assert questions[0] == read_jsonl(small_suite / "data/bio/qa_reverse_test.jsonl")[0]


def test_the_card_names_validation_and_test_splits_and_skips_empty_files():
    counts = {"bio/qa_forward_val.jsonl": 3, "bio/qa_forward_test.jsonl": 9,
              "bio/paraphrases.jsonl": 0, "math/train.jsonl": 2, "retention/test.jsonl": 1}
    assert dataset_configs(counts) == {
        "bio_qa_forward": {"validation": "data/bio/qa_forward_val.jsonl",
                           "test": "data/bio/qa_forward_test.jsonl"},
        "math": {"train": "data/math/train.jsonl"},
        "retention": {"test": "data/retention/test.jsonl"}}
