# Copyright (c) mmbleed contributors. All rights reserved.
"""Mean squared error between predicted and Gaussian target heat-maps.

The heat-map terms of the paper's source loss (§4.2): 0.5·MSE(H, H_gt) + 0.5·mean MSE(H,
H_pseudo); each term is one instance of this loss with its weight.
"""
from typing import Optional

import torch
from torch import nn

from mmbleed.registry import MODELS


@MODELS.register_module()
class HeatmapMSELoss(nn.Module):
    """``loss_weight · mean_k(w_k · mean_pixels((H_k − Ĥ_k)²))``.

    Args:
        loss_weight (float): the term's weight (the paper uses 0.5 for the GT term and
            0.5 for the pseudo-label term). Defaults to 1.0.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weights: Optional[torch.Tensor] = None) -> torch.Tensor:
        """``pred``/``target``: ``(B, K, H, W)``; ``weights``: ``(B, K)`` (0 = ignore)."""
        if pred.shape != target.shape:
            raise ValueError(f'heat-map shapes differ: prediction {tuple(pred.shape)} '
                             f'vs target {tuple(target.shape)}')
        per_map = ((pred - target)**2).flatten(2).mean(dim=2)
        if weights is None:
            return self.loss_weight * per_map.mean()
        weights = weights.to(per_map)
        return self.loss_weight * (per_map * weights).sum() / weights.sum().clamp(
            min=1.0)
