# Copyright (c) mmbleed contributors. All rights reserved.
"""The tracker's prediction head: offset, visibility and uncertainty (BleedOrigin §4.3).

After the second correlation names a patch, Track-On (Aydemir et al., ICLR 2025;
``model/prediction_head.py``) reads the frame around that patch's centre with deformable
sampling and predicts from the query and what it read:

- an **offset** from the patch centre to the point (sub-patch precision; in input pixels,
  predicted in units of the patch stride);
- a **visibility** logit (is the point seen in this frame, or covered by blood, an
  instrument, smoke, or out of view);
- an **uncertainty** logit (is the predicted point more than a few pixels off).

The tracker's confidence is ``sigmoid(visibility) * (1 - sigmoid(uncertainty))``
(:class:`TrackOn`); the read features are also what the spatial memory stores.
"""
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ..layers import DeformableSampler


class PointPredictionHead(nn.Module):
    """Offset, visibility and uncertainty at a patch centre.

    Args:
        dim (int): channels ``D``.
        strides (Sequence[int]): strides of the feature levels read around the patch.
        patch_stride (int): stride of the correlation patches (the offset unit).
        num_points (int): deformable sampling points per level. Defaults to 4.

    ``forward(query (B, K, D), patch_xy (B, K, 2) input pixels, features, image_size)``
    returns ``(offset (B, K, 2) input pixels, visibility logit (B, K), uncertainty logit
    (B, K), local feature (B, K, D))``.
    """

    def __init__(self, dim: int, strides: Sequence[int], patch_stride: int,
                 num_points: int = 4) -> None:
        super().__init__()
        self.patch_stride = patch_stride
        self.sampler = DeformableSampler(dim, strides, num_points)
        self.fuse = nn.Linear(2 * dim, dim)
        self.hidden = nn.Linear(dim, dim)
        self.offset = nn.Linear(dim, 2)
        self.visibility = nn.Linear(dim, 1)
        self.uncertainty = nn.Linear(dim, 1)

    def forward(self, query: torch.Tensor, patch_xy: torch.Tensor,
                features: Sequence[torch.Tensor], image_size: Sequence[int]
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        local = self.sampler(query, patch_xy, features, image_size)
        token = self.fuse(torch.cat([local, query], -1))
        hidden = F.gelu(self.hidden(token)) + token
        return (self.offset(hidden) * self.patch_stride,
                self.visibility(hidden).squeeze(-1),
                self.uncertainty(hidden).squeeze(-1), local)
