# Copyright (c) mmbleed contributors. All rights reserved.
"""The hand-crafted Red-Mask map (BleedOrigin paper, §4.2 "Red-Mask" prior).

A non-trainable red-intensity map: how much redder than green and blue a pixel is. The paper
uses it as a prior (keys of the source module's attention, extra channels of the tracker) and,
with an argmax, as the hand-crafted localization baseline.
"""
from typing import Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]


def red_mask_map(img: ArrayLike, channel_order: str = 'bgr') -> ArrayLike:
    """Red intensity ``(2R - G - B) / (2 * 255)`` clipped to ``[0, 1]``.

    Args:
        img (np.ndarray | Tensor): an ``(H, W, 3)`` NumPy image (uint8, or float in
            ``[0, 255]``), or a ``(..., 3, H, W)`` tensor with values in ``[0, 255]``.
        channel_order (str): ``'bgr'`` (OpenCV, the pipeline's default) or ``'rgb'``.

    Returns:
        np.ndarray | Tensor: ``(H, W)`` float32 map in ``[0, 1]`` (``(..., H, W)`` for a
        tensor).
    """
    if channel_order not in ('bgr', 'rgb'):
        raise ValueError(
            f"channel_order must be 'bgr' or 'rgb', got {channel_order!r}")
    red, blue = (2, 0) if channel_order == 'bgr' else (0, 2)
    if isinstance(img, torch.Tensor):
        if img.dim() < 3 or img.shape[-3] != 3:
            raise ValueError(
                f'red_mask_map expects a (..., 3, H, W) tensor, got {tuple(img.shape)}')
        img = img.float()
        r, g, b = img[..., red, :, :], img[..., 1, :, :], img[..., blue, :, :]
        return ((2 * r - g - b) / (2 * 255.0)).clamp(0.0, 1.0)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'red_mask_map expects an (H, W, 3) image, got {img.shape}')
    img = img.astype(np.float32)
    r, g, b = img[..., red], img[..., 1], img[..., blue]
    return np.clip((2 * r - g - b) / (2 * 255.0), 0.0, 1.0).astype(np.float32)
