# Copyright (c) mmbleed contributors. All rights reserved.
"""Red-Mask feature F_r of the source module (BleedOrigin paper, §4.1.2, the K of Eq. 3).

The paper's hand-crafted, non-trainable red-intensity prior at input resolution
(:func:`mmbleed.utils.red_mask.red_mask_map`: ``(2R - G - B) / 510`` clipped to ``[0, 1]``),
as a module a model composes. It has no parameters and needs the raw pixel intensities
(``[0, 255]``), so it runs before the image is normalised for the encoder.

With an evidence frame (mmbleed's look-ahead, see
:class:`~mmbleed.models.detectors.BleedSourceLocalizer`) it also gives the red map of that later
frame and the red that appeared in between, ``max(0, red(t + Δ) - red(t))``: where fresh blood
came out since the onset frame.
"""
import torch
from torch import nn

from mmbleed.registry import MODELS
from mmbleed.utils.red_mask import red_mask_map


@MODELS.register_module()
class RedMaskFeature(nn.Module):
    """Non-trainable red-intensity maps of one frame or of a (frame, evidence frame) pair.

    Args:
        num_frames (int): frames stacked along the channels of the input: 1 (the frame alone,
            the paper) or 2 (the frame and its evidence frame). Defaults to 1.
        channel_order (str): ``'bgr'`` (mmbleed's pipelines) or ``'rgb'``. Defaults to
            ``'bgr'``.

    Shapes: input ``(B, 3 * num_frames, H, W)`` with values in ``[0, 255]``; output
    ``(B, out_channels, H, W)`` in ``[0, 1]``, ``out_channels`` = 1 (red of the frame) or 3
    (red of the frame, red of the evidence frame, red that appeared).
    """

    def __init__(self, num_frames: int = 1, channel_order: str = 'bgr') -> None:
        super().__init__()
        if num_frames not in (1, 2):
            raise ValueError(f'RedMaskFeature takes 1 or 2 frames, got num_frames={num_frames}')
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"channel_order must be 'bgr' or 'rgb', got {channel_order!r}")
        self.num_frames = num_frames
        self.channel_order = channel_order

    @property
    def out_channels(self) -> int:
        return 1 if self.num_frames == 1 else 3

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        if frames.dim() != 4 or frames.shape[1] != 3 * self.num_frames:
            raise ValueError(f'RedMaskFeature(num_frames={self.num_frames}) expects a '
                             f'(B, {3 * self.num_frames}, H, W) tensor, got '
                             f'{tuple(frames.shape)}')
        with torch.no_grad():
            red = red_mask_map(frames[:, :3], self.channel_order).unsqueeze(1)
            if self.num_frames == 1:
                return red
            later = red_mask_map(frames[:, 3:6], self.channel_order).unsqueeze(1)
            return torch.cat([red, later, (later - red).clamp(min=0.0)], dim=1)
