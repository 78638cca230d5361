# Copyright (c) mmbleed contributors. All rights reserved.
"""Geometric transforms that move every image, flow and point field of a sample together.

Used by every stage's pipeline (BleedOrigin paper, §4.1–4.3: frames are resized to the
model's resolution; crops and flips augment the source and tracking stages). Predictions are
reported in original pixels (DESIGN.md §4), so each transform also updates an exact inverse,
``results['input_to_original']``.

Pixel convention (shared with :class:`mmbleed.codecs.GaussianHeatmap`): point coordinates
``(x, y)`` put **pixel centres at integer values**; an image ``w`` pixels wide spans
``[-0.5, w - 0.5]``. Hence

- resize by ``s = w' / w``: ``x' = (x + 0.5) * s - 0.5`` (``cv2.resize``'s own mapping),
- horizontal flip: ``x' = w - 1 - x``; vertical flip: ``y' = h - 1 - y``,
- crop at ``(x0, y0)``: ``x' = x - x0``, ``y' = y - y0``.

Each is an affine map ``A`` (2x3) from the current input to the new input; points are moved
by ``A`` and ``input_to_original`` becomes ``input_to_original @ A^-1``.

Fields handled (each optional):

- images ``(H, W, C)`` or ``(H, W)``: ``img``, ``hsv_img``, ``red_mask`` and the lists
  ``imgs``, ``pseudo_imgs``, ``hsv_imgs``, ``red_masks`` (the same array object in two fields,
  e.g. ``img`` and ``imgs[0]``, is transformed once and stays shared);
- flows ``(H, W, 2)`` float32: the list ``flows`` (vectors scaled by a resize, negated by a
  flip);
- points ``(..., 2)`` (NaN allowed): ``gt_point`` ``(2,)``, ``gt_points`` ``(T, 2)``,
  ``query_point`` ``(2,)``, ``pseudo_points`` ``(n, 2)`` or ``(M, T, 2)``; the ``ori_*``
  copies made by ``LoadFrames`` are never touched.

Meta updated: ``img_shape`` ``(h, w)``, ``scale_factor`` ``(sx, sy)`` (cumulative model-input
pixels per original pixel), ``flip`` / ``flip_direction``, ``input_to_original`` (2x3).
"""
import math
from typing import Callable, Dict, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmbleed.registry import TRANSFORMS
from mmbleed.utils.geometry import apply_affine_to_points

IMAGE_KEYS = ('img', 'hsv_img', 'red_mask')
IMAGE_LIST_KEYS = ('imgs', 'pseudo_imgs', 'hsv_imgs', 'red_masks')
FLOW_LIST_KEYS = ('flows', )
POINT_KEYS = ('gt_point', 'gt_points', 'query_point', 'pseudo_points')

_INTERP = {
    'nearest': cv2.INTER_NEAREST,
    'bilinear': cv2.INTER_LINEAR,
    'bicubic': cv2.INTER_CUBIC,
    'area': cv2.INTER_AREA,
}


def _current_hw(results: dict) -> Tuple[int, int]:
    """``(h, w)`` of the sample's current images."""
    for key in IMAGE_KEYS + IMAGE_LIST_KEYS + FLOW_LIST_KEYS:
        value = results.get(key)
        if value is None:
            continue
        arr = value[0] if isinstance(value, (list, tuple)) and len(value) else value
        if isinstance(arr, np.ndarray):
            return int(arr.shape[0]), int(arr.shape[1])
    if 'img_shape' in results:
        return int(results['img_shape'][0]), int(results['img_shape'][1])
    raise KeyError('no image field to take the shape from')


def _to3x3(mat: np.ndarray) -> np.ndarray:
    out = np.eye(3, dtype=np.float64)
    out[:2] = mat
    return out


def apply_geometry(results: dict,
                   mat: np.ndarray,
                   image_fn: Callable[[np.ndarray], np.ndarray],
                   flow_fn: Callable[[np.ndarray], np.ndarray],
                   out_hw: Tuple[int, int],
                   scale: Tuple[float, float] = (1.0, 1.0)) -> dict:
    """Move every field of ``results`` by the affine ``mat`` (current → new input pixels).

    Args:
        results (dict): The sample.
        mat (np.ndarray): 2x3 affine of the points, current input → new input pixels.
        image_fn (callable): Warps one image/mask array.
        flow_fn (callable): Warps one flow field (including its vectors).
        out_hw (tuple): ``(h, w)`` of the new input.
        scale (tuple): ``(sx, sy)`` resize factor of this step, for ``scale_factor``.
    """
    memo: Dict[int, np.ndarray] = {}

    def once(arr: np.ndarray, fn: Callable) -> np.ndarray:
        if id(arr) not in memo:
            memo[id(arr)] = fn(arr)
        return memo[id(arr)]

    for key in IMAGE_KEYS:
        if isinstance(results.get(key), np.ndarray):
            results[key] = once(results[key], image_fn)
    for key in IMAGE_LIST_KEYS:
        if isinstance(results.get(key), (list, tuple)):
            results[key] = [once(a, image_fn) for a in results[key]]
    for key in FLOW_LIST_KEYS:
        if isinstance(results.get(key), (list, tuple)):
            results[key] = [once(a, flow_fn) for a in results[key]]
    for key in POINT_KEYS:
        if results.get(key) is not None:
            pts = np.asarray(results[key], dtype=np.float32)
            results[key] = apply_affine_to_points(pts, mat).astype(np.float32)

    i2o = np.asarray(results.get('input_to_original', np.eye(2, 3)), dtype=np.float64)
    results['input_to_original'] = (_to3x3(i2o) @ np.linalg.inv(_to3x3(mat)))[:2]
    sf = results.get('scale_factor', (1.0, 1.0))
    results['scale_factor'] = (float(sf[0]) * scale[0], float(sf[1]) * scale[1])
    results['img_shape'] = (int(out_hw[0]), int(out_hw[1]))
    return results


def resize_results(results: dict,
                   out_wh: Tuple[int, int],
                   interpolation: str = 'bilinear') -> dict:
    """Resize every field of ``results`` to ``out_wh`` = ``(w, h)``."""
    h, w = _current_hw(results)
    new_w, new_h = int(out_wh[0]), int(out_wh[1])
    sx, sy = new_w / w, new_h / h
    mat = np.array([[sx, 0.0, 0.5 * sx - 0.5], [0.0, sy, 0.5 * sy - 0.5]])
    interp = _INTERP[interpolation]

    def image_fn(img: np.ndarray) -> np.ndarray:
        if img.shape[:2] == (new_h, new_w):
            return img
        out = cv2.resize(img, (new_w, new_h), interpolation=interp)
        if img.ndim == 3 and out.ndim == 2:
            out = out[..., None]
        return out

    def flow_fn(flow: np.ndarray) -> np.ndarray:
        out = image_fn(flow.astype(np.float32))
        return (out * np.array([sx, sy], dtype=np.float32)).astype(np.float32)

    return apply_geometry(results, mat, image_fn, flow_fn, (new_h, new_w), (sx, sy))


def flip_results(results: dict, direction: str) -> dict:
    """Flip every field of ``results``: ``'horizontal'``, ``'vertical'`` or ``'diagonal'``."""
    h, w = _current_hw(results)
    fx = direction in ('horizontal', 'diagonal')
    fy = direction in ('vertical', 'diagonal')
    if not (fx or fy):
        raise ValueError(f'unknown flip direction {direction!r}')
    mat = np.array([[-1.0 if fx else 1.0, 0.0, (w - 1) if fx else 0.0],
                    [0.0, -1.0 if fy else 1.0, (h - 1) if fy else 0.0]])
    axes = tuple(a for a, f in ((1, fx), (0, fy)) if f)

    def image_fn(img: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.flip(img, axis=axes))

    def flow_fn(flow: np.ndarray) -> np.ndarray:
        out = image_fn(flow).astype(np.float32, copy=True)
        if fx:
            out[..., 0] *= -1
        if fy:
            out[..., 1] *= -1
        return out

    apply_geometry(results, mat, image_fn, flow_fn, (h, w))
    previous = results.get('flip_direction')
    results['flip'] = True
    results['flip_direction'] = (direction if not previous else f'{previous},{direction}')
    return results


def crop_results(results: dict, x0: int, y0: int, crop_w: int, crop_h: int) -> dict:
    """Crop every field of ``results`` to ``[x0, x0 + crop_w) x [y0, y0 + crop_h)``."""
    h, w = _current_hw(results)
    x0, y0 = int(x0), int(y0)
    crop_w, crop_h = int(crop_w), int(crop_h)
    if x0 < 0 or y0 < 0 or x0 + crop_w > w or y0 + crop_h > h or crop_w < 1 or crop_h < 1:
        raise ValueError(f'crop {(x0, y0, crop_w, crop_h)} outside the {w}x{h} image')
    mat = np.array([[1.0, 0.0, -x0], [0.0, 1.0, -y0]])

    def image_fn(img: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(img[y0:y0 + crop_h, x0:x0 + crop_w])

    apply_geometry(results, mat, image_fn, image_fn, (crop_h, crop_w))
    return results


@TRANSFORMS.register_module()
class Resize(BaseTransform):
    """Resize a sample to a fixed size or within a size keeping the aspect ratio.

    Required keys: at least one image field (see module docstring).
    Modified keys: every image / flow / point field, ``img_shape``.
    Added keys: ``scale_factor``, ``input_to_original``, ``keep_ratio``.

    Args:
        scale (tuple[int, int]): Target ``(w, h)``.
        keep_ratio (bool): If True, scale by ``min(w / w0, h / h0)`` so the image fits in
            ``scale`` (each side rounded to whole pixels; the exact per-axis factor is then
            recorded). Defaults to False.
        interpolation (str): ``'nearest'``, ``'bilinear'``, ``'bicubic'`` or ``'area'``.
            Defaults to ``'bilinear'``.
    """

    def __init__(self,
                 scale: Tuple[int, int],
                 keep_ratio: bool = False,
                 interpolation: str = 'bilinear') -> None:
        if interpolation not in _INTERP:
            raise ValueError(f'interpolation must be one of {sorted(_INTERP)}')
        self.scale = (int(scale[0]), int(scale[1]))
        self.keep_ratio = keep_ratio
        self.interpolation = interpolation

    def transform(self, results: dict) -> dict:
        h, w = _current_hw(results)
        if self.keep_ratio:
            factor = min(self.scale[0] / w, self.scale[1] / h)
            out_wh = (max(1, int(round(w * factor))), max(1, int(round(h * factor))))
        else:
            out_wh = self.scale
        resize_results(results, out_wh, self.interpolation)
        results['keep_ratio'] = self.keep_ratio
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, keep_ratio={self.keep_ratio}, '
                f'interpolation={self.interpolation!r})')


@TRANSFORMS.register_module()
class RandomFlip(BaseTransform):
    """Randomly flip a sample (images, masks, flows and points together).

    Required keys: at least one image field. Modified keys: every image / flow / point
    field. Added keys: ``flip``, ``flip_direction``, ``input_to_original``.

    Args:
        prob (float): Probability of flipping. Defaults to 0.5.
        direction (str | list[str]): ``'horizontal'``, ``'vertical'``, ``'diagonal'`` or a
            list of them, one chosen uniformly when flipping. Defaults to ``'horizontal'``.
        seed (int, optional): Seed of a private ``np.random.RandomState``; ``None`` uses
            NumPy's global RNG (which MMEngine seeds per worker). Defaults to None.
    """

    def __init__(self,
                 prob: float = 0.5,
                 direction: Union[str, Sequence[str]] = 'horizontal',
                 seed: Optional[int] = None) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        directions = [direction] if isinstance(direction, str) else list(direction)
        for d in directions:
            if d not in ('horizontal', 'vertical', 'diagonal'):
                raise ValueError(f'unknown flip direction {d!r}')
        self.prob = prob
        self.directions = directions
        self.rng = np.random.RandomState(seed) if seed is not None else None

    @cache_randomness
    def _choose(self) -> Optional[str]:
        rng = self.rng if self.rng is not None else np.random
        if rng.rand() >= self.prob:
            return None
        return self.directions[rng.randint(len(self.directions))]

    def transform(self, results: dict) -> dict:
        direction = self._choose()
        results.setdefault('flip', False)
        results.setdefault('flip_direction', None)
        if direction is not None:
            flip_results(results, direction)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(prob={self.prob}, direction={self.directions})'


@TRANSFORMS.register_module()
class CenterCrop(BaseTransform):
    """Crop the centre ``(w, h)`` of a sample (clipped to the image size).

    Args:
        crop_size (tuple[int, int]): ``(w, h)`` of the crop.
    """

    def __init__(self, crop_size: Tuple[int, int]) -> None:
        self.crop_size = (int(crop_size[0]), int(crop_size[1]))

    def transform(self, results: dict) -> dict:
        h, w = _current_hw(results)
        cw, ch = min(self.crop_size[0], w), min(self.crop_size[1], h)
        return crop_results(results, (w - cw) // 2, (h - ch) // 2, cw, ch)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(crop_size={self.crop_size})'


@TRANSFORMS.register_module()
class RandomResizedCrop(BaseTransform):
    """Crop a random window that keeps the source point inside, then resize it.

    Like torchvision's ``RandomResizedCrop`` (area share and aspect ratio drawn at random),
    but a window is only accepted when ``gt_point`` (else ``query_point``, for tracking) lies
    inside it at least ``margin`` pixels from its border, so the source stays in view (§4.2
    training). Without a finite point any window is accepted. After ``max_attempts`` failures the whole image is
    used.

    Required keys: at least one image field; ``gt_point`` / ``query_point`` (optional).
    Modified keys: every image / flow / point field, ``img_shape``.
    Added keys: ``scale_factor``, ``input_to_original``, ``crop_bbox`` ``(x0, y0, x1, y1)``
    in the pixels the crop was taken from (exclusive ``x1``, ``y1``).

    Args:
        scale (tuple[int, int]): Output ``(w, h)``.
        area_range (tuple[float, float]): Share of the image area the window covers.
            Defaults to ``(0.5, 1.0)``.
        ratio_range (tuple[float, float]): Window aspect ratio ``w / h`` range, sampled
            log-uniformly. Defaults to ``(3 / 4, 4 / 3)``.
        margin (float): Minimum distance (px, current input) of ``gt_point`` from the window
            border. Defaults to 8.
        max_attempts (int): Windows tried before falling back to the whole image.
            Defaults to 10.
        interpolation (str): Resize interpolation. Defaults to ``'bilinear'``.
        seed (int, optional): Seed of a private RNG; ``None`` uses NumPy's global RNG.
    """

    def __init__(self,
                 scale: Tuple[int, int],
                 area_range: Tuple[float, float] = (0.5, 1.0),
                 ratio_range: Tuple[float, float] = (3 / 4, 4 / 3),
                 margin: float = 8.0,
                 max_attempts: int = 10,
                 interpolation: str = 'bilinear',
                 seed: Optional[int] = None) -> None:
        if not 0 < area_range[0] <= area_range[1] <= 1:
            raise ValueError(f'area_range must satisfy 0 < lo <= hi <= 1, got {area_range}')
        if not 0 < ratio_range[0] <= ratio_range[1]:
            raise ValueError(f'invalid ratio_range {ratio_range}')
        if interpolation not in _INTERP:
            raise ValueError(f'interpolation must be one of {sorted(_INTERP)}')
        self.scale = (int(scale[0]), int(scale[1]))
        self.area_range = tuple(area_range)
        self.ratio_range = tuple(ratio_range)
        self.margin = float(margin)
        self.max_attempts = int(max_attempts)
        self.interpolation = interpolation
        self.rng = np.random.RandomState(seed) if seed is not None else None

    @cache_randomness
    def _window(self, w: int, h: int,
                point: Optional[np.ndarray]) -> Tuple[int, int, int, int]:
        rng = self.rng if self.rng is not None else np.random
        log_ratio = (math.log(self.ratio_range[0]), math.log(self.ratio_range[1]))
        for _ in range(self.max_attempts):
            area = w * h * rng.uniform(*self.area_range)
            ratio = math.exp(rng.uniform(*log_ratio))
            cw = int(round(math.sqrt(area * ratio)))
            ch = int(round(math.sqrt(area / ratio)))
            if not (1 <= cw <= w and 1 <= ch <= h):
                continue
            x_lo, x_hi, y_lo, y_hi = 0, w - cw, 0, h - ch
            if point is not None:
                # point must satisfy x0 + margin <= px <= x0 + cw - 1 - margin
                x_lo = max(x_lo, math.ceil(point[0] + self.margin - cw + 1))
                x_hi = min(x_hi, math.floor(point[0] - self.margin))
                y_lo = max(y_lo, math.ceil(point[1] + self.margin - ch + 1))
                y_hi = min(y_hi, math.floor(point[1] - self.margin))
            if x_lo > x_hi or y_lo > y_hi:
                continue
            return rng.randint(x_lo, x_hi + 1), rng.randint(y_lo, y_hi + 1), cw, ch
        return 0, 0, w, h

    def transform(self, results: dict) -> dict:
        h, w = _current_hw(results)
        point = results.get('gt_point')
        if point is None:
            point = results.get('query_point')
        if point is not None:
            point = np.asarray(point, dtype=np.float64).reshape(-1)[:2]
            if not np.isfinite(point).all():
                point = None
        x0, y0, cw, ch = self._window(w, h, point)
        crop_results(results, x0, y0, cw, ch)
        results['crop_bbox'] = (x0, y0, x0 + cw, y0 + ch)
        return resize_results(results, self.scale, self.interpolation)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, area_range={self.area_range}, '
                f'ratio_range={self.ratio_range}, margin={self.margin})')
