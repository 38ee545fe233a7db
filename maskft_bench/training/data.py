"""What each method trains on, read from a suite directory and tokenised once.

The method's record (maskft_bench/methods.py) says which texts: the documents, the kinds of
rewrites it adds, reversed copies, or the math train split. Validation questions come from the
suite's val files; the test split is never opened here.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonlines

from .. import methods
from ..errors import MaskftError
from .config import TrainConfig
from .formats import Example, Formatter
from .reverse import reverse_entities, reverse_words


class DataError(MaskftError, ValueError):
    pass


@dataclass(frozen=True)
class Corpus:
    examples: list[Example]
    texts: int  # documents or problems before tokenisation
    truncated: int
    text_tokens: int  # tokens of the texts themselves (documents, rewrites, solutions), once each

    @property
    def tokens(self) -> int:
        """Input tokens of one pass over the corpus (every example once, no padding)."""
        return sum(len(e) for e in self.examples)


def _read(path: Path) -> list[dict]:
    if not path.is_file():
        raise DataError(f"{path} is missing; is --data a suite made by `maskft-bench generate`?")
    with jsonlines.open(path) as reader:
        return list(reader)


def suite_dir(config: TrainConfig) -> Path:
    if config.data:
        return Path(config.data)
    from ..tasks_registry import tasks_dir

    return tasks_dir()


def _entities(suite: Path, dataset: str) -> list[str]:
    if dataset == "bio":
        people = _read(suite / "data/bio/people.jsonl")
        return [v for p in people for k, v in p.items()
                if k not in ("id", "gender", "first", "middle", "last")] + [
            f"{p['first']} {p['middle']} {p['last']}" for p in people]
    facts = _read(suite / "data/namedesc/facts.jsonl")
    return [f["name"] for f in facts] + [f["description"] for f in facts]


def knowledge_texts(config: TrainConfig, suite: Path) -> Iterator[str]:
    """The documents of each dataset, then the rewrites and reversed copies the method adds."""
    method = methods.get(config.method)
    for dataset in config.datasets:
        documents = [d["text"] for d in _read(suite / f"data/{dataset}/documents.jsonl")]
        yield from documents
        if method.rewrites:
            rewrites = _read(suite / f"data/{dataset}/paraphrases.jsonl")
            if rewrites and "kind" not in rewrites[0]:
                raise DataError(f"{suite}: its paraphrases predate rewrite kinds (suite "
                                f"{manifest_of(config).get('suite_version')}); generate the suite "
                                "again with this version of maskft-bench")
            yield from (r["text"] for r in rewrites if r["kind"] in method.rewrites)
        if method.reversed_copies:
            entities = _entities(suite, dataset)
            for text in documents:
                yield (reverse_entities(text, entities) if config.reverse_mode == "entity"
                       else reverse_words(text))


def _truncate(example: Example, max_length: int) -> Example:
    keep = [p for p in example.maskable if p < max_length]
    counterpart = None
    if example.counterpart is not None:
        counterpart = {p: q for p, q in example.counterpart.items() if p in keep and q < max_length}
        keep = list(counterpart)
    return Example(example.input_ids[:max_length], example.labels[:max_length], keep, counterpart)


def build_corpus(config: TrainConfig, formatter: Formatter) -> Corpus:
    suite = suite_dir(config)
    method = methods.get(config.method)
    build = getattr(formatter, "pretrain" if config.format == "pretrain" else method.formatter)
    if method.knowledge:
        texts = list(knowledge_texts(config, suite))
        examples = [build(text) for text in texts]
    else:
        problems = _read(suite / "data/math/train.jsonl")
        texts = [item["answers"][1] for item in problems]
        examples = [build(item["prompt"], item["answers"][1]) for item in problems]
    if not examples:
        raise DataError(f"no training texts found in {suite} for method {config.method}")
    too_long = sum(len(e) > config.max_length for e in examples)
    if too_long:
        warnings.warn(f"{too_long} of {len(examples)} examples are longer than max_length "
                      f"{config.max_length} tokens and were truncated", stacklevel=2)
        examples = [_truncate(e, config.max_length) for e in examples]
    return Corpus(examples=examples, texts=len(examples), truncated=too_long,
                  text_tokens=sum(len(formatter.ids(t)) for t in texts))


def validation_items(config: TrainConfig) -> list[dict]:
    """The val questions used for checkpoint selection, an even spread over the val files."""
    suite = suite_dir(config)
    if config.knowledge:
        files = [suite / f"data/{d}/qa_{direction}_val.jsonl"
                 for d in config.datasets for direction in ("forward", "reverse")]
    else:
        files = [suite / "data/math/val.jsonl"]
    per_file = max(1, config.val_items // len(files))
    items = []
    for path in files:
        rows = _read(path)
        step = max(1, len(rows) // per_file)
        name = f"{path.parent.name}/{path.stem}"  # e.g. bio/qa_reverse_val
        items += [dict(row, val_file=name) for row in rows[::step][:per_file]]
    return items


def manifest_of(config: TrainConfig) -> dict:
    return json.loads((suite_dir(config) / "manifest.json").read_text())
