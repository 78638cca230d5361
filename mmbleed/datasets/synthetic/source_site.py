# Copyright (c) mmbleed contributors. All rights reserved.
"""Where the bleeding source is, and how the dissection bed is laid out around it.

In ESD, cut vessels bleed at the dissection front (the edge and underside of the dissected
submucosa, under the lifted mucosal flap), on the exposed muscle layer, on the mucosa next to
the cut margin, and from vessels crossing the bed. The source is chosen first, near the canvas
centre (the camera looks at it), with one of these region types; the bed is then placed so that
the source falls in that region -- the bed's centre is *not* the source.
"""
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

#: region types of the source and their probabilities
SOURCE_REGIONS = {
    'submucosa edge': 0.40,   # edge / underside of the dissected submucosa (dissection front)
    'muscle layer': 0.25,     # exposed proper muscle layer in the deepest part of the bed
    'mucosa margin': 0.20,    # mucosa next to the cut margin
    'bed vessel': 0.15,       # a vessel crossing the bed, away from its centre
}
#: the source stays within this fraction of the canvas side from the canvas centre (``clip.py``
#: sizes the canvas so that the views around the source fit in ``1 - 2 * MAX_SOURCE_OFFSET`` of
#: its side). It is split between planning and snapping:
MAX_SOURCE_OFFSET = 0.08
#: the planned source is drawn uniformly in a disc of this radius (fraction of the side) around
#: the canvas centre
PLAN_OFFSET = MAX_SOURCE_OFFSET / 2
#: snapping moves the planned source by at most this much (fraction of the side); the rest,
#: ``MAX_SOURCE_OFFSET / 16``, absorbs the rounding of the planned source to a pixel (< 0.71 px,
#: so the bound holds for canvases of 142 px and more)
SNAP_RADIUS = MAX_SOURCE_OFFSET - PLAN_OFFSET - MAX_SOURCE_OFFSET / 16


@dataclass
class BedLayout:
    """Geometry of the dissection bed around a planned source.

    Attributes:
        region (str): the source's region type (``SOURCE_REGIONS``).
        source (np.ndarray): ``(2,)`` planned canvas ``(x, y)`` of the source (snapped later).
        centre (np.ndarray): ``(2,)`` bed centre.
        rx, ry (float): bed half-axes (px).
        rot (float): bed orientation (rad).
        front (float): parametric angle (rad, in the bed's own frame) of the dissection front,
            where the lifted mucosal flap is.
        muscle_centre (np.ndarray | None): ``(2,)`` centre of the exposed muscle, None if none.
        muscle_r (float): muscle patch radius (px).
    """
    region: str
    source: np.ndarray
    centre: np.ndarray
    rx: float
    ry: float
    rot: float
    front: float
    muscle_centre: Optional[np.ndarray]
    muscle_r: float

    def boundary(self, phi: float) -> np.ndarray:
        """Offset from the centre to the (noise-free) bed boundary at parametric angle phi."""
        c, s = np.cos(self.rot), np.sin(self.rot)
        ex, ey = self.rx * np.cos(phi), self.ry * np.sin(phi)
        return np.array([c * ex - s * ey, s * ex + c * ey])


def plan_bed(rng: np.random.Generator, canvas_hw: Tuple[int, int], bed_fraction: float,
             region: Optional[str] = None) -> BedLayout:
    """Choose the source's region and position, then place the bed around it."""
    h, w = canvas_hw
    side = min(h, w)
    if region is None:
        names = list(SOURCE_REGIONS)
        region = names[int(rng.choice(len(names), p=list(SOURCE_REGIONS.values())))]
    centre = np.array([w / 2, h / 2])
    a = rng.uniform(0, 2 * np.pi)
    src = centre + PLAN_OFFSET * side * np.sqrt(rng.uniform()) * np.array([np.cos(a), np.sin(a)])
    r = side * bed_fraction * rng.uniform(0.10, 0.24)
    aspect = rng.uniform(0.55, 1.0)
    rx, ry = r, r * aspect
    rot = rng.uniform(0, np.pi)
    phi = rng.uniform(0, 2 * np.pi)   # where on the bed the source sits
    lay = BedLayout(region, src, centre, rx, ry, rot, 0.0, None, 0.0)
    if region == 'submucosa edge':
        rho = rng.uniform(0.86, 0.95)
        front = phi + rng.normal(0, 0.25) if rng.random() < 0.7 else rng.uniform(0, 2 * np.pi)
    elif region == 'mucosa margin':
        rho = rng.uniform(1.06, 1.14)
        front = rng.uniform(0, 2 * np.pi)
    elif region == 'muscle layer':
        rho = rng.uniform(0.35, 0.7)
        front = phi + np.pi + rng.normal(0, 0.8)
    else:  # bed vessel
        rho = rng.uniform(0.5, 0.8)
        front = rng.uniform(0, 2 * np.pi)
    lay.front = float(front)
    lay.centre = src - rho * lay.boundary(phi)
    if region == 'muscle layer':
        lay.muscle_r = float(r * rng.uniform(0.3, 0.5))
        lay.muscle_centre = src + rng.normal(0, 0.2 * lay.muscle_r, 2)
    elif rng.random() < 0.55:
        lay.muscle_r = float(r * rng.uniform(0.25, 0.45))
        # the deepest part, away from the source
        off = lay.centre - src
        off = off / (np.linalg.norm(off) + 1e-6)
        lay.muscle_centre = lay.centre + off * rng.uniform(0, 0.35) * r
    return lay


def snap_source(rng: np.random.Generator, lay: BedLayout, level: np.ndarray,
                muscle: np.ndarray, bed_vessels: np.ndarray) -> Tuple[np.ndarray, str]:
    """Move the planned source to a pixel that really is of its region type.

    Candidates are searched within ``SNAP_RADIUS`` of the planned source (itself within
    ``PLAN_OFFSET``), so the source stays within ``MAX_SOURCE_OFFSET`` of the canvas side from
    the canvas centre.

    Args:
        level: bed level field (1 at the cut edge, <1 inside the bed).
        muscle: exposed-muscle mask (0-1).
        bed_vessels: mask of vessels in the bed (0-1).

    Returns:
        (source, region): the source ``(2,)`` float32 and its (possibly corrected) region.
    """
    h, w = level.shape
    side = min(h, w)
    rad = int(SNAP_RADIUS * side)
    x0, y0 = np.round(lay.source).astype(int)
    ys = slice(max(0, y0 - rad), min(h, y0 + rad + 1))
    xs = slice(max(0, x0 - rad), min(w, x0 + rad + 1))
    lv, mu, bv = level[ys, xs], muscle[ys, xs], bed_vessels[ys, xs]
    yy, xx = np.mgrid[ys, xs]
    bc = lay.centre
    far = np.hypot(xx - bc[0], yy - bc[1]) > 0.4 * min(lay.rx, lay.ry)
    tests = {
        'submucosa edge': (lv > 0.84) & (lv < 0.97) & (mu < 0.2),
        'muscle layer': (mu > 0.75) & (lv < 0.9),
        'mucosa margin': (lv > 1.04) & (lv < 1.15),
        'bed vessel': (bv > 0.45) & (lv < 0.85) & (mu < 0.3) & far,
    }
    order = [lay.region] + [r for r in SOURCE_REGIONS if r != lay.region]
    d2 = (xx - lay.source[0]) ** 2 + (yy - lay.source[1]) ** 2
    disc = d2 <= rad * rad
    for region in order:
        ok = tests[region] & disc
        if ok.any():
            # among the closest candidates, one at random
            dd = np.where(ok, d2, np.inf)
            thr = np.partition(dd.ravel(), min(15, int(ok.sum()) - 1))[min(15, int(ok.sum()) - 1)]
            cy, cx = np.nonzero(dd <= thr)
            k = int(rng.integers(len(cx)))
            return np.float32([xx[cy[k], cx[k]], yy[cy[k], cx[k]]]), region
    return lay.source.astype(np.float32), lay.region
