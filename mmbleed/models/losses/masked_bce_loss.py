# Copyright (c) mmbleed contributors. All rights reserved.
"""Binary cross-entropy on per-frame labels with unknown entries left out.

The onset detector's auxiliary per-frame supervision (mmbleed's choices; paper §4.1.1 is
silent on all three): MDCFM's colour- and motion-change confidences (labels from
:class:`LoadOnsetFrameTargets`), the frame's bleeding state ("bleeding has begun",
``t ≥ onset``) and the cells of the blood map.
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
        pos_weight (float): weight of the positive labels (``pos_weight`` of
            ``binary_cross_entropy_with_logits``), for rare positives such as the few map
            cells that hold the bleeding's blood. Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0, pos_weight: float = 1.0) -> None:
        super().__init__()
        if pos_weight <= 0:
            raise ValueError(f'pos_weight must be positive, got {pos_weight}')
        self.loss_weight = loss_weight
        self.pos_weight = float(pos_weight)

    def forward(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """``logits`` and ``targets`` of one shape; targets in {0, 1} or NaN."""
        if logits.shape != targets.shape:
            raise ValueError(f'logits {tuple(logits.shape)} and targets '
                             f'{tuple(targets.shape)} differ in shape')
        known = ~torch.isnan(targets)
        if not known.any():
            return logits.sum() * 0.0
        loss = F.binary_cross_entropy_with_logits(
            logits[known], targets[known].to(logits.dtype),
            pos_weight=logits.new_tensor(self.pos_weight))
        return self.loss_weight * loss
