# Copyright (c) mmbleed contributors. All rights reserved.
"""Red-but-not-bleeding distractors painted onto the tissue canvas.

They move with the tissue and are present before the onset too, so redness alone does not find
the source: cauterised burn marks (dark brown/black with a whitish coagulated rim), old blood
(dark red, clotted patches), red spots (petechiae, erythema, hyper-red dots) and prominent
red vessels.
"""
from typing import List, Tuple

import cv2
import numpy as np

from .noise import value_noise
from .tissue import Tissue, draw_vessel_trees

DISTRACTOR_KINDS = ('burn mark', 'old blood', 'red spots', 'red vessel')


def _window(shape: Tuple[int, int], centre, half: float) -> Tuple[slice, slice]:
    """The canvas window of half-size ``half`` around ``centre`` (clipped)."""
    h, w = shape
    x0, y0 = centre
    r = int(half) + 3
    return (slice(int(np.clip(y0 - r, 0, h)), int(np.clip(y0 + r, 0, h))),
            slice(int(np.clip(x0 - r, 0, w)), int(np.clip(x0 + r, 0, w))))


def _blob(rng: np.random.Generator, win: Tuple[slice, slice], centre, radius: float,
          roughness: float = 0.35) -> np.ndarray:
    """Irregular soft blob mask (0-1) of about ``radius`` px at ``centre``, inside ``win``."""
    ys, xs = win
    if ys.stop <= ys.start or xs.stop <= xs.start:
        return np.zeros((max(0, ys.stop - ys.start), max(0, xs.stop - xs.start)), np.float32)
    yy, xx = np.mgrid[ys, xs].astype(np.float32)
    d = np.hypot((xx - centre[0]), (yy - centre[1]) * rng.uniform(0.6, 1.4)) / radius
    d = d + roughness * value_noise(rng, ys.stop - ys.start, xs.stop - xs.start,
                                    max(radius / 1.5, 2.0))
    return np.clip((1.0 - d) / 0.25, 0, 1).astype(np.float32)


def _place(rng: np.random.Generator, source: np.ndarray, spread: float, keep_away: float,
           near_prob: float) -> np.ndarray:
    """A position around the view, usually ``keep_away`` px or more from the source."""
    if rng.random() < near_prob:
        return source + rng.normal(0, keep_away / 2, 2)
    ang = rng.uniform(0, 2 * np.pi)
    dist = rng.uniform(keep_away, spread)
    return source + dist * np.array([np.cos(ang), np.sin(ang)])


def add_distractors(rng: np.random.Generator, tissue: Tissue, unit: float, view_radius: float,
                    density: float = 1.0) -> List[str]:
    """Paint distractors onto ``tissue.albedo`` in place.

    Args:
        rng: random generator (the distractors' own stream).
        tissue: the canvas to paint on.
        unit: pixel scale (frame height / 272).
        view_radius: radius of the endoscope view in canvas pixels (where to place them).
        density: multiplier on how many distractors of each kind.

    Returns:
        list[str]: the kinds painted, one entry per distractor.
    """
    img = tissue.albedo
    h, w = img.shape[:2]
    src = tissue.source.astype(np.float64)
    kinds: List[str] = []
    keep = 55 * unit

    def paint(mask: np.ndarray, colour, win=(slice(None), slice(None))) -> None:
        m = mask[..., None]
        img[win] = img[win] * (1 - m) + np.asarray(colour, np.float32) * m

    # cauterised tissue: black/brown core, whitish-yellow coagulated rim
    for _ in range(rng.poisson(2.2 * density)):
        c = _place(rng, src, view_radius, 15 * unit, 0.2)
        r = rng.uniform(3, 8) * unit
        win = _window((h, w), c, 2.2 * 1.6 * r)
        rim = _blob(rng, win, c, r * 1.6, 0.25)
        core = _blob(rng, win, c, r, 0.35)
        paint(0.6 * rim, (0.50, 0.62, 0.74) + rng.normal(0, 0.04, 3), win)
        char = np.float32([0.06, 0.10, 0.18]) + np.float32(rng.uniform(0, 0.08, 3))
        paint(core, char, win)
        kinds.append('burn mark')
    # old blood: dark red clotted patches
    for _ in range(rng.poisson(1.6 * density)):
        c = _place(rng, src, view_radius, keep * 0.6, 0.25)
        r = rng.uniform(5, 13) * unit
        win = _window((h, w), c, 2.2 * r)
        m = _blob(rng, win, c, r, 0.4) * rng.uniform(0.6, 0.9)
        col = np.float32([0.07, 0.07, 0.34]) * rng.uniform(0.7, 1.2)
        paint(m, col, win)
        kinds.append('old blood')
    # red spots: petechiae clusters and small erythema patches, vividly red
    for _ in range(rng.poisson(5.0 * density) + 2):
        c = _place(rng, src, view_radius, keep, 0.12)
        win = _window((h, w), c, 40 * unit)
        ys, xs = win
        mask = np.zeros((ys.stop - ys.start, xs.stop - xs.start), np.float32)
        if mask.size == 0:
            continue
        for _ in range(int(rng.integers(2, 9))):
            p = c + rng.normal(0, 8 * unit, 2) - (xs.start, ys.start)
            rad = max(1, int(round(rng.uniform(0.7, 2.0) * unit)))
            cv2.circle(mask, (int(p[0]), int(p[1])), rad, 1.0, -1, cv2.LINE_AA)
        if rng.random() < 0.7:
            mask = np.maximum(mask, 0.6 * _blob(rng, win, c, rng.uniform(5, 11) * unit, 0.4))
        mask = cv2.GaussianBlur(mask, (0, 0), 0.9 * unit)
        # as red as fresh blood or redder: a Red-Mask argmax cannot tell them apart
        red = np.float32([0.06, 0.06, 0.86]) + np.float32(rng.uniform(-0.03, 0.05, 3))
        paint(np.clip(mask, 0, 1) * rng.uniform(0.8, 1.0), red, win)
        kinds.append('red spots')
    # prominent, engorged red vessels
    for _ in range(rng.poisson(1.0 * density)):
        m = draw_vessel_trees(rng, h, w, 1, unit, 2.2)
        paint(np.clip(m * 0.9, 0, 1), (0.14, 0.12, 0.66))
        kinds.append('red vessel')
    np.clip(img, 0, 1, out=img)
    return kinds
