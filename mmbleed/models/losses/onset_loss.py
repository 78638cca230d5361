# Copyright (c) mmbleed contributors. All rights reserved.
"""The onset loss (BleedOrigin §4.1.1, Eq. 4).

Per window: ``BCE(conf, 0)`` when the onset is not in it; ``BCE(conf, 1) + MSE(Nθ, Nθ_gt)``
when it is. The position term is in frames (``N·θ``), so it is weighted down by
``position_weight`` (the paper gives no weights; 1/N² would make it an MSE of ``θ``).
"""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import nn

from mmbleed.registry import MODELS


@MODELS.register_module()
class OnsetLoss(nn.Module):
    """Eq. 4 over a batch of windows.

    Args:
        window (int): ``N``. Defaults to 60.
        confidence_weight (float): weight of the BCE terms. Defaults to 1.0.
        position_weight (float): weight of ``MSE(Nθ, Nθ_gt)``. Defaults to 0.01.
    """

    def __init__(self,
                 window: int = 60,
                 confidence_weight: float = 1.0,
                 position_weight: float = 0.01) -> None:
        super().__init__()
        self.window = window
        self.confidence_weight = confidence_weight
        self.position_weight = position_weight

    def forward(self, theta_logits: torch.Tensor, conf_logits: torch.Tensor,
                has_onset: torch.Tensor, gt_theta: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Losses ``loss_onset_conf`` and ``loss_onset_pos``.

        Args:
            theta_logits, conf_logits: ``(W,)`` head outputs (before the sigmoid).
            has_onset: ``(W,)`` bool, the onset lies in the window.
            gt_theta: ``(W,)`` ``(onset − start) / N`` where ``has_onset`` (else ignored).
        """
        target = has_onset.to(conf_logits.dtype)
        loss_conf = F.binary_cross_entropy_with_logits(conf_logits, target)
        if has_onset.any():
            pred = self.window * theta_logits[has_onset].sigmoid()
            loss_pos = F.mse_loss(pred, self.window * gt_theta[has_onset].to(pred.dtype))
        else:
            loss_pos = theta_logits.sum() * 0.0
        return dict(loss_onset_conf=self.confidence_weight * loss_conf,
                    loss_onset_pos=self.position_weight * loss_pos)
