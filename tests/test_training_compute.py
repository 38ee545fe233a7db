"""Training compute: the FLOPs formula against a hand count and against torch's FLOP counter, the
batch counts on padded, packed and diffusion batches, and the meter inside a real Trainer
(totals, Trainer's own figures, resume)."""

import json
from pathlib import Path

import pytest
import torch

from maskft_bench.training.collator import DiffusionCollator, MaskingCollator, MaskRatio
from maskft_bench.training.compute import (
    ComputeError,
    ComputeMeter,
    TransformerShape,
    loss_token_count,
    sequence_lengths,
    training_flops,
)
from maskft_bench.training.formats import IGNORE, Example

MASK_ID = 5
TINY = dict(vocab_size=10, hidden_size=8, intermediate_size=16, num_hidden_layers=2,
            num_attention_heads=2, num_key_value_heads=1)


def llama_config(**overrides):
    from transformers import LlamaConfig

    fields = dict(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)
    return LlamaConfig(**{**fields, **overrides})


def test_flops_match_a_hand_count():
    # per layer: q 8x8=64, k and v 8x4=32 each, o 64, gated MLP 3x8x16=384 -> 576; two layers
    # 1152, LM head 10x8=80: P=1232. Lengths 3 and 1: 4 tokens, causal keys 6+1=7, full 9+1=10.
    assert training_flops(TINY, [3, 1]) == 3 * (2 * 1232 * 4 + 4 * 2 * 8 * 7) == 30912
    assert training_flops(TINY, [3, 1], causal=False) == 3 * (2 * 1232 * 4 + 4 * 2 * 8 * 10)
    # the LM head counts whether tied or not; an absent kv-head count means one per query head
    assert training_flops({**TINY, "tie_word_embeddings": True}, [5]) == training_flops(TINY, [5])
    no_gqa = {k: v for k, v in TINY.items() if k != "num_key_value_heads"}
    assert training_flops(no_gqa, [1]) - training_flops(TINY, [1]) == 3 * 2 * 2 * (2 * 8 * 4)


@pytest.mark.parametrize("config, message", [
    ({"model_type": "llada", "d_model": 8}, "config has no hidden_size, num_hidden_layers"),
    ({**TINY, "num_local_experts": 8}, "mixture-of-experts"),
])
def test_unsupported_configs_are_refused(config, message):
    with pytest.raises(ComputeError, match=message):
        training_flops(config, [4])


def test_flops_match_torch_flop_counter():
    """torch counts every matmul of a forward and backward pass. Under eager attention that is
    the formula with the full L x L attention square (the causal mask is applied after QK^T),
    to the FLOP: norms, activations, rotary embeddings, softmax and the loss are elementwise and
    counted by neither. (CPU sdpa runs a kernel the counter does not know, so eager is used.)"""
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import LlamaForCausalLM

    torch.manual_seed(0)
    config = llama_config(attn_implementation="eager")
    model = LlamaForCausalLM(config)

    def counted(input_ids, attention_mask):
        with FlopCounterMode(display=False) as counter:
            model(input_ids=input_ids, attention_mask=attention_mask, labels=input_ids).loss.backward()
        return counter.get_total_flops()

    ids = torch.randint(0, 64, (2, 7))
    full = counted(ids, torch.ones_like(ids))
    assert full == training_flops(config, [7, 7], causal=False)
    # the causal figure leaves out the masked half of the square: 3 x 4 x layers x 32 x (49 - 28)
    assert full - training_flops(config, [7, 7]) == 2 * 3 * 4 * 2 * 32 * (49 - 28)
    # a padded batch computes every row to full width, more than its real lengths' figure
    padded = torch.ones_like(ids)
    padded[1, 4:] = 0
    assert counted(ids, padded) == full > training_flops(config, [7, 4], causal=False)


def examples() -> list[Example]:
    """Chat-like examples of different lengths: the first half is prompt (no loss), the middle
    of the prompt maskable."""
    rows = []
    for n, length in enumerate((9, 14, 6, 11, 8, 5, 12, 7)):
        ids = [10 + (7 * n + i) % 50 for i in range(length)]
        prompt = length // 2
        rows.append(Example(ids, [IGNORE] * prompt + ids[prompt:], list(range(1, prompt))))
    return rows


def loss_tokens_by_hand(rows: list[Example]) -> int:
    return sum(len(e) - len(e) // 2 for e in rows)


@pytest.mark.parametrize("packing", [False, True])
def test_padded_and_packed_batches_count_the_same(packing):
    rows = examples()[:3]
    batch = MaskingCollator(pad_id=0, mask_id=MASK_ID, ratio=MaskRatio(0.5, 0.5), seed=3,
                            packing=packing)(rows)
    assert sequence_lengths(batch) == [9, 14, 6]
    assert loss_token_count(batch) == loss_tokens_by_hand(rows) == 15


def test_loss_tokens_skip_what_the_shift_never_predicts():
    ids = torch.tensor([[1, 2, 3, 4, 5]])
    labels = ids.clone()  # every position labelled, the first ones too
    padded = {"input_ids": ids, "labels": labels, "attention_mask": torch.ones_like(ids)}
    assert loss_token_count(padded) == 4  # position 0 of the row is no target
    packed = {"input_ids": ids, "labels": labels, "position_ids": torch.tensor([[0, 1, 2, 0, 1]])}
    assert sequence_lengths(packed) == [3, 2]
    assert loss_token_count(packed) == 3  # nor is the first position of each packed example
    diffusion = {**padded, "mask_ratio": torch.tensor([0.5])}  # predicted in place, no shift
    assert loss_token_count(diffusion) == 5


def trainer_for(model, out, collator, rows, meter, trainer_class=None, **overrides):
    from transformers import Trainer, TrainingArguments

    args = TrainingArguments(
        output_dir=str(out), per_device_train_batch_size=2, gradient_accumulation_steps=2,
        num_train_epochs=2, learning_rate=1e-3, use_cpu=True, report_to="none",
        remove_unused_columns=False, save_steps=2, logging_steps=1, disable_tqdm=True,
        include_num_input_tokens_seen="all" if getattr(collator, "packing", False) else "non_padding",
        **overrides)
    trainer = (trainer_class or Trainer)(model=model, args=args, data_collator=collator,
                                         train_dataset=[vars(e) for e in rows])
    meter.install(trainer)
    return trainer


@pytest.mark.parametrize("packing", [False, True])
def test_meter_in_a_trainer_counts_every_micro_batch_and_resumes(tmp_path, one_thread, packing):
    """8 examples, 2 per micro-batch, 2 micro-batches per step, 2 epochs: 4 optimizer steps, and
    every example trained on twice; a checkpoint after the first epoch, resumed by a new
    Trainer and meter, continues from the first epoch's totals."""
    from transformers import LlamaForCausalLM

    rows = examples()
    epoch = {"input_tokens": sum(len(e) for e in rows), "loss_tokens": loss_tokens_by_hand(rows),
             "training_flops": training_flops(llama_config(), [len(e) for e in rows])}
    collator = MaskingCollator(pad_id=0, mask_id=MASK_ID, seed=0, packing=packing)
    torch.manual_seed(0)
    meter = ComputeMeter(llama_config())
    trainer = trainer_for(LlamaForCausalLM(llama_config()), tmp_path / "run", collator, rows, meter)
    trainer.train()
    assert trainer.state.global_step == 4
    assert meter.totals() == {name: 2 * value for name, value in epoch.items()}
    assert meter.totals()["input_tokens"] == trainer.state.num_input_tokens_seen
    assert trainer.state.total_flos == meter.totals()["training_flops"]

    checkpoint = tmp_path / "run" / "checkpoint-2"
    saved = json.loads((checkpoint / "trainer_state.json").read_text())
    assert saved["stateful_callbacks"]["ComputeMeter"]["attributes"]["counts"] == epoch
    assert saved["total_flos"] == epoch["training_flops"]
    resumed_meter = ComputeMeter(llama_config())
    resumed = trainer_for(LlamaForCausalLM(llama_config()), tmp_path / "resumed", collator, rows,
                          resumed_meter)
    resumed.train(resume_from_checkpoint=str(checkpoint))
    assert resumed_meter.totals() == meter.totals()
    assert resumed.state.total_flos == meter.totals()["training_flops"]


def test_meter_refuses_trainers_own_callback_restoring(tmp_path):
    from transformers import LlamaForCausalLM

    with pytest.raises(ComputeError, match="restore_callback_states_from_checkpoint"):
        trainer_for(LlamaForCausalLM(llama_config()), tmp_path, MaskingCollator(pad_id=0),
                    examples(), ComputeMeter(llama_config()),
                    restore_callback_states_from_checkpoint=True)


class RecordingCollator(DiffusionCollator):
    """The diffusion collator, noting how many positions each batch labels."""

    labelled: int = 0

    def __call__(self, examples):
        batch = super().__call__(examples)
        self.labelled += int((batch["labels"] != IGNORE).sum())
        return batch


def test_meter_under_the_diffusion_trainer(tmp_path, one_thread):
    """DiffusionTrainer's loss pops labels and mask_ratio from the batch; the meter still sees
    them (Trainer hands the loss a copy), counts every labelled position and counts attention
    as bidirectional. The ModernBERT config has no kv-head count: one per query head."""
    from transformers import ModernBertConfig, ModernBertForMaskedLM

    from maskft_bench.training.diffusion_trainer import DiffusionTrainer

    config = ModernBertConfig(vocab_size=64, hidden_size=32, intermediate_size=64,
                              num_hidden_layers=2, num_attention_heads=4, pad_token_id=0,
                              layer_types=["full_attention"] * 2)
    torch.manual_seed(0)
    collator = RecordingCollator(eos_id=1, mask_id=MASK_ID, seed=0)
    meter = ComputeMeter(config, causal=False)
    trainer = trainer_for(ModernBertForMaskedLM(config), tmp_path, collator, examples(), meter,
                          DiffusionTrainer)
    trainer.train()
    totals = meter.totals()
    assert totals["loss_tokens"] == collator.labelled > 0
    assert totals["input_tokens"] == trainer.state.num_input_tokens_seen
    assert totals["training_flops"] == trainer.state.total_flos
    # diffusion batches are EOS-filled to the longest row, and that fill is trained on
    assert totals["input_tokens"] > 2 * sum(len(e) for e in examples())


def test_unsupported_config_still_counts_tokens():
    with pytest.warns(UserWarning, match="training FLOPs are not counted"):
        meter = ComputeMeter({"model_type": "llada"})
    batch = {"input_ids": torch.ones(1, 4, dtype=torch.long),
             "labels": torch.tensor([[IGNORE, 1, 1, 1]]), "attention_mask": torch.ones(1, 4)}
    assert meter.floating_point_ops(batch) == 0.0
    assert meter.totals() == {"input_tokens": 4, "loss_tokens": 3, "training_flops": None}


def _count_in_process(rank: int, out: str) -> None:
    torch.distributed.init_process_group("gloo", init_method=f"file://{out}/init", rank=rank,
                                         world_size=2)
    meter = ComputeMeter(TINY)
    width = 3 + rank  # rank 0: one sequence of 3 tokens, rank 1: of 4
    batch = {"input_ids": torch.ones(1, width, dtype=torch.long),
             "labels": torch.ones(1, width, dtype=torch.long),
             "attention_mask": torch.ones(1, width, dtype=torch.long)}
    local = meter.floating_point_ops(batch)
    (Path(out) / f"{rank}.json").write_text(json.dumps([local, meter.totals()]))
    torch.distributed.destroy_process_group()


@pytest.mark.slow  # two processes that import torch and transformers: ~25 s on a busy CPU
def test_meter_sums_over_data_parallel_processes(tmp_path):
    """Each process returns its own FLOPs (Trainer sums total_flos itself) and holds the totals
    of all processes, as Trainer's num_input_tokens_seen does."""
    import torch.multiprocessing as mp

    mp.spawn(_count_in_process, args=(str(tmp_path),), nprocs=2)
    both = {"input_tokens": 7, "loss_tokens": 2 + 3, "training_flops": training_flops(TINY, [3, 4])}
    for rank, width in ((0, 3), (1, 4)):
        local, totals = json.loads((tmp_path / f"{rank}.json").read_text())
        assert local == training_flops(TINY, [width])
        assert totals == both


def test_smollm2_flops_per_token_against_trainers_estimate():
    """SmolLM2-135M at 128 tokens: the formula against Trainer's 6 x non-embedding parameters.
    The LM head (tied, so Trainer files it under embeddings) and attention make up the gap."""
    from transformers import AutoConfig, LlamaForCausalLM

    from maskft_bench.models import default_model_dir

    config = AutoConfig.from_pretrained(default_model_dir())
    shape = TransformerShape.from_config(config)
    with torch.device("meta"):
        trainers = 6 * LlamaForCausalLM(config).num_parameters(exclude_embeddings=True)
    ours = training_flops(config, [128]) / 128
    head, attention = 6 * 49152 * 576, 3 * 4 * 30 * 576 * 129 / 2
    assert ours == 6 * (shape.matmul_params - 49152 * 576) + head + attention
    assert trainers == pytest.approx(6 * (shape.matmul_params - 49152 * 576), rel=1e-3)  # + norms
    assert ours / trainers == pytest.approx(1.287, abs=1e-3)
