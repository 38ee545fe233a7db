import copy
import json
from pathlib import Path

import jsonlines
import pytest

from maskft_bench.suite.generate import SuiteOptions, generate_suite

REPO = Path(__file__).resolve().parents[1]
SMALL = SuiteOptions(seed=7, bio_people=40, namedesc=8, paraphrases=2,
                     math_train=20, math_val=5, math_test=10)


def read_jsonl(path: Path) -> list[dict]:
    with jsonlines.open(path) as reader:
        return list(reader)


@pytest.fixture(scope="session")
def small_suite(tmp_path_factory) -> Path:
    """A small generated suite shared by the read-only tests."""
    out = tmp_path_factory.mktemp("suite") / "small"
    generate_suite(out, SMALL, quiet=True)
    return out


@pytest.fixture(scope="session")
def manifest(small_suite) -> dict:
    return json.loads((small_suite / "manifest.json").read_text())


@pytest.fixture
def one_thread():
    """Tiny models run far faster on one thread when other jobs share the CPU (measured: a
    ModernBERT forward took 3 ms on one thread, 40-260 ms on two under load)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def seed_document() -> dict:
    """The committed seed submission (the default model before fine-tuning), parsed once."""
    from leaderboard_support import SEED

    from maskft_bench.leaderboard.archive import read_submission

    return read_submission(SEED)


@pytest.fixture
def document(seed_document) -> dict:
    """A private copy of the seed submission for a test to change."""
    return copy.deepcopy(seed_document)
