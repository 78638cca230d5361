# Copyright (c) mmbleed contributors. All rights reserved.
"""HSV views of the frames for the multi-domain frame memory (BleedOrigin paper, §4.1, MDCFM).

The onset stage compares frames in RGB, HSV and optical-flow domains; blood changes hue and
saturation more distinctly than it changes RGB intensity.
"""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmbleed.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ConvertHSV(BaseTransform):
    """Add HSV copies of ``imgs`` and ``img`` (``cv2.cvtColor``).

    Put it after the geometric transforms (hue is circular; interpolating it is not exact)
    and after photometric ones.

    Required keys: ``img`` and/or ``imgs`` (BGR uint8 unless ``channel_order='rgb'``).
    Added keys: ``hsv_img`` ``(H, W, 3)`` uint8, ``hsv_imgs`` (list of those).

    Args:
        channel_order (str): ``'bgr'`` (the pipeline's default) or ``'rgb'``.
        full_range (bool): Hue in ``[0, 255]`` (``COLOR_*2HSV_FULL``) instead of OpenCV's
            ``[0, 180)``. Defaults to False.
    """

    def __init__(self, channel_order: str = 'bgr', full_range: bool = False) -> None:
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"channel_order must be 'bgr' or 'rgb', got {channel_order!r}")
        self.channel_order = channel_order
        self.full_range = full_range

    def _code(self) -> int:
        name = f'COLOR_{self.channel_order.upper()}2HSV' + ('_FULL' if self.full_range else '')
        return getattr(cv2, name)

    def _convert(self, img: np.ndarray) -> np.ndarray:
        if img.dtype != np.uint8:
            img = np.clip(img, 0, 255).astype(np.uint8)
        return cv2.cvtColor(img, self._code())

    def transform(self, results: dict) -> dict:
        memo = {}

        def once(img: np.ndarray) -> np.ndarray:
            if id(img) not in memo:
                memo[id(img)] = self._convert(img)
            return memo[id(img)]

        if results.get('imgs') is not None:
            results['hsv_imgs'] = [once(img) for img in results['imgs']]
        if results.get('img') is not None:
            results['hsv_img'] = once(results['img'])
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(channel_order={self.channel_order!r}, '
                f'full_range={self.full_range})')
