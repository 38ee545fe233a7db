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


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory) -> Path:
    """A randomly initialised one-layer Llama with the default model's tokenizer, saved as a
    model directory: Trainer runs end to end on it in seconds (no download, no default weights)."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from maskft_bench.models import default_model_dir

    out = tmp_path_factory.mktemp("tiny") / "model"
    tokenizer = AutoTokenizer.from_pretrained(default_model_dir())
    model = LlamaForCausalLM(LlamaConfig(vocab_size=len(tokenizer), hidden_size=16,
                                         intermediate_size=32, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=1))
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
