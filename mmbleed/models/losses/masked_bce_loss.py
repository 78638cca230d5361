# Copyright (c) mmbleed contributors. All rights reserved.
"""Binary cross-entropy on per-frame labels with unknown entries left out.

The onset detector's auxiliary per-frame supervision (mmbleed's choices; paper §4.1.1 is
silent on both): MDCFM's colour- and motion-change confidences (labels from
:class:`LoadOnsetFrameTargets`) and the frame's bleeding state ("bleeding has begun",
``t ≥ onset``).
"""
import torch
import torch.nn.functional as F
from torch import nn

from mmbleed.registry import MODELS


@MODELS.register_module()
class MaskedBCELoss(nn.Module):
    """Mean BCE-with-logits over the known labels (NaN labels are ignored).

    Args:
        loss_weight (float): weight of the loss. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """``logits`` and ``targets`` of one shape; targets in {0, 1} or NaN."""
        if logits.shape != targets.shape:
            raise ValueError(f'logits {tuple(logits.shape)} and targets '
                             f'{tuple(targets.shape)} differ in shape')
        known = ~torch.isnan(targets)
        if not known.any():
            return logits.sum() * 0.0
        loss = F.binary_cross_entropy_with_logits(logits[known], targets[known].to(logits.dtype))
        return self.loss_weight * loss
