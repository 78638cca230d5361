# Copyright (c) mmbleed contributors. All rights reserved.
"""The tracker's pretraining loss on dense tracks (BleedOrigin §4.3; Track-On §3.4).

Track-On (Aydemir et al., ICLR 2025; ``model/loss.py``) trains every head of the tracker
(:class:`TrackOn`) at once, on every frame after the query frame:

- **patch classification** of both correlations (before and after re-ranking):
  cross-entropy of ``corr / temperature`` over the patches against the patch that holds the
  true point (visible points only);
- **offset**: L1 from the chosen patch centre to the true point, clamped at two patch
  strides per point so a wrong patch does not dominate (visible points only);
- **visibility**: binary cross-entropy against the true visibility (all points);
- **uncertainty**: binary cross-entropy against "the prediction is more than
  ``uncertain_px`` off, or the point is hidden" (all points), for the final prediction and
  for each re-ranking candidate;
- **re-ranking**: cross-entropy of the candidates' scores against the candidate nearest the
  true point (visible points only).

Every term is averaged over the entries its mask keeps; the weights are in the config.
"""
from typing import Dict, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from mmbleed.registry import MODELS


def _masked_mean(value: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    mask = mask.to(value.dtype)
    return (value * mask).sum() / mask.sum().clamp(min=1.0)


def patch_index(points: torch.Tensor, grid: Sequence[int], stride: int) -> torch.Tensor:
    """Index of the ``stride``-pixel patch holding each ``(x, y)`` point of ``points``
    ``(..., 2)`` (input pixels) on an ``(h, w)`` ``grid`` (row-major), clamped to it."""
    h, w = grid
    col = torch.div(points[..., 0] + 0.5, stride, rounding_mode='floor').clamp(0, w - 1)
    row = torch.div(points[..., 1] + 0.5, stride, rounding_mode='floor').clamp(0, h - 1)
    return (row * w + col).long()


@MODELS.register_module()
class TrackOnLoss(nn.Module):
    """Track-On's losses over a window (module docstring).

    Args:
        temperature (float): of the patch classification. Defaults to 0.05 (Track-On).
        uncertain_px (float): a prediction farther than this from the truth (input pixels)
            counts as uncertain. Defaults to 8.
        patch_weight, offset_weight, visibility_weight, uncertainty_weight, rank_weight
            (float): the terms' weights. Default to 1.

    ``forward(outputs, gt_points (B, T, K, 2), gt_visible (B, T, K), mask (B, T, K), grid,
    stride)``: ``outputs`` as :meth:`TrackOn.unroll` returns them; ``mask`` the entries that
    count (real points, frames after the query, frames with a known truth).
    """

    def __init__(self,
                 temperature: float = 0.05,
                 uncertain_px: float = 8.0,
                 patch_weight: float = 1.0,
                 offset_weight: float = 1.0,
                 visibility_weight: float = 1.0,
                 uncertainty_weight: float = 1.0,
                 rank_weight: float = 1.0) -> None:
        super().__init__()
        self.temperature = temperature
        self.uncertain_px = uncertain_px
        self.weights = dict(loss_patch=patch_weight, loss_offset=offset_weight,
                            loss_visibility=visibility_weight,
                            loss_uncertainty=uncertainty_weight, loss_rank=rank_weight)

    def forward(self, outputs: Dict[str, torch.Tensor], gt_points: torch.Tensor,
                gt_visible: torch.Tensor, mask: torch.Tensor, grid: Sequence[int],
                stride: int) -> Dict[str, torch.Tensor]:
        gt_points = torch.nan_to_num(gt_points)
        seen = mask & gt_visible
        target = patch_index(gt_points, grid, stride)
        patch = 0
        for key in ('corr1', 'corr2'):
            logits = outputs[key] / self.temperature
            ce = F.cross_entropy(logits.flatten(0, 2), target.flatten(), reduction='none')
            patch = patch + _masked_mean(ce.view(target.shape), seen)
        offset_gt = gt_points - outputs['patch_xy']
        offset = (outputs['offset'] - offset_gt).abs().sum(-1).clamp(max=2 * stride)
        visibility = F.binary_cross_entropy_with_logits(
            outputs['vis_logit'], gt_visible.float(), reduction='none')

        def uncertain(points: torch.Tensor, visible: torch.Tensor) -> torch.Tensor:
            far = (points.detach() - gt_points[..., None, :] if points.ndim == 5
                   else points.detach() - gt_points).norm(dim=-1) > self.uncertain_px
            return (far | ~visible).float()

        unc = F.binary_cross_entropy_with_logits(
            outputs['unc_logit'], uncertain(outputs['points'], gt_visible), reduction='none')
        cand_unc = F.binary_cross_entropy_with_logits(
            outputs['cand_unc_logit'],
            uncertain(outputs['candidates'], gt_visible[..., None]), reduction='none').mean(-1)
        nearest = (outputs['candidates'] - gt_points[..., None, :]).norm(dim=-1).argmin(-1)
        rank = F.cross_entropy(outputs['cand_scores'].flatten(0, 2), nearest.flatten(),
                               reduction='none').view(nearest.shape)
        losses = dict(
            loss_patch=patch / 2,
            loss_offset=_masked_mean(offset, seen) / stride,
            loss_visibility=_masked_mean(visibility, mask),
            loss_uncertainty=(_masked_mean(unc, mask) + _masked_mean(cand_unc, mask)) / 2,
            loss_rank=_masked_mean(rank, seen))
        return {key: self.weights[key] * value for key, value in losses.items()}
