# Copyright (c) mmbleed contributors. All rights reserved.
"""Top-k re-ranking of the tracker's correlation peaks (BleedOrigin §4.3; Track-On §3.3).

The correlation of the decoded query with the frame picks one patch; when blood, a jet of
water or a reflection makes another patch look alike, that pick is wrong. Track-On
(Aydemir et al., ICLR 2025; ``model/reranking.py``) looks again at the ``k`` best patches:
each candidate is read with deformable sampling around its centre and fused with the query
into a candidate token, scored (``s``, trained to pick the candidate nearest the truth) and
given an uncertainty (``u``, trained to say that the candidate is more than a few pixels
off); the query then attends to the ``k`` tokens and comes out refined, for a second
correlation.
"""
from typing import Sequence, Tuple

import torch
from torch import nn

from ..layers import AttentionBlock, DeformableSampler


class TopKRerankHead(nn.Module):
    """Re-rank the ``top_k`` correlation peaks and refine the query.

    Args:
        dim (int): channels ``D``.
        strides (Sequence[int]): strides of the feature levels read around each candidate.
        top_k (int): candidates ``k``. Defaults to 8.
        num_heads (int): attention heads. Defaults to 4.
        num_points (int): deformable sampling points per level. Defaults to 4.

    ``forward(query (B, K, D), corr (B, K, P), centres (P, 2), features, image_size)``
    returns ``(refined query (B, K, D), candidates (B, K, k, 2) input pixels,
    scores (B, K, k), uncertainty logits (B, K, k))``.
    """

    def __init__(self, dim: int, strides: Sequence[int], top_k: int = 8, num_heads: int = 4,
                 num_points: int = 4) -> None:
        super().__init__()
        self.top_k = top_k
        self.sampler = DeformableSampler(dim, strides, num_points)
        self.fuse = nn.Linear(2 * dim, dim)
        self.score = nn.Linear(dim, 1)
        self.uncertainty = nn.Linear(dim, 1)
        self.attend = AttentionBlock(dim, num_heads)
        self.project = nn.Linear(2 * dim, dim)

    def forward(self, query: torch.Tensor, corr: torch.Tensor, centres: torch.Tensor,
                features: Sequence[torch.Tensor], image_size: Sequence[int]
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        b, k_pts, dim = query.shape
        k = min(self.top_k, corr.shape[-1])
        index = corr.detach().topk(k, dim=-1).indices  # (B, K, k)
        candidates = centres[index]  # (B, K, k, 2)
        repeated = query[:, :, None].expand(-1, -1, k, -1).reshape(b, k_pts * k, dim)
        local = self.sampler(repeated, candidates.reshape(b, k_pts * k, 2), features,
                             image_size)
        tokens = self.fuse(torch.cat([local, repeated], -1)).view(b, k_pts, k, dim)
        scores = self.score(tokens).squeeze(-1)
        uncertainty = self.uncertainty(tokens).squeeze(-1)
        refined = self.attend(query.reshape(b * k_pts, 1, dim),
                              tokens.reshape(b * k_pts, k, dim)).view(b, k_pts, dim)
        return self.project(torch.cat([refined, query], -1)), candidates, scores, uncertainty
