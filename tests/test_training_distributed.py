"""Selection under several processes: the questions shared out, the scores gathered (two real
gloo processes), so every process reaches the score one process alone would."""

import json

import pytest
import torch

from maskft_bench.training import distributed
from maskft_bench.training.selection import evaluate

# Eleven questions over three val files; the answerer is right about every third, so the
# per-file means differ and a lost or doubled answer changes them.
ITEMS = [{"prompt": f"q{i}", "scoring": "knowledge", "answers": [f"answer {i}"],
          "val_file": f"bio/qa_{('forward', 'reverse', 'other')[i % 3]}_val"} for i in range(11)]


def _answers(model, tokenizer, prompts: list[str], max_new_tokens: int) -> list[str]:
    model.append(prompts)  # the questions this process answered
    return [f"answer {p[1:]}" if int(p[1:]) % 3 == 0 else "no idea" for p in prompts]


@pytest.mark.parametrize("world", [1, 2, 3, 4, 11, 12])
def test_shares_cover_every_item_once_in_equal_lengths(world):
    shares = [distributed.share(len(ITEMS), rank, world) for rank in range(world)]
    assert len({len(s) for s in shares}) == 1  # as many generation batches everywhere
    assert sorted({i for s in shares for i in s}) == list(range(len(ITEMS)))
    real = [i for rank, s in enumerate(shares) for i in s if i % world == rank]
    assert sorted(real) == list(range(len(ITEMS)))  # padding is only ever item 0 repeated


def _evaluate_in_process(rank: int, out: str) -> None:
    torch.distributed.init_process_group("gloo", init_method=f"file://{out}/init", rank=rank,
                                         world_size=2)
    asked: list[list[str]] = []
    scores = evaluate(asked, None, ITEMS, 8, answer_fn=_answers)
    with open(f"{out}/{rank}.json", "w") as f:
        json.dump({"scores": scores, "asked": asked}, f)
    torch.distributed.destroy_process_group()


def test_two_processes_answer_half_each_and_agree_with_one(tmp_path):
    import torch.multiprocessing as mp

    alone: list[list[str]] = []
    expected = evaluate(alone, None, ITEMS, 8, answer_fn=_answers)
    assert 0 < expected["val_accuracy"] < 1
    mp.spawn(_evaluate_in_process, args=(str(tmp_path),), nprocs=2)
    runs = [json.loads((tmp_path / f"{rank}.json").read_text()) for rank in (0, 1)]
    for run in runs:
        assert run["scores"] == pytest.approx(expected)
    assert [run["asked"] for run in runs] == [[[f"q{i}" for i in range(0, 11, 2)]],
                                              [[f"q{i}" for i in range(1, 11, 2)] + ["q0"]]]
