# Copyright (c) mmbleed contributors. All rights reserved.
"""Procedural ESD tissue: mucosa (pit pattern, vessels, folds), the dissection bed, site presets.

The tissue lives on a *canvas* larger than the frame; the camera (``camera.py``) looks at part
of it through a warp. Colours are float32 BGR in ``[0, 1]``. Sizes are given for a 272-pixel
high frame and scaled by ``unit = frame_height / 272``.
"""
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

from .folds import fold_height
from .noise import fractal_noise, value_noise
from .source_site import SOURCE_REGIONS, plan_bed, snap_source
from .submucosa import bed_fields, render_bed

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
        fold_stretch (float): elongation of the folds (2 = meandering rugae, 6 = long parallel
            folds).
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
    fold_stretch: float = 2.5


SITE_PRESETS: Dict[str, SitePreset] = {p.name: p for p in [
    SitePreset('gastric antrum', (0.38, 0.48, 0.86), (0.30, 0.38, 0.80), (0.76, 0.74, 0.78),
               (0.22, 0.20, 0.62), 10, 0.35, 7.0, 0.35, 90.0, 20.0, 1.0, 2.0),
    SitePreset('gastric body', (0.30, 0.36, 0.80), (0.26, 0.28, 0.72), (0.74, 0.72, 0.76),
               (0.20, 0.17, 0.58), 12, 0.30, 9.0, 0.85, 55.0, 80.0, 0.9, 2.2),
    SitePreset('duodenum', (0.42, 0.58, 0.84), (0.36, 0.50, 0.78), (0.74, 0.76, 0.80),
               (0.24, 0.22, 0.60), 8, 0.20, 3.5, 0.45, 45.0, 0.0, 0.8, 5.0),
    SitePreset('ascending colon', (0.50, 0.56, 0.84), (0.44, 0.48, 0.80), (0.80, 0.78, 0.78),
               (0.26, 0.22, 0.62), 22, 0.70, 6.0, 0.55, 70.0, 100.0, 1.0, 4.0),
    SitePreset('oesophagus', (0.55, 0.60, 0.86), (0.50, 0.55, 0.80), (0.80, 0.80, 0.82),
               (0.30, 0.24, 0.64), 26, 0.55, 5.0, 0.30, 40.0, 90.0, 0.85, 6.0),
    SitePreset('sigmoid colon', (0.44, 0.48, 0.82), (0.38, 0.40, 0.76), (0.78, 0.75, 0.76),
               (0.24, 0.20, 0.62), 28, 0.80, 6.0, 0.75, 60.0, 30.0, 1.0, 3.5),
    SitePreset('cardia', (0.30, 0.38, 0.82), (0.26, 0.32, 0.74), (0.74, 0.73, 0.77),
               (0.20, 0.17, 0.58), 12, 0.30, 8.0, 0.65, 50.0, 135.0, 0.95, 2.5),
    SitePreset('lesser curvature', (0.34, 0.44, 0.84), (0.28, 0.34, 0.74), (0.76, 0.73, 0.76),
               (0.20, 0.18, 0.60), 14, 0.35, 8.0, 0.45, 75.0, 60.0, 1.05, 2.5),
]}


@dataclass
class Tissue:
    """A textured tissue canvas.

    Attributes:
        albedo (np.ndarray): ``(Hc, Wc, 3)`` float32 BGR colour, shading included.
        aux (np.ndarray): ``(Hc, Wc, 3)`` float32: height (relief, for specular highlights),
            wetness (0-1, where highlights may appear), submucosal-bed mask.
        vessels (np.ndarray): ``(Hc, Wc)`` float32 vessel mask (0-1).
        source (np.ndarray): ``(2,)`` float32 canvas ``(x, y)`` of the would-be bleeding source
            (distractors come close but keep ``distractors.KEEP_OUT`` units clear of it).
        site (str): site preset name.
        source_region (str): where the source is (``source_site.SOURCE_REGIONS``):
            ``'submucosa edge'``, ``'muscle layer'``, ``'mucosa margin'`` or ``'bed vessel'``.
        bed_level (np.ndarray | None): ``(Hc, Wc)`` float32 bed level field: 1 at the cut edge,
            below 1 inside the bed (0 at its centre), above 1 on the mucosa.
        bed_centre (np.ndarray | None): ``(2,)`` float32 canvas centre of the bed.
        bed_radius (float): mean half-axis of the bed (canvas px).
    """
    albedo: np.ndarray
    aux: np.ndarray
    vessels: np.ndarray
    source: np.ndarray
    site: str
    source_region: str = 'bed vessel'
    bed_level: Optional[np.ndarray] = None
    bed_centre: Optional[np.ndarray] = None
    bed_radius: float = 0.0


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


def draw_vessel_to(mask: np.ndarray, rng: np.random.Generator, end: np.ndarray, angle: float,
                   length: float, thickness: float, through: bool = False) -> None:
    """Draw (in place) one wiggly vessel that ends at ``end`` (a cut vessel), coming from
    direction ``angle``; with ``through`` it continues past ``end`` (a vessel crossing it)."""
    n = max(3, int(length / 5))
    step = length / n
    turns = np.cumsum(rng.normal(0, 0.2, n))
    back = angle + np.pi + turns
    pts = end + np.cumsum(np.stack([np.cos(back), np.sin(back)], 1) * step, 0)
    pts = np.vstack([end, pts])[::-1]
    if through:
        fwd = angle + np.cumsum(rng.normal(0, 0.2, n))
        pts = np.vstack([pts, end + np.cumsum(np.stack([np.cos(fwd), np.sin(fwd)], 1) * step, 0)])
    for k in range(0, len(pts) - 1, 3):
        frac = k / max(1, len(pts) - 1)
        t = max(1, int(round(thickness * (0.7 + 0.5 * frac if not through else 1.0))))
        cv2.polylines(mask, [(pts[k:k + 4] * 4).astype(np.int32)], False, 1.0, t, cv2.LINE_AA,
                      shift=2)


def make_tissue(rng: np.random.Generator, canvas_hw: Tuple[int, int], unit: float,
                site: SitePreset, region: Optional[str] = None) -> Tissue:
    """Build one tissue canvas for ``site`` around a would-be source near the canvas centre.

    The source's region type is drawn from ``SOURCE_REGIONS`` (unless ``region`` forces one)
    and the dissection bed is laid out around it, so the bed's centre is not the source.

    Args:
        rng: random generator (the tissue's own stream).
        canvas_hw: ``(Hc, Wc)`` canvas size in pixels.
        unit: pixel scale (frame height / 272).
        site: the site preset.
        region: force the source's region type (tests); default: sampled.
    """
    h, w = canvas_hw
    if region is not None and region not in SOURCE_REGIONS:
        raise ValueError(f'unknown source region {region!r}')
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    lay = plan_bed(rng, (h, w), site.bed_fraction, region)
    jitter = rng.normal(0, 0.04, 3).astype(np.float32)
    bright = np.float32(rng.uniform(0.85, 1.12))
    mucosa = np.clip((np.asarray(site.mucosa, np.float32) + jitter) * bright, 0, 1)
    alt = np.clip((np.asarray(site.mucosa_alt, np.float32) + jitter) * bright, 0, 1)

    # colour variation: low-frequency blotches between two mucosa colours
    low = fractal_noise(rng, h, w, 90 * unit, 2)
    wgt = np.clip(0.5 + 0.35 * low, 0, 1)[..., None]
    img = mucosa + (alt - mucosa) * wgt
    # mucosal surface: areae (polygonal fields separated by grooves) and pits (dark dots)
    g = site.grain * unit
    grain = value_noise(rng, h, w, g) + 0.5 * value_noise(rng, h, w, g / 2)
    grooves = cv2.exp(-(grain / 0.3) ** 2)
    pit_n = value_noise(rng, h, w, max(1.2, 0.3 * g))
    pits = np.clip((pit_n - 1.0) * 1.2, 0, 1)
    img *= (1.0 - 0.08 * grooves - 0.10 * pits + 0.03 * np.tanh(grain))[..., None]

    # folds (rugae / haustra / longitudinal folds)
    ang = site.fold_angle + rng.uniform(-30, 30)
    folds = fold_height(rng, h, w, unit, site.fold_period * rng.uniform(0.8, 1.2), ang,
                        site.fold_stretch * rng.uniform(0.8, 1.25), rng.uniform(0.3, 0.8))
    relief = (site.folds * 1.3) * folds + 0.08 * cv2.resize(
        value_noise(rng, h // 4, w // 4, 10 * unit), (w, h))
    # fold crests are a little paler, valleys redder
    img *= (1 + np.float32([0.05, 0.05, 0.0]) * (folds[..., None] - 0.4))

    # vessels on the mucosa: branching trees + reticular capillaries
    vessels = draw_vessel_trees(rng, h, w, site.vessel_trees, unit)
    cap_n = value_noise(rng, h, w, 14 * unit)
    capillary = site.capillary * cv2.exp(-(cap_n / 0.12) ** 2) * np.clip(0.7 + 0.5 * low, 0, 1)
    vcol = np.asarray(site.vessel, np.float32)
    img += (vcol - img) * np.clip(0.7 * vessels, 0, 1)[..., None]
    img += (vcol * 1.15 - img) * np.clip(0.2 * capillary, 0, 1)[..., None]

    # the dissection bed: soft edge, translucent blue submucosa, muscle, flap front
    f = bed_fields(rng, xx, yy, unit, lay)
    wet = np.clip(0.6 + 0.35 * cv2.resize(value_noise(rng, h // 4, w // 4, 6 * unit), (w, h)),
                  0.15, 1).astype(np.float32)
    relief *= 1 - 0.85 * f.bed  # folds flatten out in the bed
    render_bed(rng, img, relief, wet, f, lay, unit, site.submucosa)

    # vessels in the bed (purplish, larger) and a cut vessel at the source
    bed_vessels = draw_vessel_trees(rng, h, w, max(3, site.vessel_trees // 3), unit, 2.4)
    src0 = lay.source
    if lay.region == 'bed vessel':
        draw_vessel_to(bed_vessels, rng, src0, rng.uniform(0, 2 * np.pi), 40 * unit,
                       rng.uniform(2.0, 3.2) * unit, through=True)
    bed_vessels = cv2.GaussianBlur(bed_vessels, (0, 0), 0.7 * unit) * f.bed * (1 - f.muscle)
    source, region = snap_source(rng, lay, f.level, f.muscle, bed_vessels)
    stub = np.zeros((h, w), np.float32)
    if region != 'bed vessel' and rng.random() < 0.6:
        inward = np.arctan2(*(lay.centre - source)[::-1])
        draw_vessel_to(stub, rng, source.astype(np.float64), inward + rng.normal(0, 0.6),
                       rng.uniform(10, 25) * unit, rng.uniform(1.5, 2.5) * unit)
        stub = cv2.GaussianBlur(stub, (0, 0), 0.6 * unit)
    bvcol = vcol * np.float32([1.35, 1.05, 0.9])
    img += (bvcol - img) * np.clip(0.75 * bed_vessels + 0.7 * stub, 0, 1)[..., None]
    all_vessels = np.clip(vessels * (1 - f.bed) + bed_vessels + stub, 0, 1)

    # shading: the light is at the scope, so slopes darken; valleys get less light
    sm = cv2.GaussianBlur(relief, (0, 0), 1.5 * unit)
    gx = cv2.Sobel(sm, cv2.CV_32F, 1, 0, ksize=3, scale=1 / 8)
    gy = cv2.Sobel(sm, cv2.CV_32F, 0, 1, ksize=3, scale=1 / 8)
    slope = cv2.magnitude(gx, gy) * (7.0 / unit)
    ao = cv2.GaussianBlur(relief, (0, 0), 12 * unit) - relief
    shade = 1.0 / np.sqrt(1 + slope * slope) * (1 - 0.25 * np.clip(ao, 0, 1.5)) \
        + 0.05 * np.tanh(relief)
    img *= shade[..., None]

    aux = np.stack([relief + 0.035 * grain * (1 - f.bed), wet, f.bed], -1).astype(np.float32)
    r_bed = float(np.sqrt(lay.rx * lay.ry))
    return Tissue(np.clip(img, 0, 1).astype(np.float32), aux, all_vessels.astype(np.float32),
                  source.astype(np.float32), site.name, region, f.level,
                  lay.centre.astype(np.float32), r_bed)
