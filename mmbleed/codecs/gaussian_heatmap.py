# Copyright (c) mmbleed contributors. All rights reserved.
"""Gaussian heat-map codec of the bleeding source (BleedOrigin paper, §4.2).

The source module is supervised with Gaussian heat maps centred on the expert point and on
its optical-flow pseudo-labels (§4.2, "pseudo-labels"), and its heat map is decoded back into
a point. Encoding and decoding live here, apart from heads and losses (mmpose's codec idea),
in pure NumPy.

Pixel convention (shared with ``mmbleed.datasets.transforms``): a point ``(x, y)`` is in
pixels whose **centres lie at integer coordinates**; the pixel ``(i, j)`` covers
``[i - 0.5, i + 0.5] x [j - 0.5, j + 0.5]`` and an image ``w`` pixels wide spans
``[-0.5, w - 0.5]``. Resizing by ``s`` maps ``x -> (x + 0.5) * s - 0.5`` (what
``cv2.resize`` and ``F.interpolate(align_corners=False)`` do).
"""
from typing import Optional, Tuple

import cv2
import numpy as np

from mmbleed.registry import TASK_UTILS
from mmbleed.utils import points_inside


@TASK_UTILS.register_module()
class GaussianHeatmap:
    """Encode points as Gaussian heat maps and decode heat maps into points.

    Note:
        - point number: K (1 for the bleeding source, n for pseudo-labels)
        - model-input size: ``[w, h]``
        - heat-map size: ``[W, H]``

    Args:
        input_size (tuple[int, int]): Model-input size ``(w, h)``.
        heatmap_size (tuple[int, int]): Heat-map size ``(W, H)``.
        sigma (float): Standard deviation of the Gaussian, in heat-map pixels.
        refine (str): Sub-pixel refinement of the arg-max in :meth:`decode`:
            ``'quadratic'`` (a parabola through the log heat map at the peak and its two
            neighbours on each axis, exact for a Gaussian, DARK-style), ``'centroid'`` (the
            heat-map-weighted mean of a window around the peak, a local soft-argmax) or
            ``'none'``. Defaults to ``'quadratic'``.
        centroid_radius (int, optional): Half-size of the ``'centroid'`` window; ``None``
            uses ``ceil(3 * sigma)``, wide enough for an unbiased centroid away from the
            border. Defaults to None.
        blur_kernel_size (int): Odd size of a Gaussian blur applied to predicted heat maps
            before refinement (0 = none), which makes a predicted map closer to a Gaussian
            (DARK). Defaults to 0.
        eps (float): Floor of heat-map values before the logarithm. Defaults to 1e-10.

    The scale between model input and heat map is one attribute, ``scale_factor``
    (``(w / W, h / H)``), used both ways by :meth:`input_to_heatmap` and
    :meth:`heatmap_to_input`.
    """

    def __init__(self,
                 input_size: Tuple[int, int],
                 heatmap_size: Tuple[int, int],
                 sigma: float,
                 refine: str = 'quadratic',
                 centroid_radius: Optional[int] = None,
                 blur_kernel_size: int = 0,
                 eps: float = 1e-10) -> None:
        if refine not in ('quadratic', 'centroid', 'none'):
            raise ValueError(f"refine must be 'quadratic', 'centroid' or 'none', got {refine!r}")
        if sigma <= 0:
            raise ValueError(f'sigma must be positive, got {sigma}')
        if blur_kernel_size and blur_kernel_size % 2 == 0:
            raise ValueError(f'blur_kernel_size must be odd, got {blur_kernel_size}')
        self.input_size = tuple(int(v) for v in input_size)
        self.heatmap_size = tuple(int(v) for v in heatmap_size)
        self.sigma = float(sigma)
        self.refine = refine
        self.centroid_radius = (int(np.ceil(3 * self.sigma))
                                if centroid_radius is None else int(centroid_radius))
        self.blur_kernel_size = int(blur_kernel_size)
        self.eps = float(eps)
        # model-input pixels per heat-map pixel, (sx, sy); the only input <-> heat-map scale
        self.scale_factor = (np.asarray(self.input_size, dtype=np.float64) /
                             np.asarray(self.heatmap_size, dtype=np.float64))

    # -- coordinate maps (pixel centres at integers) ---------------------------------------
    def input_to_heatmap(self, points: np.ndarray) -> np.ndarray:
        """Map ``(..., 2)`` model-input pixels to heat-map pixels."""
        return (np.asarray(points, dtype=np.float64) + 0.5) / self.scale_factor - 0.5

    def heatmap_to_input(self, points: np.ndarray) -> np.ndarray:
        """Map ``(..., 2)`` heat-map pixels to model-input pixels."""
        return (np.asarray(points, dtype=np.float64) + 0.5) * self.scale_factor - 0.5

    # -- encode ----------------------------------------------------------------------------
    def encode(self, points: np.ndarray, visible: Optional[np.ndarray] = None) -> dict:
        """Encode points (model-input pixels) into Gaussian heat maps.

        The Gaussian is centred at the exact sub-pixel position, its peak is 1 (reached when
        the point falls on a heat-map pixel centre). A point that is not visible, is NaN or
        falls outside the heat map gets an all-zero map and weight 0.

        Args:
            points (np.ndarray): ``(2,)`` or ``(K, 2)`` points ``(x, y)`` in model-input px.
            visible (np.ndarray, optional): ``(K,)`` visibility (bool or weight in
                ``[0, 1]``). Defaults to all visible.

        Returns:
            dict: ``heatmaps`` ``(K, H, W)`` float32 and ``weights`` ``(K,)`` float32.
        """
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        num = points.shape[0]
        if visible is None:
            weights = np.ones(num, dtype=np.float32)
        else:
            weights = np.asarray(visible, dtype=np.float32).reshape(-1).copy()
            if weights.shape[0] != num:
                raise ValueError(f'{num} points but {weights.shape[0]} visibility values')
        W, H = self.heatmap_size
        hm_points = self.input_to_heatmap(points)
        inside = np.isfinite(hm_points).all(axis=1) & points_inside(hm_points, (H, W))
        weights[~inside] = 0.0
        heatmaps = np.zeros((num, H, W), dtype=np.float32)
        xs = np.arange(W, dtype=np.float64)
        ys = np.arange(H, dtype=np.float64)
        for k in np.flatnonzero(weights > 0):
            gx = np.exp(-(xs - hm_points[k, 0])**2 / (2 * self.sigma**2))
            gy = np.exp(-(ys - hm_points[k, 1])**2 / (2 * self.sigma**2))
            heatmaps[k] = np.outer(gy, gx)
        return dict(heatmaps=heatmaps, weights=weights)

    # -- decode ----------------------------------------------------------------------------
    def decode(self, heatmaps: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Decode heat maps into points (model-input pixels) and scores.

        Args:
            heatmaps (np.ndarray): ``(K, H, W)`` (or ``(H, W)``) heat maps.

        Returns:
            tuple: ``points`` ``(K, 2)`` float32 ``(x, y)`` in model-input pixels and
            ``scores`` ``(K,)`` float32, the heat-map maximum.
        """
        heatmaps = np.asarray(heatmaps, dtype=np.float32)
        if heatmaps.ndim == 2:
            heatmaps = heatmaps[None]
        if heatmaps.ndim != 3:
            raise ValueError(f'decode expects (K, H, W) heat maps, got {heatmaps.shape}')
        num, H, W = heatmaps.shape
        flat = heatmaps.reshape(num, -1)
        idx = np.argmax(flat, axis=1)
        scores = flat[np.arange(num), idx].astype(np.float32)
        peaks = np.stack([idx % W, idx // W], axis=1).astype(np.float64)
        for k in range(num):
            hm = heatmaps[k]
            if self.blur_kernel_size:
                hm = cv2.GaussianBlur(hm, (self.blur_kernel_size, self.blur_kernel_size), 0)
            if self.refine == 'quadratic':
                peaks[k] += self._quadratic_offset(hm, int(peaks[k, 0]), int(peaks[k, 1]))
            elif self.refine == 'centroid':
                peaks[k] = self._centroid(hm, int(peaks[k, 0]), int(peaks[k, 1]))
        return self.heatmap_to_input(peaks).astype(np.float32), scores

    def _quadratic_offset(self, hm: np.ndarray, x: int, y: int) -> np.ndarray:
        """Sub-pixel offset of the peak at ``(x, y)`` from the log heat map, per axis.

        With both neighbours, the vertex of the parabola through the three log values (exact
        for a Gaussian of any width). On the border, where one neighbour is missing, the
        Gaussian's log slope with the codec's ``sigma`` is used, which still places a peak
        that lies up to half a pixel beyond the outermost pixel centre.
        """
        H, W = hm.shape
        offset = np.zeros(2, dtype=np.float64)

        def log_at(px: int, py: int) -> float:
            return float(np.log(max(float(hm[py, px]), self.eps)))

        for axis, (c, n) in enumerate(((x, W), (y, H))):
            if n < 2:
                continue
            step = np.array([1, 0]) if axis == 0 else np.array([0, 1])
            l0 = log_at(x, y)
            lm = log_at(*(np.array([x, y]) - step)) if c >= 1 else None
            lp = log_at(*(np.array([x, y]) + step)) if c <= n - 2 else None
            if lm is not None and lp is not None:
                curv = lp - 2 * l0 + lm
                if curv < 0:
                    offset[axis] = np.clip(0.5 * (lm - lp) / curv, -0.5, 0.5)
            else:
                # l(c) - l(c -/+ 1) = (1 -/+ 2 (c - mu)) / (2 sigma^2) for a Gaussian
                two_var = 2 * self.sigma**2
                if lm is not None:
                    off = 0.5 * (two_var * (l0 - lm) - 1)
                else:
                    off = -0.5 * (two_var * (l0 - lp) - 1)
                offset[axis] = np.clip(off, -0.5, 0.5)
        return offset

    def _centroid(self, hm: np.ndarray, x: int, y: int) -> np.ndarray:
        """Heat-map-weighted mean position in a window around ``(x, y)``."""
        H, W = hm.shape
        r = self.centroid_radius
        x0, x1 = max(0, x - r), min(W, x + r + 1)
        y0, y1 = max(0, y - r), min(H, y + r + 1)
        patch = np.maximum(hm[y0:y1, x0:x1].astype(np.float64), 0.0)
        total = patch.sum()
        if total <= 0:
            return np.array([x, y], dtype=np.float64)
        gy, gx = np.mgrid[y0:y1, x0:x1]
        return np.array([(patch * gx).sum() / total, (patch * gy).sum() / total])

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(input_size={self.input_size}, '
                f'heatmap_size={self.heatmap_size}, sigma={self.sigma}, '
                f'refine={self.refine!r})')
