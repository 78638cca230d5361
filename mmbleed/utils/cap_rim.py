# Copyright (c) mmbleed contributors. All rights reserved.
"""Find the rim of the endoscope's distal cap in a frame (an mmbleed addition, not in the paper).

ESD is done with a transparent cap on the scope's tip; its distal rim shows as a thin ring
just inside the round view, a bright reflection with a dark line beside it, and the tissue
beyond it is seen, darker, through the cap's wall. The ring is fixed to the scope, so corners
on it do not move with the tissue; a tracker that follows tissue points
(:class:`~mmbleed.models.trackers.SupportPointTracker`, ``cap_rim_band``) can keep its points
off it (measured, not the default: docs/source_tracking.md, eighth round).

:func:`find_cap_rim` finds the ring without knowing the scope: the round view is fitted to
the lit region's outline; in each angular sector of the view the sharpest dark dip of the
radial grey profile (the profile minus its Gaussian-smoothed self) between ``inner`` and
``outer`` of the view's radius is the rim's dark line there; sectors far from the median
radius (a tissue edge won) or outside the frame take the median. The rim is kept per sector,
not fitted by one circle: the cap sits slightly off-centre and is slightly oval. A frame
whose sectors do not agree (no cap, or too little of the view in the frame) has no rim.
"""
from typing import Optional, Tuple

import cv2
import numpy as np


def fit_view_circle(gray: np.ndarray, dark_level: int = 30
                    ) -> Optional[Tuple[float, float, float]]:
    """The round view ``(cx, cy, radius)`` in px: a least-squares circle through the outline
    of the largest lit region (grey above ``dark_level``) where it does not touch the frame's
    border. None when too little of the outline is left (a black frame, a view filling the
    frame)."""
    lit = (gray > dark_level).astype(np.uint8)
    contours, _ = cv2.findContours(lit, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea).reshape(-1, 2).astype(np.float64)
    h, w = gray.shape
    inside = (outline[:, 0] > 1) & (outline[:, 0] < w - 2) & \
        (outline[:, 1] > 1) & (outline[:, 1] < h - 2)
    outline = outline[inside]
    if len(outline) < 20:
        return None
    x, y = outline[:, 0], outline[:, 1]
    # x^2 + y^2 + D x + E y + F = 0 (Kasa's algebraic fit)
    (d, e, f), *_ = np.linalg.lstsq(np.stack([x, y, np.ones_like(x)], 1), -(x * x + y * y),
                                    rcond=None)
    cx, cy = -d / 2, -e / 2
    r2 = cx * cx + cy * cy - f
    if r2 <= 0:
        return None
    return float(cx), float(cy), float(np.sqrt(r2))


def find_cap_rim(gray: np.ndarray,
                 dark_level: int = 30,
                 inner: float = 0.7,
                 outer: float = 0.98,
                 sectors: int = 48,
                 smooth: float = 4.0,
                 agree_px: float = 4.0,
                 min_sectors: int = 8) -> Optional[Tuple[Tuple[float, float], np.ndarray]]:
    """The cap's rim in ``gray`` (``(H, W)`` uint8): the view's centre ``(cx, cy)`` and the
    radius (px) of the rim's dark line in each of ``sectors`` angular sectors, sector ``s``
    spanning the angles ``[-pi + 2 pi s / sectors, -pi + 2 pi (s + 1) / sectors)`` of
    ``atan2(y - cy, x - cx)``; None when no rim is found (module docstring).

    Args:
        gray: the grey frame.
        dark_level: the lit view is grey above this.
        inner, outer: the rim is searched between these shares of the view's radius.
        sectors: angular sectors, one candidate each.
        smooth: sigma (px) of the radial profile's smoothing; the dip is the profile minus
            its smoothed self.
        agree_px: candidates farther than this (px) from the median radius are replaced by
            it, as are sectors outside the frame.
        min_sectors: fewest agreeing candidates for a rim; at least half of the sectors
            in the frame must agree too.
    """
    view = fit_view_circle(gray, dark_level)
    if view is None:
        return None
    cx, cy, radius = view
    lo, hi = int(inner * radius), int(min(outer * radius, radius - 4))
    if hi - lo < 4:
        return None
    start = max(lo - int(3 * smooth) - 1, 0)  # the profile reaches in for the smoothing
    dist, sector = _polar(gray.shape, (cx, cy), sectors)
    band = (dist >= start) & (dist < radius + 1) & (gray > dark_level)
    length = int(radius) + 3 - start
    index = sector[band] * length + np.round(dist[band]).astype(np.int64) - start
    sums = np.bincount(index, gray[band].astype(np.float64), sectors * length)
    counts = np.bincount(index, minlength=sectors * length)
    sums, counts = sums.reshape(sectors, length), counts.reshape(sectors, length)
    radii = np.full(sectors, np.nan)
    for s in range(sectors):
        seen = counts[s] >= 3
        end = length if seen.all() else int(np.argmin(seen))  # the first unseen radius
        if end <= hi - start:  # this sector leaves the frame or the lit view too early
            continue
        profile = sums[s, :end] / counts[s, :end]
        dip = profile - cv2.GaussianBlur(profile.reshape(1, -1), (0, 0), smooth).ravel()
        radii[s] = lo + int(np.argmin(dip[lo - start:hi - start + 1]))
    found = ~np.isnan(radii)
    if found.sum() < min_sectors:
        return None
    median = float(np.median(radii[found]))
    agree = found & (np.abs(radii - median) <= agree_px)
    if agree.sum() < max(min_sectors, found.sum() / 2):
        return None
    radii[~agree] = median
    return (cx, cy), radii


def cap_rim_mask(shape: Tuple[int, int], rim: Tuple[Tuple[float, float], np.ndarray],
                 inside_px: float, outside_px: float) -> np.ndarray:
    """``(H, W)`` bool: the pixels from ``inside_px`` inside to ``outside_px`` outside the
    rim's dark line found by :func:`find_cap_rim`."""
    centre, radii = rim
    dist, sector = _polar(shape, centre, len(radii))
    offset = dist - radii[sector]
    return (offset >= -inside_px) & (offset <= outside_px)


def _polar(shape: Tuple[int, int], centre: Tuple[float, float], sectors: int
           ) -> Tuple[np.ndarray, np.ndarray]:
    """Each pixel's distance to ``centre`` and its angular sector (see :func:`find_cap_rim`)."""
    h, w = shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    dx, dy = xx - centre[0], yy - centre[1]
    sector = ((np.arctan2(dy, dx) + np.pi) / (2 * np.pi) * sectors).astype(np.int64)
    return np.sqrt(dx * dx + dy * dy), sector % sectors
