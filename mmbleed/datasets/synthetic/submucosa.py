# Copyright (c) mmbleed contributors. All rights reserved.
"""The dissection bed of ESD: injected submucosa, exposed muscle layer, the lifted flap's front.

The submucosa is injected with indigo-carmine saline: pale blue, translucent (the pinkish tissue
below shows through where it is thin), crossed by white fibrous strands and dotted with bubbles
of injectate. At the dissection front, under the lifted mucosal flap, it lies in shadow and thin
fibres are stretched across the cut. In the deepest part the proper muscle layer shows through:
salmon-red with parallel fibre bundles. The bed's outline is soft and irregular (a noisy level
field, not a cut-out shape) and the bed is a depression: lower than the mucosa around it.
"""
from dataclasses import dataclass
from typing import Tuple

import cv2
import numpy as np

from .noise import streak_noise, value_noise
from .source_site import BedLayout


@dataclass
class BedFields:
    """Per-pixel fields of the bed (all ``(Hc, Wc)`` float32).

    Attributes:
        level: 1 at the cut edge, 0 at the bed centre, >1 outside (noisy, lobed ellipse).
        bed: soft bed mask (0 mucosa, 1 submucosa).
        muscle: exposed-muscle mask.
        front: weight of the dissection front (the flap's side of the bed), 0-1.
    """
    level: np.ndarray
    bed: np.ndarray
    muscle: np.ndarray
    front: np.ndarray


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0, 1)
    return x * x * (3 - 2 * x)


def _upsampled_noise(rng, h, w, cell, factor=4):
    """Value noise computed on a grid ``factor`` times coarser, then resized (cheap, smooth)."""
    small = value_noise(rng, h // factor + 2, w // factor + 2, max(cell / factor, 1.0))
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def bed_fields(rng: np.random.Generator, xx: np.ndarray, yy: np.ndarray, unit: float,
               lay: BedLayout) -> BedFields:
    """The bed's level field, soft mask, muscle mask and dissection-front weight."""
    h, w = xx.shape
    dx, dy = xx - np.float32(lay.centre[0]), yy - np.float32(lay.centre[1])
    c, s = np.float32(np.cos(lay.rot)), np.float32(np.sin(lay.rot))
    u = (c * dx + s * dy) / np.float32(lay.rx)
    v = (-s * dx + c * dy) / np.float32(lay.ry)
    base = cv2.magnitude(u, v)
    r = min(lay.rx, lay.ry)
    lobes = _upsampled_noise(rng, h, w, 0.8 * r)
    rag = _upsampled_noise(rng, h, w, 9 * unit, 2)
    level = base * (1 + 0.12 * lobes) + 0.03 * rag
    ew = rng.uniform(0.05, 0.09)
    bed = _smoothstep((1.0 - level) / ew + 0.5)
    ang = cv2.phase(u, v)
    diff = np.abs((ang - np.float32(lay.front % (2 * np.pi)) + np.pi) % (2 * np.pi) - np.pi)
    front = np.exp(-(diff / 0.7) ** 2).astype(np.float32)
    if lay.muscle_centre is not None:
        mr = lay.muscle_r
        ml = np.hypot(xx - lay.muscle_centre[0], yy - lay.muscle_centre[1]) / mr
        ml = ml * (1 + 0.3 * _upsampled_noise(rng, h, w, 0.6 * mr)) + 0.06 * rag
        muscle = _smoothstep((1 - ml) / 0.55) * _smoothstep((0.93 - level) / 0.15)
    else:
        muscle = np.zeros((h, w), np.float32)
    return BedFields(level.astype(np.float32), bed.astype(np.float32),
                     muscle.astype(np.float32), front)


def _bubbles(rng, h, w, unit, centres, spread, count) -> Tuple[np.ndarray, np.ndarray]:
    """Bubbles of injectate: (body mask, bright glint mask)."""
    body = np.zeros((h, w), np.float32)
    glint = np.zeros((h, w), np.float32)
    for _ in range(count):
        c = centres[int(rng.integers(len(centres)))] + rng.normal(0, spread, 2)
        rad = rng.uniform(1.2, 4.5) * unit
        p = (int(c[0] * 4), int(c[1] * 4))
        cv2.circle(body, p, int(rad * 4), 1.0, -1, cv2.LINE_AA, shift=2)
        cv2.circle(body, p, int(rad * 4), 0.0, max(1, int(0.6 * unit)), cv2.LINE_AA, shift=2)
        g = (int((c[0] - 0.35 * rad) * 4), int((c[1] - 0.35 * rad) * 4))
        cv2.circle(glint, g, max(2, int(rad * 1.2)), 1.0, -1, cv2.LINE_AA, shift=2)
    return body, glint


def render_bed(rng: np.random.Generator, img: np.ndarray, relief: np.ndarray, wet: np.ndarray,
               f: BedFields, lay: BedLayout, unit: float, submucosa_colour) -> None:
    """Paint the bed over the mucosa ``img`` and add its relief and wetness (all in place)."""
    h, w = f.level.shape
    # the window that the bed covers (everything else stays mucosa)
    ys, xs = np.nonzero(f.level < 1.45)
    if len(xs) == 0:
        return
    y0, y1 = max(0, ys.min() - 2), min(h, ys.max() + 3)
    x0, x1 = max(0, xs.min() - 2), min(w, xs.max() + 3)
    win = (slice(y0, y1), slice(x0, x1))
    hh, ww = y1 - y0, x1 - x0
    level, bed, muscle, front = f.level[win], f.bed[win], f.muscle[win], f.front[win]

    # --- injected submucosa: pale blue, translucent over pinkish tissue
    blue = rng.uniform(0.25, 1.0)
    inj = np.float32(submucosa_colour) * (1 - blue) + np.float32([0.88, 0.72, 0.50]) * blue
    # sometimes the bed is dim (dense dye, shadow, blood-stained): not always the brightest
    inj = inj * (rng.uniform(0.62, 0.8) if rng.random() < 0.3 else rng.uniform(0.8, 1.04))
    under = np.float32([0.50, 0.52, 0.78]) * rng.uniform(0.85, 1.05)
    thick = np.clip(0.6 + 0.3 * _upsampled_noise(rng, hh, ww, 22 * unit, 2)
                    + 0.2 * (1 - level), 0.15, 1.0)
    # deeper-blue lakes where the injectate collected
    lake = np.clip(_upsampled_noise(rng, hh, ww, 30 * unit, 2) - 0.6, 0, 1) * blue
    thick = thick * (1 - 0.6 * muscle)
    col = under + (inj - under) * thick[..., None]
    col = col + np.float32([0.02, -0.10, -0.16]) * lake[..., None]
    # white fibrous strands, running along the traction (normal to the front)
    traction = np.rad2deg(lay.rot) + np.rad2deg(lay.front) + rng.normal(0, 15)
    n1 = streak_noise(rng, hh, ww, 4.0 * unit, rng.uniform(2.5, 4.5), traction)
    n2 = streak_noise(rng, hh, ww, 7.0 * unit, rng.uniform(1.5, 3), traction + rng.uniform(30, 70))
    strands = cv2.exp(-(n1 / 0.3) ** 2) + 0.6 * cv2.exp(-(n2 / 0.25) ** 2)
    strands *= np.clip(0.45 + 0.5 * _upsampled_noise(rng, hh, ww, 16 * unit), 0, 1.2)
    strands = np.clip(cv2.GaussianBlur(strands, (0, 0), 0.8 * unit), 0, 1)
    white = np.float32([0.92, 0.92, 0.93])
    col = col + (white - col) * (0.38 * strands * (1 - 0.7 * muscle))[..., None]

    # --- proper muscle layer: salmon-red with parallel fibre bundles
    if muscle.max() > 0:
        m_ang = rng.uniform(0, 180)
        mf = streak_noise(rng, hh, ww, 2.5 * unit, rng.uniform(8, 14), m_ang)
        mf = cv2.GaussianBlur(mf, (0, 0), 0.7 * unit) \
            + 0.5 * _upsampled_noise(rng, hh, ww, 12 * unit, 2)
        bundles = 0.5 + 0.5 * np.tanh(0.8 * mf)
        grooves = cv2.exp(-(mf / 0.2) ** 2) * 0.5
        salmon = np.float32([0.52, 0.58, 0.90]) * rng.uniform(0.9, 1.08)
        deep = np.float32([0.36, 0.36, 0.72])
        mcol = deep + (salmon - deep) * (0.45 + 0.55 * bundles)[..., None]
        mcol = mcol * (1 - 0.18 * grooves)[..., None]
        veil = (0.15 + 0.45 * (1 - muscle))[..., None]  # residual submucosal veil
        mcol = mcol * (1 - veil) + inj * veil
        m = muscle[..., None]
        col = col * (1 - m) + mcol * m
        relief[win] += 0.05 * bundles * muscle

    # --- the dissection front: shadow under the flap, fibres stretched across the cut
    band = np.clip(1 - np.abs(level - 0.93) / 0.12, 0, 1) * front
    shade = 1 - rng.uniform(0.25, 0.45) * band
    col = col * shade[..., None] + np.float32([0.06, 0.0, -0.04]) * band[..., None]

    # bubbles of injectate (clusters, mostly near the edges)
    cand_y, cand_x = np.nonzero((level > 0.55) & (level < 0.95))
    if len(cand_x):
        k = rng.integers(len(cand_x), size=int(rng.integers(2, 6)))
        centres = np.stack([cand_x[k], cand_y[k]], 1).astype(np.float64)
        body, glint = _bubbles(rng, hh, ww, unit, centres, 7 * unit, int(rng.integers(8, 40)))
        body *= bed
        glint *= body
        col = col * (1 - 0.25 * body[..., None]) \
            + np.float32([0.90, 0.86, 0.82]) * (0.25 * body)[..., None]
        col = col + (1.0 - col) * (0.8 * glint)[..., None]
        relief[win] += 0.3 * body

    # composite over the mucosa with a soft edge; the cut mucosal margin is raised
    b = bed[..., None]
    sub = img[win]
    mucosa_mean = sub.reshape(-1, 3).mean(0)
    rim = np.clip(1 - np.abs(level - 1.04) / 0.07, 0, 1)
    rim_col = mucosa_mean * np.float32([1.15, 1.1, 1.0]) + np.float32([0.06, 0.06, 0.03])
    sub = sub * (1 - 0.4 * rim[..., None]) + rim_col * (0.4 * rim)[..., None]
    img[win] = sub * (1 - b) + col * b

    # fibres stretched across the cut at the front (drawn on top, thin and bright)
    fib = np.zeros((hh, ww), np.float32)
    fy, fx = np.nonzero((np.abs(level - 1.0) < 0.03) & (front > 0.3))
    if len(fx):
        gy, gx = np.gradient(level)
        for k in rng.integers(len(fx), size=int(rng.integers(15, 45))):
            p = np.array([fx[k], fy[k]], np.float64)
            g = np.array([gx[fy[k], fx[k]], gy[fy[k], fx[k]]])
            g = -g / (np.linalg.norm(g) + 1e-9)  # inward
            a = np.arctan2(g[1], g[0]) + rng.normal(0, 0.3)
            d = np.array([np.cos(a), np.sin(a)])
            L = rng.uniform(4, 16) * unit
            p0 = p - d * 0.3 * L
            p1 = p + d * L
            cv2.line(fib, tuple((p0 * 4).astype(int)), tuple((p1 * 4).astype(int)),
                     float(rng.uniform(0.4, 1.0)), 1, cv2.LINE_AA, shift=2)
        fib = cv2.GaussianBlur(fib, (0, 0), 0.5 * unit)
        img[win] += (np.float32([0.95, 0.92, 0.90]) - img[win]) * (0.7 * fib)[..., None]

    # relief: the bed is a depression, deepest where the muscle is; the flap is lifted
    depth = rng.uniform(0.6, 1.1)
    bowl = _smoothstep((1.02 - level) / 0.45)
    relief[win] += -depth * bowl - 0.12 * muscle
    relief[win] += rng.uniform(0.3, 0.7) * front * _smoothstep(1 - np.abs(level - 1.12) / 0.25)
    relief[win] += 0.15 * _smoothstep(1 - np.abs(level - 1.04) / 0.12) + 0.05 * strands * bed \
        + 0.1 * fib
    wet[win] = wet[win] * (1 - bed) + bed * (0.45 + 0.35 * muscle + 0.2 * thick)
