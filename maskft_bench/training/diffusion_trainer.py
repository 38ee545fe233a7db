"""transformers' Trainer with the diffusion LM's loss, for `--method dllm`.

Everything else (loop, mixed precision, checkpoints, resume, DDP, token and FLOP counts) is
the Trainer's own, exactly as for the other methods. Its own module so that importing the
engine does not import Trainer.
"""

from __future__ import annotations

from transformers import Trainer

from ..dllm.model import forward_logits, shifts_logits
from .objective import diffusion_loss


class DiffusionTrainer(Trainer):
    loss_is_scaled_for_ga = False  # a per-batch mean: Trainer divides it by grad_accum

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        """The batch's labels, mask_ratio and response_length (collator.DiffusionCollator) go
        to objective.diffusion_loss; the model sees only the ids."""
        labels, ratio, length = (inputs.pop(k) for k in ("labels", "mask_ratio", "response_length"))
        config = self.accelerator.unwrap_model(model).config
        logits = forward_logits(model, inputs["input_ids"], inputs["attention_mask"],
                                shifts_logits(config))
        loss = diffusion_loss(logits, labels, ratio, length)
        return (loss, {"logits": logits}) if return_outputs else loss
