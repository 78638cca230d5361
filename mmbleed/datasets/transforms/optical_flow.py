# Copyright (c) mmbleed contributors. All rights reserved.
"""Dense optical flow between frames, and flow-propagated pseudo-labels.

- :class:`ComputeOpticalFlow`: the optical-flow domain of the multi-domain frame memory
  (BleedOrigin paper, §4.1, MDCFM/MDG inter-frame differences).
- :class:`PropagatePseudoPoints`: the source stage's pseudo-labels (§4.2): the expert point is
  carried n=10 frames ahead along the flow, each step checked forward-backward.

Flow is computed with OpenCV, on the CPU data workers: DIS (``cv2.DISOpticalFlow``, default)
or Farneback (``cv2.calcOpticalFlowFarneback``). ``flow[y, x] = (dx, dy)`` moves the pixel
``(x, y)`` of the first frame to ``(x + dx, y + dy)`` in the second (pixel centres at integer
coordinates, as everywhere in mmbleed).
"""
from functools import lru_cache
from typing import Optional, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmbleed.registry import TRANSFORMS

_DIS_PRESETS = {
    'ultrafast': cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    'fast': cv2.DISOPTICAL_FLOW_PRESET_FAST,
    'medium': cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}
_FARNEBACK_DEFAULTS = dict(
    pyr_scale=0.5, levels=3, winsize=15, iterations=3, poly_n=5, poly_sigma=1.2, flags=0)


def _gray(img: np.ndarray, channel_order: str) -> np.ndarray:
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        return img
    if img.shape[2] == 1:
        return img[..., 0]
    code = cv2.COLOR_BGR2GRAY if channel_order == 'bgr' else cv2.COLOR_RGB2GRAY
    return cv2.cvtColor(img, code)


class _FlowEstimator:
    """Dense flow between two grey frames with a configured OpenCV method."""

    def __init__(self,
                 method: str = 'dis',
                 dis_preset: str = 'medium',
                 farneback_cfg: Optional[dict] = None,
                 dis_finest_scale: Optional[int] = None) -> None:
        if method not in ('dis', 'farneback'):
            raise ValueError(f"method must be 'dis' or 'farneback', got {method!r}")
        if dis_preset not in _DIS_PRESETS:
            raise ValueError(f'dis_preset must be one of {sorted(_DIS_PRESETS)}')
        self.method = method
        self.dis_preset = dis_preset
        self.farneback_cfg = dict(_FARNEBACK_DEFAULTS, **(farneback_cfg or {}))
        if dis_finest_scale is not None and dis_finest_scale < 0:
            raise ValueError(f'dis_finest_scale must be >= 0, got {dis_finest_scale}')
        # the pyramid level DIS stops at (0 = full resolution); None = the preset's own
        # (1 for 'medium', 2 for 'fast' and 'ultrafast')
        self.dis_finest_scale = dis_finest_scale
        self._dis = None  # created lazily: OpenCV objects do not pickle to workers

    def __call__(self, prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        prev, nxt = np.ascontiguousarray(prev), np.ascontiguousarray(nxt)
        if self.method == 'dis':
            if self._dis is None:
                self._dis = cv2.DISOpticalFlow_create(_DIS_PRESETS[self.dis_preset])
                if self.dis_finest_scale is not None:
                    self._dis.setFinestScale(self.dis_finest_scale)
            flow = self._dis.calc(prev, nxt, None)
        else:
            flow = cv2.calcOpticalFlowFarneback(prev, nxt, None, **self.farneback_cfg)
        return flow.astype(np.float32)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state['_dis'] = None
        return state


@lru_cache(maxsize=8)
def pixel_grid(h: int, w: int) -> Tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates ``x, y`` ``(H, W)`` float32 of a frame (made once per size,
    read-only)."""
    grid_x, grid_y = np.meshgrid(np.arange(w, dtype=np.float32),
                                 np.arange(h, dtype=np.float32))
    grid_x.flags.writeable = grid_y.flags.writeable = False
    return grid_x, grid_y


def compose_flows(first: np.ndarray, then: np.ndarray) -> np.ndarray:
    """The flow ``a → c`` from ``first`` (``a → b``) and ``then`` (``b → c``), ``(H, W, 2)``:
    ``first(x) + then(x + first(x))`` (bilinear; ``then``'s border where ``x + first(x)``
    leaves the frame)."""
    grid_x, grid_y = pixel_grid(*first.shape[:2])
    sampled = cv2.remap(np.ascontiguousarray(then, dtype=np.float32),
                        grid_x + first[..., 0], grid_y + first[..., 1], cv2.INTER_LINEAR,
                        borderMode=cv2.BORDER_REPLICATE)
    return first + sampled


def warp_by_flow(image: np.ndarray, flow: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Backward warp: ``out[y, x] = image[y + dy, x + dx]`` with ``flow[y, x] = (dx, dy)``
    the flow from the frame ``out`` is aligned to into ``image`` (bilinear, float32).

    Where the flow leaves ``image`` there is nothing to compare with, and ``fallback`` (the
    frame's own pixel, same shape as ``image``) is kept.

    Args:
        image: ``(H, W)`` or ``(H, W, C)``, the frame to warp.
        flow: ``(H, W, 2)``.
        fallback: same shape as ``image``.
    """
    h, w = flow.shape[:2]
    grid_x, grid_y = pixel_grid(h, w)
    map_x, map_y = grid_x + flow[..., 0], grid_y + flow[..., 1]
    warped = cv2.remap(np.ascontiguousarray(image, dtype=np.float32), map_x, map_y,
                       cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if warped.ndim < image.ndim:  # cv2 drops a trailing channel axis of size 1
        warped = warped[..., None]
    outside = (map_x < 0) | (map_x > w - 1) | (map_y < 0) | (map_y > h - 1)
    warped[outside] = fallback[outside]
    return warped


def sample_flow(flow: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Bilinear sample of ``flow`` ``(H, W, 2)`` at ``point`` ``(x, y)`` (clamped)."""
    h, w = flow.shape[:2]
    x = float(np.clip(point[0], 0, w - 1))
    y = float(np.clip(point[1], 0, h - 1))
    x0, y0 = int(np.floor(x)), int(np.floor(y))
    x1, y1 = min(x0 + 1, w - 1), min(y0 + 1, h - 1)
    ax, ay = x - x0, y - y0
    top = (1 - ax) * flow[y0, x0] + ax * flow[y0, x1]
    bottom = (1 - ax) * flow[y1, x0] + ax * flow[y1, x1]
    return ((1 - ay) * top + ay * bottom).astype(np.float64)


@TRANSFORMS.register_module()
class ComputeOpticalFlow(BaseTransform):
    """Dense flow between consecutive frames of ``imgs`` (§4.1, optical-flow domain).

    Put it after resizing (flow at model resolution is cheaper); geometric transforms that
    run later resize flows with their vectors scaled and flip them with a sign change.

    Required keys: ``imgs`` (list of ``T`` frames).
    Added keys: ``flows``: list of ``T - 1`` ``(H, W, 2)`` float32, ``flows[t]`` from
    ``imgs[t]`` to ``imgs[t + 1]``.

    Args:
        method (str): ``'dis'`` (default) or ``'farneback'``.
        dis_preset (str): DIS preset, ``'ultrafast'``, ``'fast'`` or ``'medium'``.
            Defaults to ``'medium'``.
        farneback_cfg (dict, optional): Overrides of ``cv2.calcOpticalFlowFarneback``'s
            arguments (``pyr_scale=0.5, levels=3, winsize=15, iterations=3, poly_n=5,
            poly_sigma=1.2, flags=0``).
        channel_order (str): ``'bgr'`` or ``'rgb'`` of the frames. Defaults to ``'bgr'``.
    """

    def __init__(self,
                 method: str = 'dis',
                 dis_preset: str = 'medium',
                 farneback_cfg: Optional[dict] = None,
                 channel_order: str = 'bgr') -> None:
        self.estimator = _FlowEstimator(method, dis_preset, farneback_cfg)
        self.channel_order = channel_order

    def transform(self, results: dict) -> dict:
        imgs = results['imgs']
        grays = [_gray(img, self.channel_order) for img in imgs]
        results['flows'] = [self.estimator(a, b) for a, b in zip(grays[:-1], grays[1:])]
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(method={self.estimator.method!r})'


@TRANSFORMS.register_module()
class PropagatePseudoPoints(BaseTransform):
    """Carry ``gt_point`` along the flow over ``pseudo_imgs`` (§4.2 pseudo-labels).

    Step ``i`` moves the point from frame ``i`` to ``i + 1`` (frame 0 is ``img``, the annotated
    frame) by the forward flow at the point, then checks it with the backward flow at the new
    position (Sundaram et al.'s test): the step is valid when
    ``|F(p) + B(p')|^2 <= fb_alpha * (|F(p)|^2 + |B(p')|^2) + fb_beta`` and ``p'`` is inside
    the frame. Invalid points are NaN; with ``stop_on_invalid`` all later ones are too.

    Put it right after :class:`LoadFrames` (points are in original pixels; later geometric
    transforms move ``pseudo_points`` with everything else).

    Required keys: ``img``, ``pseudo_imgs`` (list of n frames), ``gt_point``.
    Optional keys: ``gt_visible`` (a hidden source yields no pseudo-labels).
    Added keys: ``pseudo_points`` ``(n, 2)`` float32 (NaN where invalid), ``pseudo_valid``
    ``(n,)`` bool.

    Args:
        method (str): ``'dis'`` (default) or ``'farneback'``.
        dis_preset (str): DIS preset. Defaults to ``'medium'``.
        farneback_cfg (dict, optional): Farneback argument overrides.
        fb_alpha (float): Relative tolerance of the forward-backward test. Defaults to 0.01.
        fb_beta (float): Absolute tolerance (px^2) of the test. Defaults to 0.5.
        stop_on_invalid (bool): Invalidate every step after the first failed one.
            Defaults to True.
        window_radius (int, optional): Compute flow only in a ``(2r+1)``-square window
            around the current point (faster on full-HD frames); ``None`` = whole frame.
            Defaults to None.
        overwrite (bool): Recompute even when ``pseudo_points`` is already present (e.g.
            read from a pseudo-label file). Defaults to False.
        max_steps (int, optional): Propagate over the first ``max_steps`` frames of
            ``pseudo_imgs`` only (the later ones stay NaN / invalid), e.g. when the frames
            after them are there as a look-ahead localizer's evidence frames. ``None`` = all.
            Defaults to None.
        channel_order (str): ``'bgr'`` or ``'rgb'``. Defaults to ``'bgr'``.
    """

    def __init__(self,
                 method: str = 'dis',
                 dis_preset: str = 'medium',
                 farneback_cfg: Optional[dict] = None,
                 fb_alpha: float = 0.01,
                 fb_beta: float = 0.5,
                 stop_on_invalid: bool = True,
                 window_radius: Optional[int] = None,
                 overwrite: bool = False,
                 channel_order: str = 'bgr',
                 max_steps: Optional[int] = None) -> None:
        if max_steps is not None and max_steps < 0:
            raise ValueError(f'max_steps must be >= 0 or None, got {max_steps}')
        self.max_steps = max_steps
        self.estimator = _FlowEstimator(method, dis_preset, farneback_cfg)
        self.fb_alpha = float(fb_alpha)
        self.fb_beta = float(fb_beta)
        self.stop_on_invalid = stop_on_invalid
        self.window_radius = window_radius
        self.overwrite = overwrite
        self.channel_order = channel_order

    def _window(self, point: np.ndarray, h: int, w: int) -> Tuple[int, int, int, int]:
        if self.window_radius is None:
            return 0, 0, w, h
        size_w = min(w, 2 * self.window_radius + 1)
        size_h = min(h, 2 * self.window_radius + 1)
        x0 = int(np.clip(round(point[0]) - self.window_radius, 0, w - size_w))
        y0 = int(np.clip(round(point[1]) - self.window_radius, 0, h - size_h))
        return x0, y0, x0 + size_w, y0 + size_h

    def _step(self, prev: np.ndarray, nxt: np.ndarray,
              point: np.ndarray) -> Tuple[np.ndarray, bool]:
        h, w = prev.shape[:2]
        x0, y0, x1, y1 = self._window(point, h, w)
        a, b = prev[y0:y1, x0:x1], nxt[y0:y1, x0:x1]
        offset = np.array([x0, y0], dtype=np.float64)
        local = point - offset
        fwd = sample_flow(self.estimator(a, b), local)
        new_local = local + fwd
        new_point = new_local + offset
        win_w, win_h = x1 - x0, y1 - y0
        inside = (-0.5 <= new_local[0] <= win_w - 0.5 and -0.5 <= new_local[1] <= win_h - 0.5)
        if not inside:
            return new_point, False
        bwd = sample_flow(self.estimator(b, a), new_local)
        err = float(np.sum((fwd + bwd)**2))
        tol = self.fb_alpha * float(np.sum(fwd**2) + np.sum(bwd**2)) + self.fb_beta
        return new_point, err <= tol

    def transform(self, results: dict) -> dict:
        pseudo_imgs = results.get('pseudo_imgs')
        if not pseudo_imgs:
            return results
        if results.get('pseudo_points') is not None and not self.overwrite:
            return results
        num = len(pseudo_imgs)
        points = np.full((num, 2), np.nan, dtype=np.float32)
        valid = np.zeros(num, dtype=bool)
        point = results.get('gt_point')
        visible = results.get('gt_visible', True)
        visible = bool(np.all(np.asarray(visible))) if visible is not None else True
        if point is not None and visible:
            point = np.asarray(point, dtype=np.float64).reshape(2)
            if np.isfinite(point).all():
                steps = num if self.max_steps is None else min(num, self.max_steps)
                frames = [_gray(results['img'], self.channel_order)]
                frames += [_gray(img, self.channel_order) for img in pseudo_imgs[:steps]]
                alive = True
                for i in range(steps):
                    point, ok = self._step(frames[i], frames[i + 1], point)
                    ok = ok and alive
                    if ok:
                        points[i] = point
                        valid[i] = True
                    elif self.stop_on_invalid:
                        alive = False
                    if not alive:
                        break
        results['pseudo_points'] = points
        results['pseudo_valid'] = valid
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(method={self.estimator.method!r}, '
                f'fb_alpha={self.fb_alpha}, fb_beta={self.fb_beta}, '
                f'window_radius={self.window_radius})')
