# Copyright (c) mmbleed contributors. All rights reserved.
"""Multi-scale deformable sampling around reference points, in plain PyTorch.

Track-On (Aydemir et al., ICLR 2025; ``model/modules.py`` ``DMSMHA_Block``) reads the frame
around each candidate location with multi-scale deformable attention (Zhu et al., "Deformable
DETR", 2021, Eq. 3): from the query, a linear layer predicts ``P`` sampling offsets per level
and their attention weights; the features are read there bilinearly and summed with the
weights. mmcv's CUDA/C++ op for this is not in mmcv-lite (../shared/STACK.md), so this is the
same sum with ``F.grid_sample``: slower on a GPU, identical in result, and it runs wherever
PyTorch does (the deployment target next to an endoscope included).
"""
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn


def sample_points(feature: torch.Tensor, points: torch.Tensor, image_size: Sequence[int]
                  ) -> torch.Tensor:
    """Read ``feature`` bilinearly at ``points`` given in input-image pixels.

    Args:
        feature: ``(B, C, h, w)`` a map covering the ``image_size`` input.
        points: ``(B, N, 2)`` ``(x, y)`` input pixels (pixel centres at integers).
        image_size: ``(H, W)`` of the input image.

    Returns:
        ``(B, N, C)``; points outside the image read the border.
    """
    h_img, w_img = image_size
    grid = torch.stack([(points[..., 0] + 0.5) / w_img * 2 - 1,
                        (points[..., 1] + 0.5) / h_img * 2 - 1], dim=-1)
    out = F.grid_sample(feature, grid.unsqueeze(2), mode='bilinear', padding_mode='border',
                        align_corners=False)
    return out.squeeze(-1).transpose(1, 2)


class DeformableSampler(nn.Module):
    """Attention-weighted features at learned offsets around reference points, per level.

    Args:
        dim (int): query and feature channels ``D``.
        strides (Sequence[int]): the stride of each feature level (offsets are predicted in
            units of the level's stride).
        num_points (int): sampling points per level ``P``. Defaults to 4.

    ``forward(query (B, N, D), reference (B, N, 2) input pixels, features [(B, D, h_l, w_l)],
    image_size (H, W)) -> (B, N, D)``.
    """

    def __init__(self, dim: int, strides: Sequence[int], num_points: int = 4) -> None:
        super().__init__()
        self.strides = tuple(strides)
        self.num_points = num_points
        levels = len(self.strides)
        self.offsets = nn.Linear(dim, levels * num_points * 2)
        self.weights = nn.Linear(dim, levels * num_points)
        self.output = nn.Linear(dim, dim)
        # start on a small ring around the reference, as Deformable DETR does
        nn.init.zeros_(self.offsets.weight)
        angle = torch.arange(num_points, dtype=torch.float32) * (2 * torch.pi / num_points)
        ring = torch.stack([angle.cos(), angle.sin()], -1).repeat(levels, 1)
        with torch.no_grad():
            self.offsets.bias.copy_(ring.flatten())

    def forward(self, query: torch.Tensor, reference: torch.Tensor,
                features: Sequence[torch.Tensor], image_size: Sequence[int]) -> torch.Tensor:
        b, n, _ = query.shape
        levels, p = len(self.strides), self.num_points
        offsets = self.offsets(query).view(b, n, levels, p, 2)
        weights = self.weights(query).view(b, n, levels * p).softmax(-1).view(b, n, levels, p)
        out = 0
        for level, (feature, stride) in enumerate(zip(features, self.strides)):
            where = reference[:, :, None] + offsets[:, :, level] * stride  # (B, N, P, 2)
            read = sample_points(feature, where.reshape(b, n * p, 2), image_size)
            out = out + (read.view(b, n, p, -1) * weights[:, :, level, :, None]).sum(2)
        return self.output(out)
