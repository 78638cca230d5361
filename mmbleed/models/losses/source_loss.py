# Copyright (c) mmbleed contributors. All rights reserved.
"""The source module's loss (BleedOrigin paper, §4.1.3, Eq. 5).

``L = λ1 · MSE(H, H_gt) + λ2 / N · Σ_n MSE(H^n, H^n_pseudo) + δ · Huber(P, P_gt)``

- ``H``: the predicted heat map of the frame, ``H_gt`` the Gaussian at the expert point;
- ``H^n``: the heat map predicted for the n-th frame after it, ``H^n_pseudo`` the Gaussian at
  the expert point carried there by optical flow (the pseudo-labels), averaged over the
  pseudo-labels that passed the flow's forward-backward check;
- ``P``: the differentiable soft-argmax of ``H`` (:func:`soft_argmax_2d`), the same map whose
  argmax is the prediction, against the expert point ``P_gt``.

The paper sets λ1 = λ2 = 0.5 and δ = 1. It does not say in which unit the Huber term measures
``P``; here points are divided by the heat map's width and height (so the term is in "share of
the image", comparable to the heat-map terms at any resolution) and the Huber transition is
``huber_delta`` of that unit.
"""
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import nn

from mmbleed.registry import MODELS


def soft_argmax_2d(heatmaps: torch.Tensor, beta: float) -> torch.Tensor:
    """Expected ``(x, y)`` under ``softmax(beta · H)`` over each map, in heat-map pixels.

    Args:
        heatmaps (Tensor): ``(B, K, H, W)``.
        beta (float): inverse temperature; larger is closer to the argmax.

    Returns:
        Tensor: ``(B, K, 2)`` points, pixel centres at integers.
    """
    b, k, h, w = heatmaps.shape
    prob = torch.softmax(beta * heatmaps.reshape(b, k, -1).float(), dim=-1).view(b, k, h, w)
    xs = torch.arange(w, dtype=prob.dtype, device=prob.device)
    ys = torch.arange(h, dtype=prob.dtype, device=prob.device)
    x = (prob.sum(dim=2) * xs).sum(dim=-1)
    y = (prob.sum(dim=3) * ys).sum(dim=-1)
    return torch.stack([x, y], dim=-1)


@MODELS.register_module()
class SourceLoss(nn.Module):
    """Eq. 5: heat-map MSE on the expert point and on the pseudo-labels, Huber on the point.

    Args:
        heatmap_weight (float): λ1. Defaults to 0.5.
        pseudo_weight (float): λ2. Defaults to 0.5.
        point_weight (float): δ. Defaults to 1.0.
        huber_delta (float): transition of the Huber term, in shares of the heat map's side.
            Defaults to 0.05.
        soft_argmax_beta (float): inverse temperature of the soft-argmax. Defaults to 20.
    """

    def __init__(self,
                 heatmap_weight: float = 0.5,
                 pseudo_weight: float = 0.5,
                 point_weight: float = 1.0,
                 huber_delta: float = 0.05,
                 soft_argmax_beta: float = 20.0) -> None:
        super().__init__()
        self.heatmap_weight = heatmap_weight
        self.pseudo_weight = pseudo_weight
        self.point_weight = point_weight
        self.huber_delta = huber_delta
        self.soft_argmax_beta = soft_argmax_beta

    @staticmethod
    def _weighted_mse(pred: torch.Tensor, target: torch.Tensor,
                      weights: torch.Tensor) -> torch.Tensor:
        """Mean over maps with weight > 0 of the per-map pixel MSE; ``(N, H, W)`` inputs."""
        if pred.shape != target.shape:
            raise ValueError(f'heat-map shapes differ: prediction {tuple(pred.shape)} vs '
                             f'target {tuple(target.shape)}')
        per_map = ((pred - target)**2).flatten(1).mean(dim=1)
        weights = weights.to(per_map)
        return (per_map * weights).sum() / weights.sum().clamp(min=1.0)

    def forward(self,
                heatmaps: torch.Tensor,
                target: torch.Tensor,
                target_weights: torch.Tensor,
                points: torch.Tensor,
                pseudo_heatmaps: Optional[torch.Tensor] = None,
                pseudo_targets: Optional[torch.Tensor] = None,
                pseudo_weights: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """Shapes: ``heatmaps``/``target`` ``(B, H, W)``; ``target_weights`` ``(B,)`` (0 for a
        hidden source); ``points`` ``(B, 2)`` expert points in heat-map pixels; the pseudo
        terms ``(M, H, W)`` / ``(M, H, W)`` / ``(M,)`` for the M pseudo-labelled frames of the
        batch (absent or M = 0: the term is 0)."""
        losses = dict(
            loss_heatmap=self.heatmap_weight *
            self._weighted_mse(heatmaps, target, target_weights))
        if self.pseudo_weight > 0 and pseudo_heatmaps is not None and len(pseudo_heatmaps):
            losses['loss_pseudo'] = self.pseudo_weight * self._weighted_mse(
                pseudo_heatmaps, pseudo_targets, pseudo_weights)
        if self.point_weight > 0:
            h, w = heatmaps.shape[-2:]
            scale = heatmaps.new_tensor([w, h])
            pred = soft_argmax_2d(heatmaps[:, None], self.soft_argmax_beta)[:, 0] / scale
            per_point = F.huber_loss(
                pred, points.to(pred) / scale, reduction='none',
                delta=self.huber_delta).sum(dim=1)
            weights = target_weights.to(per_point)
            losses['loss_point'] = self.point_weight * (per_point * weights).sum() / \
                weights.sum().clamp(min=1.0)
        return losses
