# Copyright (c) mmbleed contributors. All rights reserved.
"""The onset loss (BleedOrigin §4.1.1, Eq. 4).

Per window: ``BCE(conf, 0)`` when the onset is not in it; ``BCE(conf, 1) + MSE(Nθ, Nθ_gt)``
when it is. The position term is in frames (``N·θ``), so it is weighted down by
``position_weight`` (the paper gives no weights; 1/N² would make it an MSE of ``θ``).

mmbleed's option ``min_frames_after`` (``m``; 0, the paper's labels, by default): a window
counts as holding the onset only when it also holds at least ``m`` frames after it; a window
whose onset lies in its last ``m`` frames is a negative, ``BCE(conf, 0)``. The paper's labels
ask a window to name a bleed that cannot be seen yet: the bleed's first blood shows 4-10
frames after the onset in the synthetic training clips (10 frame pixels or more: median 8
frames later), so a window ending 0-7 frames after the onset looks like a window without
one, and two labels on the same picture may push the confidence of blood-free windows up,
which Eq. 2 (the earliest of all windows that pass) turns into early alerts and alerts on
bleeding-free clips. Eq. 2 is unchanged. An ablation: on the synthetic benchmark ``m = 8``
did not beat the paper's labels (docs/onset_detection.md).
"""
from typing import Dict, Optional

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
        min_frames_after (int): ``m`` above; 0 keeps the paper's labels. Defaults to 0.
    """

    def __init__(self,
                 window: int = 60,
                 confidence_weight: float = 1.0,
                 position_weight: float = 0.01,
                 min_frames_after: int = 0) -> None:
        super().__init__()
        if not 0 <= min_frames_after < window:
            raise ValueError(f'min_frames_after must be in [0, window={window}), got '
                             f'{min_frames_after}')
        self.window = window
        self.confidence_weight = confidence_weight
        self.position_weight = position_weight
        self.min_frames_after = int(min_frames_after)

    def forward(self, theta_logits: torch.Tensor, conf_logits: torch.Tensor,
                has_onset: torch.Tensor, gt_theta: torch.Tensor,
                valid_lens: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """Losses ``loss_onset_conf`` and ``loss_onset_pos``.

        Args:
            theta_logits, conf_logits: ``(W,)`` head outputs (before the sigmoid).
            has_onset: ``(W,)`` bool, the onset lies in the window.
            gt_theta: ``(W,)`` ``(onset − start) / N`` where ``has_onset`` (else ignored).
            valid_lens: ``(W,)`` real frames per window (a clip shorter than ``N`` gives
                one padded window); None: ``N`` each.
        """
        if self.min_frames_after > 0:
            if valid_lens is None:
                valid_lens = torch.full_like(gt_theta, self.window)
            position = torch.round(gt_theta * self.window)
            frames_after = valid_lens.to(position.dtype) - 1 - position
            has_onset = has_onset & (frames_after >= self.min_frames_after)
        target = has_onset.to(conf_logits.dtype)
        loss_conf = F.binary_cross_entropy_with_logits(conf_logits, target)
        if has_onset.any():
            pred = self.window * theta_logits[has_onset].sigmoid()
            loss_pos = F.mse_loss(pred, self.window * gt_theta[has_onset].to(pred.dtype))
        else:
            loss_pos = theta_logits.sum() * 0.0
        return dict(loss_onset_conf=self.confidence_weight * loss_conf,
                    loss_onset_pos=self.position_weight * loss_pos)
