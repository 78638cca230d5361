# Copyright (c) mmbleed contributors. All rights reserved.
"""The tracker's fine-tuning loss with pseudo-labels (BleedOrigin §4.3, Eq. 8).

``L = 0.6 · Huber(P, P_gt) + 0.4 · (1 / M) Σ_m Huber(P_m, P_m_pseudo)``

- ``P``: the tracked source point, ``P_gt`` the expert annotation, on the annotated frames
  where the source is visible (every 30 frames);
- ``P_m``: the tracked point of the m-th pseudo-label (SIFT matches within 50 px of the
  source, tracked and Kalman/RTS-smoothed: ``tools/dataset_converters/make_pseudo_tracks.py``),
  ``P_m_pseudo`` its pseudo-track, on every frame where it is defined and visible; the
  mean runs over the pseudo-points (per point first, then over points, so a long
  pseudo-track does not outweigh a short one).

The paper does not give the Huber unit; here points are divided by ``scale`` (the
tracker's patch stride, so the Huber's linear part starts one patch away) and the
prediction is the tracker's differentiable point (:meth:`TrackOn.unroll`
``soft_points``: soft-argmax over the second correlation plus the offset), whose
argmax version is what the tracker outputs. Without pseudo-labels (the "pseudo-labels off"
ablation, or a sample with none) the second term is zero.
"""
from typing import Dict

import torch
import torch.nn.functional as F
from torch import nn

from mmbleed.registry import MODELS


@MODELS.register_module()
class PseudoLabelTrackLoss(nn.Module):
    """Eq. 8 (module docstring).

    Args:
        annotated_weight (float): weight of the expert term. Defaults to 0.6 (paper).
        pseudo_weight (float): weight of the pseudo-label term. Defaults to 0.4 (paper).
        huber_delta (float): Huber transition in units of ``scale``. Defaults to 1.

    ``forward(points (B, T, K, 2), gt_points, gt_mask (B, T, K), is_pseudo (B, K), scale)``:
    ``gt_points`` the expert point (``is_pseudo`` False) or the pseudo-track (True) of each
    query, ``gt_mask`` where it is defined and visible (frames after the query only).
    """

    def __init__(self, annotated_weight: float = 0.6, pseudo_weight: float = 0.4,
                 huber_delta: float = 1.0) -> None:
        super().__init__()
        self.annotated_weight = annotated_weight
        self.pseudo_weight = pseudo_weight
        self.huber_delta = huber_delta

    def forward(self, points: torch.Tensor, gt_points: torch.Tensor, gt_mask: torch.Tensor,
                is_pseudo: torch.Tensor, scale: float) -> Dict[str, torch.Tensor]:
        huber = F.huber_loss(points / scale, torch.nan_to_num(gt_points) / scale,
                             reduction='none', delta=self.huber_delta).sum(-1)  # (B, T, K)
        mask = gt_mask.float()
        annotated = mask * (~is_pseudo)[:, None].float()
        loss_annotated = (huber * annotated).sum() / annotated.sum().clamp(min=1.0)
        pseudo = mask * is_pseudo[:, None].float()
        per_point = (huber * pseudo).sum(1) / pseudo.sum(1).clamp(min=1.0)  # (B, K)
        has = pseudo.sum(1) > 0
        loss_pseudo = per_point[has].mean() if has.any() else points.sum() * 0
        return dict(loss_annotated=self.annotated_weight * loss_annotated,
                    loss_pseudo=self.pseudo_weight * loss_pseudo)
