# Copyright (c) mmbleed contributors. All rights reserved.
"""Smooth random fields (value noise) shared by the synthetic ESD generator.

Everything is vectorised: a coarse Gaussian grid is up-sampled with bicubic interpolation, and
octaves are summed. No per-pixel Python loops.
"""
import cv2
import numpy as np


def value_noise(rng: np.random.Generator, height: int, width: int, cell: float) -> np.ndarray:
    """One octave of smooth noise with features about ``cell`` pixels wide.

    Returns:
        np.ndarray: ``(height, width)`` float32, roughly zero-mean, unit-variance.
    """
    cell = max(float(cell), 1.0)
    gh = int(np.ceil(height / cell)) + 3
    gw = int(np.ceil(width / cell)) + 3
    grid = rng.standard_normal((gh, gw)).astype(np.float32)
    big = cv2.resize(grid, (int(gw * cell), int(gh * cell)), interpolation=cv2.INTER_CUBIC)
    oy = int(rng.integers(0, max(1, big.shape[0] - height)))
    ox = int(rng.integers(0, max(1, big.shape[1] - width)))
    out = big[oy:oy + height, ox:ox + width]
    std = float(out.std()) or 1.0
    return ((out - out.mean()) / std).astype(np.float32)


def fractal_noise(rng: np.random.Generator,
                  height: int,
                  width: int,
                  cell: float,
                  octaves: int = 4,
                  persistence: float = 0.5) -> np.ndarray:
    """Sum of ``octaves`` value-noise octaves, the coarsest ``cell`` pixels wide.

    Returns:
        np.ndarray: ``(height, width)`` float32, normalised to zero mean and unit variance.
    """
    out = np.zeros((height, width), np.float32)
    amp = 1.0
    for i in range(octaves):
        out += amp * value_noise(rng, height, width, cell / (2 ** i))
        amp *= persistence
    return ((out - out.mean()) / (out.std() + 1e-6)).astype(np.float32)


def streak_noise(rng: np.random.Generator, height: int, width: int, cell: float,
                 stretch: float, angle_deg: float) -> np.ndarray:
    """Anisotropic (fibrous) noise stretched ``stretch`` times along ``angle_deg``."""
    side = int(np.hypot(height, width)) + 4
    base = cv2.resize(
        value_noise(rng, side, max(4, int(side / stretch)), cell),
        (side, side), interpolation=cv2.INTER_LINEAR)
    rot = cv2.getRotationMatrix2D((side / 2, side / 2), angle_deg, 1.0)
    rot[:, 2] += (width - side) / 2, (height - side) / 2
    out = cv2.warpAffine(base, rot, (width, height), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REFLECT)
    return ((out - out.mean()) / (out.std() + 1e-6)).astype(np.float32)


def smooth_series(rng: np.random.Generator, length: int, cell: float) -> np.ndarray:
    """A smooth 1-D random series (``(length,)`` float32, ~unit variance), features ``cell`` long."""
    n = int(np.ceil(length / max(cell, 1.0))) + 4
    knots = rng.standard_normal(n).astype(np.float32)
    xs = np.arange(length, dtype=np.float32) / max(cell, 1.0) + 1.0
    i0 = np.floor(xs).astype(int)
    f = xs - i0
    f = f * f * (3 - 2 * f)
    return (knots[i0] * (1 - f) + knots[i0 + 1] * f).astype(np.float32)
