# Copyright (c) mmbleed contributors. All rights reserved.
"""Wet specular sheen lit by the endoscope's own light.

The light sits at the scope, next to the camera, so a surface element reflects the light into
the camera when its normal points back at the scope. With the frame-space relief ``h`` (slopes
scaled by ``gain / zoom``) and the view direction ``q / focal`` of a pixel ``q`` (offset from
the frame centre), the mirror condition is ``grad h ~= -q / focal``. Two lobes:

* a broad, soft, low-intensity sheen over wet areas, from the large-scale surface shape (a
  wide lobe on a smoothed normal), computed at quarter resolution;
* sharp highlights on ridges and on the meniscus of blood films, from the full-resolution
  normal (a narrow lobe), favoured where the surface is convex.

Because the relief is sampled in frame space every frame, the highlights slide over the tissue
as the scope moves, as real ones do.
"""
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

_CACHE: Dict[Tuple, Tuple[np.ndarray, np.ndarray]] = {}
#: relief added by a blood film of opacity 1 (its meniscus catches the light)
FILM_HEIGHT = 0.25
#: broad lobe: width (in units of the slope), strength
BROAD_SIGMA = 0.25
BROAD_GAIN = 0.16


def _grids(qx: np.ndarray, qy: np.ndarray, quarter: Tuple[int, int], half: Tuple[int, int]):
    """``qx, qy`` at quarter and half resolution (cached per view)."""
    key = (id(qx), id(qy), qx.shape, float(qx[0, 0]), float(qy[0, 0]))
    got = _CACHE.get(key)
    if got is None:
        got = tuple(cv2.resize(q, size, interpolation=cv2.INTER_AREA)
                    for size in (quarter, half) for q in (qx, qy))
        if len(_CACHE) > 16:
            _CACHE.clear()
        _CACHE[key] = got
    return got


def wet_sheen(hgt: np.ndarray, wet: np.ndarray, qx: np.ndarray, qy: np.ndarray, zoom: float,
              gain: float, spec_sigma: float, boost: float = 1.0,
              film: Optional[np.ndarray] = None) -> np.ndarray:
    """Specular sheen ``(H, W)`` float32 (to be added to every colour channel).

    The lobes are evaluated at half resolution (the 2x2 average acts as the slight smoothing
    of the normal that keeps glints from being single-pixel specks) and the sharp lobe is
    thresholded after up-sampling, so glints keep crisp edges.

    Args:
        hgt: ``(H, W)`` frame-space relief (``aux[..., 0]`` after the warp).
        wet: ``(H, W)`` wetness in ``[0, 1]`` (blood included).
        qx, qy: ``(H, W)`` pixel offsets from the frame centre divided by the focal length.
        zoom: camera zoom of the frame (frame px per canvas px).
        gain: relief-slope to normal scale (frame px).
        spec_sigma: width of the sharp lobe.
        boost: light-reflection boost (``ScenarioRenderer.glare_boost``): >1 widens and brightens.
        film: ``(H, W)`` blood opacity or None; a film is smooth on top (it hides the fine
            relief) and its edge, the meniscus, is a step that catches the light.
    """
    H, W = hgt.shape
    s = gain / max(float(zoom), 1e-3) / 8.0  # Sobel-3 response -> slope (normal) units
    half = (max(4, W // 2), max(4, H // 2))
    quarter = (max(4, W // 4), max(4, H // 4))
    hh = cv2.resize(hgt, half, interpolation=cv2.INTER_AREA)
    hq = cv2.resize(hh, quarter, interpolation=cv2.INTER_AREA)
    if film is not None:
        fh = cv2.resize(film, half, interpolation=cv2.INTER_AREA)
        up = cv2.resize(hq, half, interpolation=cv2.INTER_LINEAR)
        hh = cv2.add(hh, cv2.multiply(fh, cv2.subtract(up, hh)))
        hh = cv2.scaleAdd(fh, FILM_HEIGHT, hh)
        hq = cv2.resize(hh, quarter, interpolation=cv2.INTER_AREA)
    hqx, hqy, hhx, hhy = _grids(qx, qy, quarter, half)
    # --- broad soft sheen on the smoothed (quarter resolution) normal
    hq = cv2.GaussianBlur(hq, (0, 0), 1.0)
    sc = s * quarter[0] / W
    bx = cv2.add(cv2.Sobel(hq, cv2.CV_32F, 1, 0, ksize=3, scale=sc), hqx)
    by = cv2.add(cv2.Sobel(hq, cv2.CV_32F, 0, 1, ksize=3, scale=sc), hqy)
    bsig = BROAD_SIGMA * (1.3 if boost > 1 else 1.0)
    d2 = cv2.add(cv2.multiply(bx, bx), cv2.multiply(by, by))
    broad = cv2.exp(d2 * np.float32(-0.5 / (bsig * bsig)))
    broad = cv2.resize(broad, half, interpolation=cv2.INTER_LINEAR)
    # --- sharp highlights (half resolution), favoured on convex ridges
    sh = s * half[0] / W
    hx = cv2.add(cv2.Sobel(hh, cv2.CV_32F, 1, 0, ksize=3, scale=sh), hhx)
    hy = cv2.add(cv2.Sobel(hh, cv2.CV_32F, 0, 1, ksize=3, scale=sh), hhy)
    sig = spec_sigma * (1.6 if boost > 1 else 1.0)
    d2 = cv2.add(cv2.multiply(hx, hx), cv2.multiply(hy, hy))
    sharp = cv2.exp(d2 * np.float32(-0.5 / (sig * sig)))
    curv = gain / max(float(zoom), 1e-3) * (half[0] / W) ** 2
    ridge = cv2.Laplacian(hh, cv2.CV_32F, ksize=1, scale=-curv)
    ridge = cv2.max(cv2.min(ridge, 1.0), 0.0)
    wh = cv2.resize(wet, half, interpolation=cv2.INTER_AREA)
    wet2 = cv2.multiply(wh, wh)
    sharp = cv2.multiply(sharp, cv2.multiply(wet2, cv2.addWeighted(ridge, 0.6, ridge, 0, 0.6)))
    broad = cv2.multiply(broad, wh, scale=BROAD_GAIN * boost)
    # up-sample, then threshold the glints at full resolution (crisp edges):
    # spec = max(1.4 boost sharp - 0.15, 0) + broad
    sharp = cv2.resize(sharp, (W, H), interpolation=cv2.INTER_LINEAR)
    broad = cv2.resize(broad, (W, H), interpolation=cv2.INTER_LINEAR)
    spec = cv2.scaleAdd(sharp, 1.4 * boost, cv2.subtract(broad, 0.15))
    return cv2.min(cv2.max(spec, broad), 1.0)


def add_wet_sheen(img: np.ndarray, spec: np.ndarray, strength: float = 0.9) -> np.ndarray:
    """``img + strength * spec`` on every channel (in place when possible)."""
    s3 = cv2.merge([spec, spec, spec])
    if img.flags.writeable and img.dtype == np.float32:
        return cv2.scaleAdd(s3, strength, img, dst=img)
    return cv2.scaleAdd(s3, strength, img.astype(np.float32))
