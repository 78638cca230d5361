# Copyright (c) mmbleed contributors. All rights reserved.
"""Red-Mask prior maps of the frames (BleedOrigin paper, §4.2 "Red-Mask"; §4.3 tracker keys).

A thin pipeline wrapper of :func:`mmbleed.utils.red_mask_map`, so the non-trainable prior is
computed once per sample on the data workers.
"""
import numpy as np
from mmcv.transforms import BaseTransform

from mmbleed.registry import TRANSFORMS
from mmbleed.utils import red_mask_map


@TRANSFORMS.register_module()
class ComputeRedMask(BaseTransform):
    """Add the red-intensity map of ``img`` (and of every frame of ``imgs``).

    Put it after photometric transforms (the prior should see the colours the model sees);
    before or after geometric ones both work (masks are resized/flipped with the images).

    Required keys: ``img`` and/or ``imgs``.
    Added keys: ``red_mask`` ``(H, W)`` float32 in ``[0, 1]``, ``red_masks`` (list of those).

    Args:
        channel_order (str): ``'bgr'`` (the pipeline's default) or ``'rgb'``.
    """

    def __init__(self, channel_order: str = 'bgr') -> None:
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"channel_order must be 'bgr' or 'rgb', got {channel_order!r}")
        self.channel_order = channel_order

    def transform(self, results: dict) -> dict:
        memo = {}

        def once(img: np.ndarray) -> np.ndarray:
            if id(img) not in memo:
                memo[id(img)] = red_mask_map(img, self.channel_order)
            return memo[id(img)]

        if results.get('imgs') is not None:
            results['red_masks'] = [once(img) for img in results['imgs']]
        if results.get('img') is not None:
            results['red_mask'] = once(results['img'])
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(channel_order={self.channel_order!r})'
