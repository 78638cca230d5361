# Copyright (c) mmbleed contributors. All rights reserved.
"""Procedural ESD tissue: mucosa texture, vessels, the dissected submucosal bed, site presets.

The tissue lives on a *canvas* larger than the frame; the camera (``camera.py``) looks at part
of it through a warp. Colours are float32 BGR in ``[0, 1]``. Sizes are given for a 272-pixel
high frame and scaled by ``unit = frame_height / 272``.
"""
from dataclasses import dataclass
from typing import Dict, Tuple

import cv2
import numpy as np

from .noise import fractal_noise, streak_noise, value_noise

BGR = Tuple[float, float, float]


@dataclass(frozen=True)
class SitePreset:
    """Look of one anatomical site.

    Args:
        name (str): site name as written to ``clips.csv``.
        mucosa (BGR): main mucosa colour.
        mucosa_alt (BGR): second mucosa colour mixed in by low-frequency noise.
        submucosa (BGR): colour of the dissected submucosal bed (injected, bluish white).
        vessel (BGR): colour of submucosal / mucosal vessels.
        vessel_trees (int): number of branching vessel trees on the canvas.
        capillary (float): strength of the reticular capillary network (0-1).
        grain (float): feature size of the mucosal surface pattern (px at unit 1).
        folds (float): fold (rugae / haustra) relief strength.
        fold_period (float): fold spacing (px at unit 1).
        fold_angle (float): fold direction in degrees (None-like values are randomised).
        bed_fraction (float): relative size of the submucosal bed.
    """
    name: str
    mucosa: BGR
    mucosa_alt: BGR
    submucosa: BGR
    vessel: BGR
    vessel_trees: int
    capillary: float
    grain: float
    folds: float
    fold_period: float
    fold_angle: float
    bed_fraction: float


SITE_PRESETS: Dict[str, SitePreset] = {p.name: p for p in [
    SitePreset('gastric antrum', (0.38, 0.48, 0.86), (0.30, 0.38, 0.80), (0.76, 0.74, 0.78),
               (0.22, 0.20, 0.62), 10, 0.35, 7.0, 0.35, 90.0, 20.0, 1.0),
    SitePreset('gastric body', (0.30, 0.36, 0.80), (0.26, 0.28, 0.72), (0.74, 0.72, 0.76),
               (0.20, 0.17, 0.58), 12, 0.30, 9.0, 0.85, 55.0, 80.0, 0.9),
    SitePreset('duodenum', (0.42, 0.58, 0.84), (0.36, 0.50, 0.78), (0.74, 0.76, 0.80),
               (0.24, 0.22, 0.60), 8, 0.20, 3.5, 0.45, 45.0, 0.0, 0.8),
    SitePreset('ascending colon', (0.50, 0.56, 0.84), (0.44, 0.48, 0.80), (0.80, 0.78, 0.78),
               (0.26, 0.22, 0.62), 22, 0.70, 6.0, 0.55, 70.0, 100.0, 1.0),
    SitePreset('oesophagus', (0.55, 0.60, 0.86), (0.50, 0.55, 0.80), (0.80, 0.80, 0.82),
               (0.30, 0.24, 0.64), 26, 0.55, 5.0, 0.30, 40.0, 90.0, 0.85),
    SitePreset('sigmoid colon', (0.44, 0.48, 0.82), (0.38, 0.40, 0.76), (0.78, 0.75, 0.76),
               (0.24, 0.20, 0.62), 28, 0.80, 6.0, 0.75, 60.0, 30.0, 1.0),
    SitePreset('cardia', (0.30, 0.38, 0.82), (0.26, 0.32, 0.74), (0.74, 0.73, 0.77),
               (0.20, 0.17, 0.58), 12, 0.30, 8.0, 0.65, 50.0, 135.0, 0.95),
    SitePreset('lesser curvature', (0.34, 0.44, 0.84), (0.28, 0.34, 0.74), (0.76, 0.73, 0.76),
               (0.20, 0.18, 0.60), 14, 0.35, 8.0, 0.45, 75.0, 60.0, 1.05),
]}


@dataclass
class Tissue:
    """A textured tissue canvas.

    Attributes:
        albedo (np.ndarray): ``(Hc, Wc, 3)`` float32 BGR colour, shading included.
        aux (np.ndarray): ``(Hc, Wc, 3)`` float32: height (relief, for specular highlights),
            wetness (0-1, where highlights may appear), submucosal-bed mask.
        vessels (np.ndarray): ``(Hc, Wc)`` float32 vessel mask (0-1).
        source (np.ndarray): ``(2,)`` float32 canvas ``(x, y)`` of the would-be bleeding source.
        site (str): site preset name.
    """
    albedo: np.ndarray
    aux: np.ndarray
    vessels: np.ndarray
    source: np.ndarray
    site: str


def _mix(a: np.ndarray, colour, weight: np.ndarray) -> np.ndarray:
    w = weight[..., None]
    return a * (1 - w) + np.asarray(colour, np.float32) * w


def draw_vessel_trees(rng: np.random.Generator, height: int, width: int, trees: int,
                      unit: float, thickness: float = 1.6) -> np.ndarray:
    """Branching, tapering, wiggly vessel trees drawn as anti-aliased polylines.

    Returns:
        np.ndarray: ``(height, width)`` float32 mask in ``[0, 1]``.
    """
    mask = np.zeros((height, width), np.float32)
    stack = []
    for _ in range(trees):
        p = rng.uniform((0, 0), (width, height))
        stack.append((p, rng.uniform(0, 2 * np.pi), thickness * rng.uniform(0.9, 2.2) * unit, 0))
    while stack:
        p, ang, thick, depth = stack.pop()
        n = int(rng.integers(8, 22))
        step = rng.uniform(4, 9) * unit
        turns = np.cumsum(rng.normal(0, 0.28, n))
        angles = ang + turns
        pts = p + np.cumsum(np.stack([np.cos(angles), np.sin(angles)], 1) * step, 0)
        pts = np.vstack([p, pts])
        # draw in pieces so the vessel tapers
        for k in range(0, n, 4):
            t = max(1, int(round(thick * (1 - 0.5 * k / n))))
            seg = (pts[k:k + 5] * 4).astype(np.int32)
            cv2.polylines(mask, [seg], False, 1.0, t, cv2.LINE_AA, shift=2)
        if depth < 3 and thick > 0.7 * unit:
            for _ in range(int(rng.integers(1, 3))):
                j = int(rng.integers(2, n))
                stack.append((pts[j], angles[j - 1] + rng.choice([-1, 1]) * rng.uniform(0.4, 1.1),
                              thick * rng.uniform(0.5, 0.8), depth + 1))
    return cv2.GaussianBlur(mask, (0, 0), 0.6 * unit)


def make_tissue(rng: np.random.Generator, canvas_hw: Tuple[int, int], unit: float,
                site: SitePreset) -> Tissue:
    """Build one tissue canvas for ``site``; the would-be source is on a vessel near the centre.

    Args:
        rng: random generator (the tissue's own stream).
        canvas_hw: ``(Hc, Wc)`` canvas size in pixels.
        unit: pixel scale (frame height / 272).
        site: the site preset.
    """
    h, w = canvas_hw
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    jitter = rng.normal(0, 0.04, 3).astype(np.float32)
    mucosa = np.clip(np.asarray(site.mucosa, np.float32) + jitter, 0, 1)
    alt = np.clip(np.asarray(site.mucosa_alt, np.float32) + jitter, 0, 1)

    # colour variation: low-frequency blotches between two mucosa colours
    low = fractal_noise(rng, h, w, 90 * unit, 3)
    img = _mix(np.broadcast_to(mucosa, (h, w, 3)).copy(), alt, np.clip(0.5 + 0.35 * low, 0, 1))
    # mucosal surface pattern (areae gastricae / pits / villi): cellular-looking network
    grain = value_noise(rng, h, w, site.grain * unit) + 0.5 * value_noise(rng, h, w, site.grain * unit / 2)
    cells = np.exp(-(grain / 0.35) ** 2)  # thin ridges where the noise crosses zero
    img *= (1.0 - 0.06 * cells[..., None] + 0.03 * np.tanh(grain)[..., None])

    # folds: sinusoidal ridges bent by noise
    ang = np.deg2rad(site.fold_angle + rng.uniform(-30, 30))
    bend = 30 * unit * fractal_noise(rng, h, w, 110 * unit, 2)
    phase = (np.cos(ang) * xx + np.sin(ang) * yy + bend) * (2 * np.pi / (site.fold_period * unit))
    folds = site.folds * np.sin(phase + rng.uniform(0, 6.28))
    relief = folds + 0.35 * fractal_noise(rng, h, w, 40 * unit, 3)

    # submucosal bed (dissection area): whitish-blue, fibrous, around the centre
    cx = w / 2 + rng.uniform(-0.05, 0.05) * w
    cy = h / 2 + rng.uniform(-0.05, 0.05) * h
    rx = site.bed_fraction * rng.uniform(0.12, 0.2) * w
    ry = site.bed_fraction * rng.uniform(0.12, 0.2) * h
    rot = rng.uniform(0, np.pi)
    dx, dy = xx - cx, yy - cy
    u = (np.cos(rot) * dx + np.sin(rot) * dy) / rx
    v = (-np.sin(rot) * dx + np.cos(rot) * dy) / ry
    edge = np.sqrt(u * u + v * v) + 0.12 * fractal_noise(rng, h, w, 60 * unit, 3)
    bed = np.clip((1.0 - edge) / 0.15, 0, 1).astype(np.float32)
    fibres = streak_noise(rng, h, w, 4 * unit, 8.0, np.rad2deg(rot) + rng.uniform(-20, 20))
    sub = np.asarray(site.submucosa, np.float32) + rng.normal(0, 0.03, 3).astype(np.float32)
    sub_img = sub * (1.0 + 0.035 * fibres[..., None]) \
        + np.float32([0.10, 0.02, -0.08]) * np.clip(fractal_noise(rng, h, w, 40 * unit, 2) - 0.5, 0, 1.5)[..., None]
    sub_img = sub_img * (1 - 0.25 * low[..., None] * 0.3) + (mucosa - sub) * 0.12
    img = img * (1 - bed[..., None]) + sub_img * bed[..., None]
    # the cut mucosal margin is raised, a bit darker-red
    rim = np.clip(1 - np.abs(edge - 1.0) / 0.12, 0, 1)
    img = _mix(img, mucosa * np.float32([0.75, 0.7, 0.9]), 0.45 * rim)
    relief = relief * (1 - 0.9 * bed) + 0.8 * rim

    # vessels: branching trees (more visible on the thin bed) + capillary network
    vessels = draw_vessel_trees(rng, h, w, site.vessel_trees, unit)
    bed_vessels = draw_vessel_trees(rng, h, w, max(3, site.vessel_trees // 3), unit, 2.4) * bed
    cap_n = value_noise(rng, h, w, 14 * unit)
    capillary = site.capillary * np.exp(-(cap_n / 0.12) ** 2) * (0.4 + 0.6 * np.clip(low + 1, 0, 1))
    vcol = np.asarray(site.vessel, np.float32)
    img = _mix(img, vcol, np.clip(0.75 * vessels, 0, 1))
    img = _mix(img, vcol * np.float32([1.3, 1.1, 0.85]), np.clip(0.85 * bed_vessels, 0, 1))
    img = _mix(img, vcol * 1.15, np.clip(0.22 * capillary, 0, 1))
    all_vessels = np.clip(vessels + bed_vessels, 0, 1)

    # shading from relief (light comes from the scope, so slopes darken)
    gy, gx = np.gradient(cv2.GaussianBlur(relief, (0, 0), 2 * unit))
    slope = np.sqrt(gx * gx + gy * gy) / (0.05 / unit)
    img *= (1.0 - 0.22 * np.tanh(slope) + 0.08 * np.tanh(relief))[..., None]
    img *= (1.0 + 0.05 * rng.standard_normal((h, w, 1)).astype(np.float32) * 0.5)

    wet = np.clip(0.55 + 0.6 * fractal_noise(rng, h, w, 25 * unit, 3), 0, 1) * (1 - 0.4 * bed)
    aux = np.stack([relief + 0.25 * grain, wet, bed], -1).astype(np.float32)

    # the would-be source: a bed vessel (or any vessel) pixel near the canvas centre
    near = np.exp(-(((xx - w / 2) / (0.05 * w)) ** 2 + ((yy - h / 2) / (0.05 * h)) ** 2))
    score = (bed_vessels + 0.3 * vessels) * near
    ys, xs = np.nonzero(score > 0.5 * score.max()) if score.max() > 0.05 else ([], [])
    if len(xs):
        k = int(rng.integers(len(xs)))
        source = np.float32([xs[k], ys[k]])
    else:
        source = np.float32([w / 2, h / 2]) + rng.normal(0, 0.04 * min(h, w), 2).astype(np.float32)
    return Tissue(np.clip(img, 0, 1).astype(np.float32), aux, all_vessels.astype(np.float32),
                  source.astype(np.float32), site.name)
