# Copyright (c) mmbleed contributors. All rights reserved.
"""Per-point FIFO memory with learned temporal embeddings (BleedOrigin §4.3; Track-On §3.2).

Track-On (Aydemir et al., ICLR 2025) keeps, for every tracked point, two memories of its
last ``M`` frames that the query reads before it looks for the point in the new frame:

- the **spatial memory**: the frame feature read at the point's predicted location in each
  past frame (what the tissue around the point looked like lately: it follows slow
  appearance changes such as spreading blood);
- the **context memory**: the decoded query of each past frame (what the tracker
  "thought" the point was).

Both are the same structure, this class: ``M`` slots per point, oldest first, a learned
temporal embedding per slot (added when the memory is read, so attention knows how old a
slot is), and a mask. A slot is masked while empty and when the frame it came from was
judged occluded for that point (issue 8: predictions judged occluded are masked out of
memory reads, so an instrument or a blood pool that covers the source never becomes "the
source"). Writing pushes one slot and drops the oldest, so a 10-minute stream costs the
same per frame as a 10-second one.
"""
from typing import Tuple

import torch
from torch import nn


class PointMemory(nn.Module):
    """``M`` slots per point with temporal embeddings and an occlusion mask.

    Args:
        dim (int): slot channels ``D``.
        size (int): slots ``M`` (Track-On uses 12 at 24 fps).

    The state is a pair ``(slots (B, K, M, D), masked (B, K, M) bool)``: :meth:`empty` makes
    one, :meth:`write` returns the next one, :meth:`read` returns the tokens attention reads.
    """

    def __init__(self, dim: int, size: int) -> None:
        super().__init__()
        if size < 1:
            raise ValueError(f'memory size must be >= 1 slot, got {size}')
        self.size = size
        self.temporal_embedding = nn.Parameter(torch.zeros(size, dim))
        nn.init.trunc_normal_(self.temporal_embedding, std=0.02)

    def empty(self, batch: int, points: int, dim: int, device: torch.device,
              dtype: torch.dtype = torch.float32) -> Tuple[torch.Tensor, torch.Tensor]:
        """An all-masked memory for ``batch x points`` points."""
        return (torch.zeros(batch, points, self.size, dim, device=device, dtype=dtype),
                torch.ones(batch, points, self.size, device=device, dtype=torch.bool))

    @staticmethod
    def write(state: Tuple[torch.Tensor, torch.Tensor], value: torch.Tensor,
              keep: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Push ``value`` ``(B, K, D)`` as the newest slot; ``keep`` ``(B, K)`` False masks it
        (occluded, or a padding point). The oldest slot is dropped."""
        slots, masked = state
        return (torch.cat([slots[:, :, 1:], value[:, :, None]], dim=2),
                torch.cat([masked[:, :, 1:], ~keep[:, :, None]], dim=2))

    def read(self, state: Tuple[torch.Tensor, torch.Tensor]
             ) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(tokens (B, K, M, D) = slots + temporal embedding, masked (B, K, M))``."""
        slots, masked = state
        return slots + self.temporal_embedding, masked
