"""The diffusion LM's training loss (LLaDA's SFT objective), a pure function of one batch.

    loss = mean over sequences b of  1 / (t_b * L_b) * sum over masked answer positions i of
                                     -log p(x_i | the masked sequence)

t_b is the sequence's mask ratio and L_b its answer length (EOS fill included, see
`collator.DiffusionCollator`). Dividing by t makes the sum an unbiased estimate of the
negative log-likelihood bound of a masked diffusion model whatever t was drawn; dividing by
L_b puts every sequence on the same per-token scale, so long documents do not dominate.
Unlike the autoregressive loss, positions are not shifted: logits[:, i] predicts token i.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .formats import IGNORE


def diffusion_loss(logits: torch.Tensor, labels: torch.Tensor, mask_ratio: torch.Tensor,
                   response_length: torch.Tensor) -> torch.Tensor:
    """logits (B, T, V); labels (B, T), IGNORE where not masked; mask_ratio, response_length (B,)."""
    token_loss = F.cross_entropy(logits.float().flatten(0, 1), labels.flatten(),
                                 ignore_index=IGNORE, reduction="none").view(labels.shape)
    return (token_loss.sum(dim=1) / (mask_ratio * response_length)).mean()
