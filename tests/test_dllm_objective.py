"""The dllm objective (LLaDA SFT): masking in the collator, the loss by hand-computed cases."""

import math

import pytest
import torch

from maskft_bench.training.collator import DiffusionCollator
from maskft_bench.training.formats import IGNORE, Example
from maskft_bench.training.objective import diffusion_loss

EOS, MASK, V = 0, 9, 4
LN4 = math.log(4)


def uniform(batch: int, width: int, vocab: int = V) -> torch.Tensor:
    return torch.zeros(batch, width, vocab)  # every token has probability 1/vocab


def test_loss_hand_computed_uniform():
    # Row 0: 2 masked of 4 answer tokens, t = 0.5 -> 2 ln4 / (0.5 * 4) = ln4.
    # Row 1: 1 masked of 2 answer tokens, t = 0.25 -> ln4 / (0.25 * 2) = 2 ln4. Mean: 1.5 ln4.
    labels = torch.tensor([[IGNORE, 1, IGNORE, 2, IGNORE], [IGNORE, IGNORE, IGNORE, 3, IGNORE]])
    loss = diffusion_loss(uniform(2, 5), labels, torch.tensor([0.5, 0.25]), torch.tensor([4.0, 2.0]))
    assert loss.item() == pytest.approx(1.5 * LN4)


def test_loss_hand_computed_confident_and_wrong():
    # logits (ln 3, 0, 0, 0): p(0) = 3/6 = 1/2, p(1) = 1/6. Masked targets 0 and 1, t = 1, L = 2:
    # (ln 2 + ln 6) / 2.
    logits = torch.tensor([[[math.log(3), 0.0, 0.0, 0.0]] * 2])
    loss = diffusion_loss(logits, torch.tensor([[0, 1]]), torch.tensor([1.0]), torch.tensor([2.0]))
    assert loss.item() == pytest.approx((math.log(2) + math.log(6)) / 2)


def test_one_over_t_weighting_and_unmasked_positions_cost_nothing():
    labels = torch.tensor([[IGNORE, 1, IGNORE]])
    logits = uniform(1, 3)
    logits[0, 0, 2] = logits[0, 2, 3] = 50.0  # terrible predictions where nothing is masked
    at = {t: diffusion_loss(logits, labels, torch.tensor([t]), torch.tensor([3.0])).item()
          for t in (1.0, 0.5, 0.1)}
    assert at[1.0] == pytest.approx(LN4 / 3)
    assert at[0.5] == pytest.approx(2 * at[1.0]) and at[0.1] == pytest.approx(10 * at[1.0])


def test_each_sequence_is_normalised_by_its_own_length():
    # A long answer with many masked tokens does not outweigh a short one: per-sequence means.
    labels = torch.full((2, 9), IGNORE)
    labels[0, 1:9] = 1  # 8 masked of 8
    labels[1, 1] = 1  # 1 masked of 1
    loss = diffusion_loss(uniform(2, 9), labels, torch.ones(2), torch.tensor([8.0, 1.0]))
    assert loss.item() == pytest.approx(LN4)


def collate(examples, seed=0, eps=1e-3):
    collator = DiffusionCollator(eos_id=EOS, mask_id=MASK, eps=eps, seed=seed)
    return collator(examples), collator


PROMPT = [5, 6, 7]
EXAMPLE = Example(PROMPT + [1, 2, 3, 4], [IGNORE] * 3 + [1, 2, 3, 4])
SHORT = Example(PROMPT + [1, 2], [IGNORE] * 3 + [1, 2])


def test_prompt_never_masked_answer_and_eos_fill_are():
    batch, _ = collate([EXAMPLE, SHORT] * 50)
    ids, labels = batch["input_ids"], batch["labels"]
    assert (ids[:, :3] == torch.tensor(PROMPT)).all() and (labels[:, :3] == IGNORE).all()
    short_rows = ids[1::2]
    # The short answer is filled with EOS up to the batch's longest; that EOS is answer too.
    unmasked_fill = short_rows[:, 5:][short_rows[:, 5:] != MASK]
    assert (unmasked_fill == EOS).all()
    assert (labels[1::2, 5:][labels[1::2, 5:] != IGNORE] == EOS).all()
    assert (labels[1::2, 5:] == EOS).any()  # some EOS fill was masked and must be predicted
    assert batch["response_length"].tolist() == [4.0, 4.0] * 50  # EOS fill counts
    assert (batch["attention_mask"] == 1).all()  # no padding the model must not see
    masked = ids == MASK
    assert torch.equal(masked, labels != IGNORE)  # loss exactly on the masked positions
    original = torch.where(masked, labels, ids)
    assert (original[0::2, 3:] == torch.tensor([1, 2, 3, 4])).all()


def test_one_ratio_per_sequence_masks_that_share_of_the_answer():
    long = Example([5] + [1] * 4000, [IGNORE] + [1] * 4000)
    batch, _ = collate([long] * 6, seed=3)
    ratios = batch["mask_ratio"]
    assert len(set(ratios.tolist())) == 6 and ((ratios >= 1e-3) & (ratios <= 1)).all()
    share = (batch["input_ids"][:, 1:] == MASK).float().mean(dim=1)
    assert torch.allclose(share, ratios, atol=0.03)


def test_fresh_mask_on_every_call_and_seeded():
    collator = DiffusionCollator(eos_id=EOS, mask_id=MASK, seed=1)
    first, second = collator([EXAMPLE] * 8), collator([EXAMPLE] * 8)
    assert not torch.equal(first["input_ids"], second["input_ids"])
    again, _ = collate([EXAMPLE] * 8, seed=1)
    assert torch.equal(again["input_ids"], first["input_ids"])


def test_loss_of_a_collated_batch_matches_the_formula():
    batch, _ = collate([EXAMPLE, SHORT] * 4, seed=5)
    loss = diffusion_loss(uniform(8, 7, vocab=10), batch["labels"], batch["mask_ratio"],
                          batch["response_length"])
    masked = (batch["labels"] != IGNORE).sum(dim=1).float()
    by_hand = (masked * math.log(10) / (batch["mask_ratio"] * 4)).mean()
    assert loss.item() == pytest.approx(by_hand.item())


def test_an_example_without_answer_is_refused():
    with pytest.raises(ValueError, match="no answer tokens"):
        collate([Example([5, 6], [IGNORE, IGNORE])])
