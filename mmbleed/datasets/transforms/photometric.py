# Copyright (c) mmbleed contributors. All rights reserved.
"""Colour augmentation applied identically to every frame of a sample.

Endoscopic colour varies with light source, white balance and blood/water in the field
(BleedOrigin paper, §3 scenarios "light reflection", "water flushing"); a clip's frames must
change together so the inter-frame differences of §4.1 stay meaningful.
"""
from typing import Dict, Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmbleed.registry import TRANSFORMS

COLOR_IMAGE_KEYS = ('img', )
COLOR_IMAGE_LIST_KEYS = ('imgs', 'pseudo_imgs')


@TRANSFORMS.register_module()
class ColorJitter(BaseTransform):
    """Random brightness, contrast, saturation and hue, the same for all frames of a sample.

    Factors are drawn once per sample: brightness ``b`` in ``[1 - brightness, 1 + brightness]``
    (``x * b``), contrast ``c`` in ``[1 - contrast, 1 + contrast]`` (blend with the frame's
    mean grey), saturation ``s`` in ``[1 - saturation, 1 + saturation]`` (blend with the grey
    image) and hue shift in ``[-hue, hue]`` of a full turn; they are applied in a random order
    (as torchvision's ``ColorJitter``). Points and geometry are unchanged.

    Put it before :class:`ConvertHSV` and :class:`ComputeRedMask`.

    Required keys: ``img`` and/or ``imgs`` (uint8, BGR unless ``channel_order='rgb'``).
    Modified keys: ``img``, ``imgs``, ``pseudo_imgs``.

    Args:
        brightness (float): Brightness jitter. Defaults to 0.2.
        contrast (float): Contrast jitter. Defaults to 0.2.
        saturation (float): Saturation jitter. Defaults to 0.2.
        hue (float): Hue jitter in ``[0, 0.5]`` turns. Defaults to 0.02 (blood stays red).
        prob (float): Probability of jittering a sample. Defaults to 1.0.
        channel_order (str): ``'bgr'`` or ``'rgb'``. Defaults to ``'bgr'``.
        seed (int, optional): Seed of a private ``np.random.RandomState``; ``None`` uses
            NumPy's global RNG (seeded per worker by MMEngine). Defaults to None.
    """

    def __init__(self,
                 brightness: float = 0.2,
                 contrast: float = 0.2,
                 saturation: float = 0.2,
                 hue: float = 0.02,
                 prob: float = 1.0,
                 channel_order: str = 'bgr',
                 seed: Optional[int] = None) -> None:
        for name, value in (('brightness', brightness), ('contrast', contrast),
                            ('saturation', saturation)):
            if not 0 <= value <= 1:
                raise ValueError(f'{name} must be in [0, 1], got {value}')
        if not 0 <= hue <= 0.5:
            raise ValueError(f'hue must be in [0, 0.5], got {hue}')
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError(f"channel_order must be 'bgr' or 'rgb', got {channel_order!r}")
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.hue = hue
        self.prob = prob
        self.channel_order = channel_order
        self.rng = np.random.RandomState(seed) if seed is not None else None

    @cache_randomness
    def _params(self) -> Optional[Dict]:
        rng = self.rng if self.rng is not None else np.random
        if rng.rand() >= self.prob:
            return None
        return dict(
            order=rng.permutation(4),
            brightness=rng.uniform(1 - self.brightness, 1 + self.brightness),
            contrast=rng.uniform(1 - self.contrast, 1 + self.contrast),
            saturation=rng.uniform(1 - self.saturation, 1 + self.saturation),
            hue=rng.uniform(-self.hue, self.hue))

    def _gray(self, img: np.ndarray) -> np.ndarray:
        # ITU-R 601 luma, as cv2.COLOR_BGR2GRAY, kept in float
        if self.channel_order == 'bgr':
            b, g, r = img[..., 0], img[..., 1], img[..., 2]
        else:
            r, g, b = img[..., 0], img[..., 1], img[..., 2]
        return (0.299 * r + 0.587 * g + 0.114 * b)[..., None]

    def _jitter(self, img: np.ndarray, params: Dict) -> np.ndarray:
        dtype = img.dtype
        out = img.astype(np.float32)
        for op in params['order']:
            if op == 0:
                out = out * params['brightness']
            elif op == 1:
                mean = self._gray(out).mean()
                out = (out - mean) * params['contrast'] + mean
            elif op == 2:
                gray = self._gray(out)
                out = (out - gray) * params['saturation'] + gray
            elif op == 3 and params['hue'] != 0:
                out = self._shift_hue(np.clip(out, 0, 255), params['hue'])
            out = np.clip(out, 0, 255)
        if dtype == np.uint8:
            return np.round(out).astype(np.uint8)
        return out.astype(dtype)

    def _shift_hue(self, img: np.ndarray, shift: float) -> np.ndarray:
        to_hsv = cv2.COLOR_BGR2HSV_FULL if self.channel_order == 'bgr' else cv2.COLOR_RGB2HSV_FULL
        to_col = cv2.COLOR_HSV2BGR_FULL if self.channel_order == 'bgr' else cv2.COLOR_HSV2RGB_FULL
        hsv = cv2.cvtColor(np.round(img).astype(np.uint8), to_hsv)
        hue = hsv[..., 0].astype(np.int32) + int(round(shift * 256))
        hsv[..., 0] = np.mod(hue, 256).astype(np.uint8)
        return cv2.cvtColor(hsv, to_col).astype(np.float32)

    def transform(self, results: dict) -> dict:
        params = self._params()
        if params is None:
            return results
        memo = {}

        def once(img: np.ndarray) -> np.ndarray:
            if id(img) not in memo:
                memo[id(img)] = self._jitter(img, params)
            return memo[id(img)]

        for key in COLOR_IMAGE_LIST_KEYS:
            if results.get(key) is not None:
                results[key] = [once(img) for img in results[key]]
        for key in COLOR_IMAGE_KEYS:
            if results.get(key) is not None:
                results[key] = once(results[key])
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(brightness={self.brightness}, '
                f'contrast={self.contrast}, saturation={self.saturation}, hue={self.hue}, '
                f'prob={self.prob})')
