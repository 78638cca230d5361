# Copyright (c) mmbleed contributors. All rights reserved.
"""Evidence-frame alignment: the look-ahead frame warped onto the frame by optical flow.

mmbleed's addition to the source module's look-ahead (paper §4.1.2 reads one frame; §4.1.3
already uses optical flow, for the pseudo-labels). The source localizer compares the frame
``t`` with its evidence frame ``t + Δ``: the red that appeared in between is where fresh blood
came out. Between the two frames the camera jitters and the tissue moves, so a pixel of frame
``t`` and the same pixel of frame ``t + Δ`` are not the same tissue: red tissue that moved, the
rim of a fold that slid, all "appear" as red. This module warps the evidence frame back onto
frame ``t`` with dense flow (OpenCV DIS, ``flow[y, x]`` = where frame ``t``'s pixel went):
``aligned(x, y) = evidence(x + dx, y + dy)``, so that both frames show the same tissue at the
same pixel and only what really changed (the blood) differs.

Measured on the v2 onset frames (the argmax of the smoothed red that appeared in Δ = 10
frames within 5 % of the image side of the source; ``docs/source_localization.md``): train /
validation 48.6 / 41.7 % as it is, 75.7 / 100 % aligned.

The flow needs the raw frames in ``[0, 255]`` and has no gradient; it runs on the CPU
(``cv2``), about 2 ms a pair at 160×136 with the ``'medium'`` preset, a few times that with
``finest_scale=0`` (the CPU config's: the flow refined to the frame's own resolution, which
the rule above reaches 81.6 % with on train + val, against 75.5 % with the preset's finest
scale, both at 160×136).
"""
from typing import Optional

import numpy as np
import torch
from torch import nn

from mmbleed.datasets.transforms.optical_flow import _FlowEstimator, _gray, warp_by_flow
from mmbleed.registry import MODELS


@MODELS.register_module()
class EvidenceAlignment(nn.Module):
    """Warp each evidence frame onto its frame with dense DIS optical flow.

    Args:
        dis_preset (str): ``'ultrafast'``, ``'fast'`` or ``'medium'`` (OpenCV's DIS presets).
            Defaults to ``'medium'``.
        channel_order (str): ``'bgr'`` (mmbleed's pipelines) or ``'rgb'``; only the grey
            conversion for the flow depends on it. Defaults to ``'bgr'``.
        finest_scale (int, optional): the pyramid level where DIS stops refining (0 = the
            frame's own resolution); None keeps the preset's (1 for ``'medium'``: the flow is
            computed at half the frame's resolution, coarse at the source module's 160×136).
            Defaults to None.

    Shapes: ``(B, 6, H, W)`` frame and evidence frame stacked on the channels, values in
    ``[0, 255]`` → the same, the evidence frame replaced by its aligned copy (float32). Where
    the flow points outside the evidence frame (tissue that left the view, or that the camera
    had not shown yet) there is no evidence, and the frame's own pixel is kept: nothing
    appeared there.
    """

    def __init__(self, dis_preset: str = 'medium', channel_order: str = 'bgr',
                 finest_scale: Optional[int] = None) -> None:
        super().__init__()
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"channel_order must be 'bgr' or 'rgb', got {channel_order!r}")
        self.channel_order = channel_order
        self.flow = _FlowEstimator('dis', dis_preset, dis_finest_scale=finest_scale)

    def align(self, frame: np.ndarray, evidence: np.ndarray) -> np.ndarray:
        """``(H, W, 3)`` frame and evidence frame → the evidence frame in the frame's pixels
        (float32); where the flow leaves the evidence frame, the frame's own pixel."""
        flow = self.flow(_gray(frame, self.channel_order), _gray(evidence, self.channel_order))
        return warp_by_flow(evidence, flow, frame)

    @torch.no_grad()
    def forward(self, pairs: torch.Tensor) -> torch.Tensor:
        if pairs.dim() != 4 or pairs.shape[1] != 6:
            raise ValueError('EvidenceAlignment expects (B, 6, H, W) frame and evidence frame '
                             f'stacked on the channels, got {tuple(pairs.shape)}')
        host = pairs.detach().float().cpu().numpy().transpose(0, 2, 3, 1)
        aligned = np.stack([self.align(pair[..., :3], pair[..., 3:]) for pair in host])
        aligned = torch.from_numpy(aligned.transpose(0, 3, 1, 2).copy()).to(pairs.device)
        return torch.cat([pairs[:, :3].float(), aligned], dim=1)


def build_evidence_alignment(align_evidence: bool,
                             lookahead: int,
                             dis_preset: str = 'medium',
                             channel_order: str = 'bgr',
                             finest_scale: Optional[int] = None) -> Optional[EvidenceAlignment]:
    """The alignment a look-ahead localizer asks for (``align_evidence``), None when it asks
    for none; refused without a look-ahead, which has no evidence frame to align."""
    if not align_evidence:
        return None
    if not lookahead:
        raise ValueError('align_evidence aligns the evidence frame of the look-ahead: it '
                         'needs lookahead > 0')
    return EvidenceAlignment(dis_preset, channel_order, finest_scale)
