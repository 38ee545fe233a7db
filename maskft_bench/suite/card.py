"""The suite as a Hugging Face dataset: the `configs:` front matter of its README.md.

People who train with their own code then get the corpus and the questions with
`datasets.load_dataset(<suite dir>, <config>)`, from the same files lm-eval reads. The card is
documentation: no task YAML or data file changes, so neither do the task hashes that identify a
suite on the leaderboard (README.md is hashed only in the manifest's per-file list).
"""

from __future__ import annotations

import yaml

# The suite's split names, as Hugging Face datasets names them.
SPLITS = {"train": "train", "val": "validation", "test": "test"}


def _config_and_split(data_file: str) -> tuple[str, str]:
    """A file with a split in its name is that split of its config; one without is a config
    of its own, with the conventional single split "train".

    >>> _config_and_split("bio/qa_forward_val.jsonl"), _config_and_split("math/train.jsonl")
    (('bio_qa_forward', 'validation'), ('math', 'train'))
    >>> _config_and_split("bio/documents.jsonl")
    ('bio_documents', 'train')
    """
    dataset, stem = data_file.removesuffix(".jsonl").split("/")
    head, _, last = stem.rpartition("_")
    if stem in SPLITS:
        return dataset, SPLITS[stem]
    if last in SPLITS:
        return f"{dataset}_{head}", SPLITS[last]
    return f"{dataset}_{stem}", "train"


def dataset_configs(counts: dict[str, int]) -> dict[str, dict[str, str]]:
    """config -> split -> file (relative to the suite), for every file under data/ with rows.

    An empty file (no paraphrases asked for) is left out: datasets cannot read a schema from it.
    """
    configs: dict[str, dict[str, str]] = {}
    for data_file, rows in sorted(counts.items()):
        if rows:
            config, split = _config_and_split(data_file)
            configs.setdefault(config, {})[split] = f"data/{data_file}"
    return configs


def front_matter(counts: dict[str, int]) -> str:
    """The card's YAML header (the dataset card's `configs:` key), splits in train, validation,
    test order."""
    order = list(SPLITS.values())
    configs = [{"config_name": name,
                "data_files": [{"split": split, "path": path}
                               for split, path in sorted(splits.items(),
                                                         key=lambda item: order.index(item[0]))]}
               for name, splits in dataset_configs(counts).items()]
    return "---\n" + yaml.safe_dump({"configs": configs}, sort_keys=False) + "---\n\n"
