"""The diffusion sampler on a scripted model: block order, tokens per step, greedy, early stop."""

import pytest
import torch

from maskft_bench.dllm.sampler import SamplerSettings, sample, transfer_counts

MASK, VOCAB = 99, 100


class Scripted:
    """Logits that always predict `targets[b, i]` at position i, with confidence growing with
    `score[i]`; records the ids of every call."""

    def __init__(self, targets: torch.Tensor, score: torch.Tensor):
        self.targets, self.score, self.calls = targets, score, []

    def __call__(self, ids, attention):
        self.calls.append((ids.clone(), attention.clone()))
        logits = torch.zeros(*ids.shape, VOCAB)
        logits.scatter_(2, self.targets[..., None], self.score.expand(ids.shape)[..., None])
        return logits


def run(prompt_length=2, gen=8, block=4, steps=None, score=None, stop_ids=(), rows=1, prompt_mask=None):
    total = prompt_length + gen
    targets = torch.arange(total).repeat(rows, 1) + 10 * torch.arange(rows)[:, None]
    score = torch.arange(total, dtype=torch.float) if score is None else score
    model = Scripted(targets, score)
    prompt = targets[:, :prompt_length]
    mask = torch.ones_like(prompt) if prompt_mask is None else prompt_mask
    out = sample(model, prompt, mask, MASK, SamplerSettings(gen, block, steps), stop_ids)
    return out, model, targets[:, prompt_length:]


def unmasked_per_call(model, out, prompt_length=2):
    """Answer positions (row 0) unmasked by each call: seen in the next call's input or the output."""
    states = [ids[0, prompt_length:] for ids, _ in model.calls] + [out[0]]
    seen = [set((s != MASK).nonzero().flatten().tolist()) for s in states]
    return [sorted(after - before) for before, after in zip(seen, seen[1:], strict=False)]


@pytest.mark.parametrize(("block", "steps", "expected"),
                         [(4, 4, [1, 1, 1, 1]), (4, 2, [2, 2]), (5, 2, [3, 2]), (4, 1, [4]),
                          (7, 3, [3, 2, 2])])
def test_transfer_counts_spread_a_block_evenly(block, steps, expected):
    assert transfer_counts(block, steps) == expected
    assert sum(expected) == block


def test_defaults_are_the_papers_evaluation_setting():
    settings = SamplerSettings()
    assert (settings.gen_length, settings.block_length, settings.total_steps) == (128, 4, 128)
    assert settings.steps_per_block == 4  # one token per model call


@pytest.mark.parametrize(("kwargs", "message"),
                         [({"gen_length": 10}, "not a multiple of block_length"),
                          ({"gen_length": 8, "steps": 3}, "multiple of the 2 blocks"),
                          ({"gen_length": 8, "steps": 16}, "1 to 4 steps per block"),
                          ({"block_length": 0}, "must be positive")])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SamplerSettings(**kwargs)


def test_blocks_fill_left_to_right_most_confident_first():
    # Later positions are more confident, yet block 2 waits until block 1 is done; inside a
    # block the most confident (rightmost) position is unmasked first.
    out, model, expected = run(gen=8, block=4)
    assert torch.equal(out, expected)
    assert len(model.calls) == 8  # steps default to gen_length: one token per call
    assert unmasked_per_call(model, out) == [[3], [2], [1], [0], [7], [6], [5], [4]]


def test_tokens_per_step_follow_the_schedule_and_stay_in_the_block():
    out, model, expected = run(gen=8, block=4, steps=4)  # 2 steps per block, 2 tokens each
    assert torch.equal(out, expected)
    answers = [ids[0, 2:] for ids, _ in model.calls]
    assert [(a != MASK).sum().item() for a in answers] == [0, 2, 4, 6]
    assert (answers[1][4:] == MASK).all()  # nothing outside the current block was touched
    assert sorted((answers[1] != MASK).nonzero().flatten().tolist()) == [2, 3]


def test_low_confidence_positions_wait():
    score = torch.tensor([0, 0, 5, 1, 3, 2, 9, 9, 9, 9], dtype=torch.float)
    out, model, _ = run(gen=8, block=4, score=score)
    assert unmasked_per_call(model, out)[:4] == [[0], [2], [3], [1]]  # scores 5, 3, 2, then 1


def test_greedy_is_deterministic_and_batched_rows_are_independent():
    first, _, expected = run(rows=3)
    second, _, _ = run(rows=3)
    assert torch.equal(first, second) and torch.equal(first, expected)


def test_left_padding_reaches_the_model_as_attention_mask():
    prompt_mask = torch.tensor([[0, 1], [1, 1]])
    _, model, _ = run(rows=2, prompt_mask=prompt_mask)
    ids, attention = model.calls[0]
    assert attention.tolist() == [[0, 1] + [1] * 8, [1, 1] + [1] * 8]
    assert (ids[:, 2:] == MASK).all()


def test_stops_after_the_block_where_every_row_has_a_stop_token():
    # Row 0 predicts token 3 at answer position 1 (block 1), row 1 token 17 at position 5.
    out, model, expected = run(rows=2, gen=12, block=4, stop_ids={3, 17})
    assert len(model.calls) == 8  # blocks 1 and 2; block 3 is never decoded
    assert torch.equal(out[:, :8], expected[:, :8])
    assert (out[:, 8:] == MASK).all()
    # With the stop only in row 0, every block is decoded.
    _, model, _ = run(rows=2, gen=12, block=4, stop_ids={3})
    assert len(model.calls) == 12


def test_the_mask_token_is_never_written():
    # The scripted model's favourite at answer position 0 is the mask token itself.
    targets = torch.tensor([[0, 1, MASK, 3, 4, 5]])
    model = Scripted(targets, torch.full((6,), 5.0))
    out = sample(model, targets[:, :2], torch.ones(1, 2, dtype=torch.long), MASK,
                 SamplerSettings(4, 4), ())
    assert MASK not in out.tolist()[0] and out.tolist()[0][1:] == [3, 4, 5]
