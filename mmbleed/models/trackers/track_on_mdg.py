# Copyright (c) mmbleed contributors. All rights reserved.
"""The MDG block of BleedOrigin-Track: what changed, added to the tracker's keys and values.

BleedOrigin puts its multi-domain gated attention (MDG, §4.1.1; :class:`MDG`) into the
tracker too and ablates it (§4.3, Table 9 "MDG"); the paper does not say what the tracker's
MDG compares. Here, for each frame ``I(t)`` (at the tracker's input size):

- against the **previous frame** ``I(t-1)``: what changed in the last 1/30 s (blood
  spreading, a flush, an instrument passing), as in the onset stage;
- against the **query frame** (MDG's memory of one key frame): what changed since the
  point was given (the source's look once blood covers it). :class:`MemoryRefresh`
  re-queries the tracker, which makes the refresh frame the new key frame.

The domains are the onset stage's (:class:`FrameDomains`: RGB, HSV and DIS optical flow,
computed once per frame on the CPU from the resized uint8 frame). MDG's fused map
``(C, H/8, W/8)`` (``stem_stride=2``) is projected to ``D`` channels and added to the
stride-8 map that makes the keys and values, and its pooled frame feature is projected and
added to every position (a 1×1 projection of a concatenation is the sum of the projected
parts, as for the Red-Mask). Both projections start at zero, so a tracker with the block
switched on starts exactly as the same weights without it (a pretrained checkpoint without
the block loads and tracks as before; training then learns what the block adds).

Streaming and offline see the same inputs: :meth:`TrackOnMDG.clip_inputs` computes each
clip's frames in order (frame 0 compared with itself: zero flow), :class:`TrackOnPointTracker`
keeps the previous frame's and the query frame's domains between ``step`` calls.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mmbleed.registry import MODELS
from ..memory.frame_domains import FrameDomains

#: the domain representations of one frame (``FrameDomains`` output: numpy, channels first)
Domains = Dict[str, np.ndarray]


class TrackOnMDG(nn.Module):
    """MDG of frame changes into the tracker's stride-8 features (module docstring).

    Args:
        dim (int): the tracker's feature channels ``D``.
        domains (Sequence[str]): MDG domains. Defaults to ``('rgb', 'hsv', 'flow')``.
        feat_channels (Sequence[int]): MDG's per-domain encoder channels. Defaults to
            ``(16, 32, 32)``.
        out_channels (int): MDG's pooled frame feature. Defaults to 64.
        flow_method (str): ``'dis'`` or ``'farneback'``. Defaults to ``'dis'``.
        dis_preset (str): DIS preset. Defaults to ``'medium'`` (the onset stage's).
        flow_scale (float): flow (input pixels per frame) is divided by it. Defaults to 4.
    """

    def __init__(self,
                 dim: int,
                 domains: Sequence[str] = ('rgb', 'hsv', 'flow'),
                 feat_channels: Sequence[int] = (16, 32, 32),
                 out_channels: int = 64,
                 flow_method: str = 'dis',
                 dis_preset: str = 'medium',
                 flow_scale: float = 4.0) -> None:
        super().__init__()
        self.mdg = MODELS.build(
            dict(type='MDG', domains=tuple(domains), feat_channels=tuple(feat_channels),
                 out_channels=out_channels, use_memory=True, stem_stride=2))
        self.frame_domains = FrameDomains(flow_method, dis_preset, flow_scale,
                                          compute_flow='flow' in domains)
        self.map_projection = nn.Conv2d(self.mdg.map_channels, dim, 1)
        self.vector_projection = nn.Linear(out_channels, dim)
        for layer in (self.map_projection, self.vector_projection):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    # ------------------------------------------------------------------ domains (CPU)
    def domains(self, frames: torch.Tensor, previous: Optional[Domains] = None
                ) -> List[Domains]:
        """The domains of ``frames`` ``(N, 3, H, W)`` (BGR, already at the input size, any
        float or uint8) in order, each frame's flow from the one before; the first frame's
        from ``previous`` (None: a stream's first frame, zero flow)."""
        images = frames.detach().round().clamp(0, 255).to(torch.uint8)
        images = images.permute(0, 2, 3, 1).cpu().numpy()
        return self.frame_domains.sequence(images,
                                           previous['gray'] if previous is not None else None)

    def stack(self, current: List[Domains], previous: List[Domains], key: List[Domains],
              device: torch.device) -> Dict[str, object]:
        """MDG's inputs for ``N`` frames: each frame (``current``) against ``previous`` and
        against the ``key`` (query) frame, one list entry per frame."""

        def tensors(items: List[Domains]) -> Dict[str, torch.Tensor]:
            return {d: torch.from_numpy(np.stack([x[d] for x in items])).to(device)
                    for d in self.mdg.domains}

        key_frames = {d: t[:, None] for d, t in tensors(key).items()}
        return dict(current=tensors(current), previous=tensors(previous), memory=key_frames,
                    memory_mask=torch.ones(len(key), 1, dtype=torch.bool, device=device))

    def clip_inputs(self, frames: torch.Tensor) -> Dict[str, object]:
        """MDG's inputs for every frame of clips ``(B, T, 3, H, W)`` (at the input size),
        flattened to ``B * T`` like the tracker's features: frame 0 of a clip is the query
        (key) frame and its own previous frame."""
        current, previous, key = [], [], []
        for clip in frames:
            doms = self.domains(clip)
            current += doms
            previous += doms[:1] + doms[:-1]
            key += doms[:1] * len(doms)
        return self.stack(current, previous, key, frames.device)

    # ------------------------------------------------------------------ features
    def forward(self, feat: torch.Tensor, inputs: Dict[str, object]) -> torch.Tensor:
        """``feat`` ``(N, D, h, w)`` (the stride-8 map) plus the projected MDG outputs."""
        vector, fused = self.mdg(inputs['current'], inputs['previous'], inputs['memory'],
                                 inputs['memory_mask'])
        if fused.shape[-2:] != feat.shape[-2:]:
            fused = F.interpolate(fused, size=feat.shape[-2:], mode='bilinear',
                                  align_corners=False)
        return feat + self.map_projection(fused) + self.vector_projection(vector)[..., None,
                                                                                  None]
