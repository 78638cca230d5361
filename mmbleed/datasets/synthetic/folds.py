# Copyright (c) mmbleed contributors. All rights reserved.
"""Mucosal folds (gastric rugae, haustra, longitudinal oesophageal folds) as a height map.

Fold crests are the zero set of an anisotropic, domain-warped noise field: the zero set of a
smooth random field is a set of irregular, meandering curves that merge and split (branch), and
stretching the noise along the fold direction makes them run roughly parallel, as rugae do.
Each crest gets a rounded profile whose width varies along it.
"""
import cv2
import numpy as np

from .noise import streak_noise, value_noise


def fold_height(rng: np.random.Generator, height: int, width: int, unit: float,
                period: float, angle_deg: float, stretch: float = 2.5,
                meander: float = 0.5) -> np.ndarray:
    """Height of irregular, branching, meandering folds.

    Args:
        rng: random generator.
        height, width: canvas size.
        unit: pixel scale (frame height / 272).
        period: mean spacing of the folds (px at unit 1).
        angle_deg: main direction of the folds (degrees).
        stretch: how elongated the folds are (1 = isotropic blobs, 6 = long parallel folds).
        meander: strength of the domain warp that bends the folds (0-1).

    Returns:
        np.ndarray: ``(height, width)`` float32, about 0 in the valleys and up to 1 on crests.
    """
    cell = 0.5 * period * unit
    n = streak_noise(rng, height, width, cell, stretch, angle_deg)
    # a finer octave makes crests wiggle and occasionally branch
    n += 0.2 * streak_noise(rng, height, width, 0.45 * cell, 0.6 * stretch + 0.4,
                            angle_deg + rng.uniform(-25, 25))
    # meander: warp the domain with smooth offsets
    amp = meander * 0.45 * period * unit
    if amp > 0.5:
        small = (max(8, width // 8), max(8, height // 8))
        dx = cv2.resize(value_noise(rng, small[1], small[0], 3.0 * cell / 8), (width, height),
                        interpolation=cv2.INTER_LINEAR)
        dy = cv2.resize(value_noise(rng, small[1], small[0], 3.0 * cell / 8), (width, height),
                        interpolation=cv2.INTER_LINEAR)
        xx, yy = np.meshgrid(np.arange(width, dtype=np.float32),
                             np.arange(height, dtype=np.float32))
        n = cv2.remap(n, xx + amp * dx, yy + amp * dy, cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_REFLECT)
    # folds are the domes between the zero lines of n; the zero lines are the clefts between
    # folds (narrow, meandering, merging); the dome width varies with |n|'s local scale
    wid = 0.8 + 0.3 * cv2.resize(value_noise(rng, height // 4 + 1, width // 4 + 1, cell / 2),
                                  (width, height), interpolation=cv2.INTER_LINEAR)
    r = n / np.maximum(wid, 0.35)
    crest = 1.0 - cv2.exp(-(r * r))
    # some stretches of fold are low, some high
    lvl = value_noise(rng, height // 8 + 1, width // 8 + 1, 2.5 * cell / 8)
    lvl = cv2.resize(np.clip(0.7 + 0.45 * lvl, 0.25, 1.2), (width, height),
                     interpolation=cv2.INTER_LINEAR)
    return cv2.GaussianBlur(crest * lvl, (0, 0), 2.2 * unit).astype(np.float32)
