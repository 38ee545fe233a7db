"""The masked fine-tuning format and collator, checked token by token on the real tokenizer."""

import pytest
import torch

from maskft_bench.models import default_model_dir
from maskft_bench.training.collator import MaskingCollator, MaskRatio
from maskft_bench.training.formats import (
    IGNORE,
    MASKED_PASSAGE_INSTRUCTION,
    RECOVERED_PREFIX,
    STANDARD_PROMPT,
    Formatter,
    choose_mask_token,
)

DOC = ("Isabel Anne Peterson was born on August 4, 1962. She was born in Chiang Mai. "
       "Her alma mater is Kelfell College.")


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(default_model_dir())


@pytest.fixture(scope="module")
def fmt(tokenizer):
    return Formatter(tokenizer)


@pytest.fixture(scope="module")
def mask_id(tokenizer):
    return choose_mask_token(tokenizer)


def collate(examples, mask_id, low=0.05, high=0.95, seed=0, pad_id=2):
    collator = MaskingCollator(pad_id=pad_id, mask_id=mask_id, ratio=MaskRatio(low, high), seed=seed)
    return collator(examples), collator


def test_decoded_example_is_the_papers_template(tokenizer, fmt):
    text = tokenizer.decode(fmt.masked(DOC).input_ids)
    expected = (f"<|im_start|>user\n{DOC}\n{MASKED_PASSAGE_INSTRUCTION}<|im_end|>\n"
                f"<|im_start|>assistant\n{RECOVERED_PREFIX}{DOC}<|im_end|>")
    assert text.endswith(expected)
    standard = tokenizer.decode(fmt.standard(DOC).input_ids)
    assert standard.endswith(f"<|im_start|>user\n{STANDARD_PROMPT}<|im_end|>\n"
                             f"<|im_start|>assistant\n{DOC}<|im_end|>")


def test_loss_falls_on_the_original_and_end_of_turn_only(tokenizer, fmt, mask_id):
    example = fmt.masked(DOC)
    batch, _ = collate([example], mask_id)
    labels = batch["labels"][0]
    scored = [int(i) for i, lab in zip(batch["input_ids"][0], labels, strict=True) if lab != IGNORE]
    assert tokenizer.decode(scored) == DOC + "<|im_end|>"
    # Every prompt token, "Here is the recovered text:" included, is ignored.
    first_scored = int((labels != IGNORE).nonzero()[0])
    assert tokenizer.decode(example.input_ids[:first_scored]).endswith(RECOVERED_PREFIX)
    assert (labels[:first_scored] == IGNORE).all()
    assert int(labels[len(example) - 1]) == tokenizer.convert_tokens_to_ids("<|im_end|>")


def test_masks_only_inside_the_document_span(fmt, mask_id):
    example = fmt.masked(DOC)
    batch, _ = collate([example] * 8, mask_id, low=0.95, high=0.95)
    ids = batch["input_ids"]
    masked = (ids == mask_id).nonzero()[:, 1].tolist()
    assert masked and set(masked) <= set(example.maskable)
    outside = [p for p in range(len(example)) if p not in set(example.maskable)]
    assert (ids[:, outside] == torch.tensor(example.input_ids)[outside]).all()
    # Masking leaves the labels alone: the target is always the original document (and the
    # end of turn), however much of the prompt's copy is masked.
    assert torch.equal(batch["labels"], torch.tensor([example.labels] * 8))


def test_one_ratio_per_batch_within_the_papers_range(fmt, mask_id):
    doc_example = fmt.masked(DOC * 4)
    collator = MaskingCollator(pad_id=2, mask_id=mask_id, seed=1)
    ratios = []
    for _ in range(40):
        batch = collator([doc_example] * 4)
        ratios.append(collator.last_ratio)
        per_row = (batch["input_ids"] == mask_id).sum(1).float() / len(doc_example.maskable)
        # All rows of a batch share t: their masked shares agree up to Bernoulli noise.
        assert (per_row - collator.last_ratio).abs().max() < 0.3
    assert all(0.05 <= t <= 0.95 for t in ratios)
    assert len(set(ratios)) == 40 and max(ratios) - min(ratios) > 0.5


def test_a_document_gets_a_fresh_mask_each_time(fmt, mask_id):
    collator = MaskingCollator(pad_id=2, mask_id=mask_id, ratio=MaskRatio(0.5, 0.5), seed=3)
    first = collator([fmt.masked(DOC)])["input_ids"]
    second = collator([fmt.masked(DOC)])["input_ids"]
    assert not torch.equal(first, second)


def test_masked_sft_scores_only_masked_answer_positions(tokenizer, fmt, mask_id):
    example = fmt.masked_sft("What is 12 + 24?", "12 + 24 = 36\n#### 36")
    assert tokenizer.decode(example.input_ids).endswith(
        "What is 12 + 24?\n12 + 24 = 36\n#### 36\nReturn the recovered masked answer.<|im_end|>\n"
        "<|im_start|>assistant\n12 + 24 = 36\n#### 36<|im_end|>")
    batch, _ = collate([example], mask_id, low=0.5, high=0.5, seed=5)
    ids, labels = batch["input_ids"][0], batch["labels"][0]
    masked = {p for p in example.maskable if ids[p] == mask_id}
    assert masked and len(masked) < len(example.maskable)
    scored = {int(p) for p in (labels != IGNORE).nonzero()}
    assert scored == {example.counterpart[p] for p in masked}
    for p in masked:  # the label is the original token the mask hid
        assert labels[example.counterpart[p]] == example.input_ids[p]


def test_padding_is_ignored(fmt, mask_id):
    short, long = fmt.standard("Short."), fmt.standard(DOC)
    batch, _ = collate([short, long], mask_id)
    assert batch["attention_mask"][0].sum() == len(short)
    assert (batch["labels"][0, len(short):] == IGNORE).all()


def test_mask_token_is_an_unused_special_token(tokenizer, mask_id):
    token = tokenizer.convert_ids_to_tokens(mask_id)
    assert tokenizer.added_tokens_decoder[mask_id].special
    used = {tokenizer.bos_token, tokenizer.eos_token, tokenizer.pad_token, tokenizer.unk_token}
    assert token not in used and token not in tokenizer.chat_template
    # The lowest such id, so the choice is stable: every special token below it is in use.
    below = [t.content for i, t in tokenizer.added_tokens_decoder.items() if i < mask_id]
    assert below and all(t in used or t in tokenizer.chat_template for t in below)
    assert token == "<repo_name>"  # SmolLM2's first code-dataset marker
    assert mask_id not in tokenizer(DOC)["input_ids"]
    assert choose_mask_token(tokenizer, "<filename>") == tokenizer.convert_tokens_to_ids("<filename>")


def test_bad_mask_settings_are_named(tokenizer):
    from maskft_bench.training.formats import FormatError

    with pytest.raises(FormatError, match="not in the tokenizer's vocabulary"):
        choose_mask_token(tokenizer, "<nope>")
    with pytest.raises(ValueError, match="0 <= low <= high <= 1"):
        MaskRatio(0.9, 0.1)
    with pytest.raises(ValueError, match="schedule must be one of"):
        MaskRatio(schedule="cosine")


def test_linear_schedule_moves_from_heavy_to_light(fmt, mask_id):
    ratio = MaskRatio(0.1, 0.9, "linear")
    generator = torch.Generator().manual_seed(0)
    assert ratio.draw(generator, 0.0) == pytest.approx(0.9)
    assert ratio.draw(generator, 1.0) == pytest.approx(0.1)
    assert MaskRatio(0.5, 0.5, "fixed").draw(generator, 0.3) == 0.5
    # In a run, progress is the share of the planned batches drawn (set by MaskSchedule).
    collator = MaskingCollator(pad_id=2, mask_id=mask_id, ratio=ratio, planned_batches=5)
    ratios = []
    for _ in range(5):
        collator([fmt.masked(DOC)])
        ratios.append(collator.last_ratio)
    assert ratios == pytest.approx([0.9, 0.7, 0.5, 0.3, 0.1])


def test_chat_methods_need_a_chat_template_but_pretrain_does_not(tokenizer):
    from copy import deepcopy

    from maskft_bench.training.formats import FormatError

    plain = deepcopy(tokenizer)
    plain.chat_template = None
    fmt = Formatter(plain)
    example = fmt.pretrain(DOC)
    assert example.input_ids[0] == plain.bos_token_id and example.input_ids[-1] == plain.eos_token_id
    assert example.labels[0] == IGNORE and example.labels[1:] == example.input_ids[1:]
    with pytest.raises(FormatError, match="no chat template"):
        fmt.masked(DOC)


def test_collator_takes_the_mappings_the_dataset_yields(fmt, mask_id):
    example = fmt.masked(DOC)
    as_example, _ = collate([example], mask_id, seed=9)
    as_mapping, _ = collate([vars(example)], mask_id, seed=9)
    assert all(torch.equal(as_example[k], as_mapping[k]) for k in as_example)
