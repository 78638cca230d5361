# Copyright (c) mmbleed contributors. All rights reserved.
"""Red-but-not-bleeding distractors painted onto the tissue canvas.

They move with the tissue and are present before the onset too, and they sit where the source
sits (on the cut edge, in the bed, on the mucosa next to the cut), so neither redness, nor
darkness, nor "the middle of the bright patch" finds the source:

* burn marks: irregular brown-black charring along the cut line, with whitish coagulum;
* coagulated vessel stumps: dark red-brown points on the bed edge (they look like a source but
  do not bleed), some with a whitish coagulum ring, some with the cut vessel leading to them;
* old blood: dark red patches and smears (as dark as the thick blood of the source), matte;
* clots: lumpy, dark brown-red, matte patches, also next to the cut edge;
* red spots: petechiae and erythema on the mucosa, as saturated as fresh blood or more;
* prominent, engorged red vessels.

They come close to the source but never cover it: each mark is placed so that its own reach
(radius, length, scatter, blur) stays ``KEEP_OUT`` units away from the source, and whatever would
still come closer (a rough blob edge, a vessel tree) is faded out, to nothing within
``GUARD_IN`` units.
"""
from typing import List, Optional, Tuple, Union

import cv2
import numpy as np

from .noise import value_noise
from .tissue import Tissue, draw_vessel_to, draw_vessel_trees

DISTRACTOR_KINDS = ('burn mark', 'vessel stump', 'old blood', 'clot', 'red spots', 'red vessel')
#: distractors are placed so that they reach no closer than this to the source (units)
KEEP_OUT = 6.0
#: a last guard: paint closer than KEEP_OUT is faded out, to nothing within GUARD_IN (units)
GUARD_IN = 5.0


def _window(shape: Tuple[int, int], centre, half: float) -> Tuple[slice, slice]:
    """The canvas window of half-size ``half`` around ``centre`` (clipped)."""
    h, w = shape
    x0, y0 = centre
    r = int(half) + 3
    return (slice(int(np.clip(y0 - r, 0, h)), int(np.clip(y0 + r, 0, h))),
            slice(int(np.clip(x0 - r, 0, w)), int(np.clip(x0 + r, 0, w))))


def _blob(rng: np.random.Generator, win: Tuple[slice, slice], centre, radius: float,
          roughness: float = 0.35, elong: float = 1.0, angle: float = 0.0) -> np.ndarray:
    """Irregular soft blob mask (0-1) of about ``radius`` px at ``centre``, inside ``win``."""
    ys, xs = win
    if ys.stop <= ys.start or xs.stop <= xs.start:
        return np.zeros((max(0, ys.stop - ys.start), max(0, xs.stop - xs.start)), np.float32)
    yy, xx = np.mgrid[ys, xs].astype(np.float32)
    dx, dy = xx - centre[0], yy - centre[1]
    c, s = np.cos(angle), np.sin(angle)
    u = (c * dx + s * dy) / elong
    v = -s * dx + c * dy
    d = np.hypot(u, v) / radius
    d = d + roughness * value_noise(rng, ys.stop - ys.start, xs.stop - xs.start,
                                    max(radius / 1.5, 2.0))
    return np.clip((1.0 - d) / 0.25, 0, 1).astype(np.float32)


def _reach(n: np.ndarray, a: float, b: float, ang: float) -> np.ndarray:
    """How far an ellipse (semi-axes ``a`` along ``ang``, ``b`` across) reaches from its centre
    along the unit directions ``n`` ``(k, 2)`` (its support function)."""
    c, s = np.cos(ang), np.sin(ang)
    return np.hypot(a * (n[:, 0] * c + n[:, 1] * s), b * (n[:, 1] * c - n[:, 0] * s))


class _Painter:
    """Paints colours through masks onto the albedo and adjusts the wetness / relief; fades
    out whatever would be painted within ``KEEP_OUT`` units of the source."""

    def __init__(self, tissue: Tissue, unit: float) -> None:
        self.img = tissue.albedo
        self.aux = tissue.aux
        h, w = self.img.shape[:2]
        sx, sy = (float(v) for v in tissue.source)
        r = int(np.ceil(KEEP_OUT * unit)) + 2
        self.gy = (max(0, int(sy) - r), min(h, int(sy) + r + 2))
        self.gx = (max(0, int(sx) - r), min(w, int(sx) + r + 2))
        yy, xx = np.mgrid[self.gy[0]:self.gy[1], self.gx[0]:self.gx[1]].astype(np.float32)
        d = np.hypot(xx - sx, yy - sy) / unit
        self.guard = np.clip((d - GUARD_IN) / (KEEP_OUT - GUARD_IN), 0, 1).astype(np.float32)
        self.near = d < KEEP_OUT  # (in the guard window)

    def _guarded(self, mask: np.ndarray, win) -> np.ndarray:
        h, w = self.img.shape[:2]
        y0, y1, _ = win[0].indices(h)
        x0, x1, _ = win[1].indices(w)
        iy0, iy1 = max(y0, self.gy[0]), min(y1, self.gy[1])
        ix0, ix1 = max(x0, self.gx[0]), min(x1, self.gx[1])
        if iy0 >= iy1 or ix0 >= ix1:
            return mask
        mask = mask.copy()
        mask[iy0 - y0:iy1 - y0, ix0 - x0:ix1 - x0] *= \
            self.guard[iy0 - self.gy[0]:iy1 - self.gy[0], ix0 - self.gx[0]:ix1 - self.gx[0]]
        return mask

    def clear_of_source(self, mask: np.ndarray, thr: float = 0.1) -> bool:
        """Whether a full-canvas ``mask`` stays below ``thr`` within KEEP_OUT of the source."""
        m = mask[self.gy[0]:self.gy[1], self.gx[0]:self.gx[1]]
        return not (m[self.near] > thr).any()

    def paint(self, mask: np.ndarray, colour, win=(slice(None), slice(None)),
              matte: float = 0.0, bump: float = 0.0) -> None:
        if mask.size == 0:
            return
        mask = self._guarded(mask, win)
        m = mask[..., None]
        col = np.asarray(colour, np.float32)
        self.img[win] = self.img[win] * (1 - m) + col * m
        if matte:
            self.aux[win + (1,)] *= 1 - matte * mask
        if bump:
            self.aux[win + (0,)] += bump * mask


def _pick(rng: np.random.Generator, cand: np.ndarray, src: np.ndarray,
          lo: Union[float, np.ndarray], hi: float) -> Optional[np.ndarray]:
    """A candidate point at distance [lo, hi] from the source; failing that, one farther than
    ``lo``; None if no candidate is at least ``lo`` away. ``lo`` may be one per candidate."""
    if len(cand) == 0:
        return None
    d = np.hypot(cand[:, 0] - src[0], cand[:, 1] - src[1])
    ok = np.nonzero((d >= lo) & (d <= hi))[0]
    if len(ok) == 0:
        ok = np.nonzero(d >= lo)[0]
        if len(ok) == 0:
            return None
    return cand[ok[int(rng.integers(len(ok)))]].astype(np.float64)


def _burn_arc(rng, P: _Painter, cand_cut: np.ndarray, centre: np.ndarray, src: np.ndarray,
              unit: float, keep: float) -> bool:
    """Charring along a stretch of the cut line: chained irregular brown-black marks with a
    whitish coagulum halo. It stays ``keep`` px clear of the source: where the stretch passes
    the source it is cut there (the longer side is kept)."""
    if len(cand_cut) < 10:
        return False
    h, w = P.img.shape[:2]
    ang = np.arctan2(cand_cut[:, 1] - centre[1], cand_cut[:, 0] - centre[0])
    a0 = ang[int(rng.integers(len(ang)))]
    span = rng.uniform(0.25, 0.9)
    band = rng.uniform(3, 6) * unit  # width of the coagulated band
    blur = 2 * 1.6 * unit  # how far the blur of the coagulum carries
    da = (ang - a0 + np.pi) % (2 * np.pi) - np.pi
    sel = cand_cut[(da >= 0) & (da <= span)]
    if len(sel) < 5:
        return False
    sel = sel[np.argsort(np.arctan2(sel[:, 1] - centre[1], sel[:, 0] - centre[0]))]
    ok = np.hypot(sel[:, 0] - src[0], sel[:, 1] - src[1]) > keep + band / 2 + blur
    runs = np.cumsum(~ok)[ok]  # runs of consecutive points clear of the source
    if len(runs) < 5:
        return False
    sel = sel[ok][runs == np.argmax(np.bincount(runs))]
    if len(sel) < 5:
        return False
    step = max(1, len(sel) // int(rng.integers(6, 20)))
    pts = sel[::step].astype(np.float64)
    x0, y0 = pts.min(0) - 14 * unit
    x1, y1 = pts.max(0) + 14 * unit
    win = (slice(int(max(0, y0)), int(min(h, y1))), slice(int(max(0, x0)), int(min(w, x1))))
    hh, ww = win[0].stop - win[0].start, win[1].stop - win[1].start
    if hh < 4 or ww < 4:
        return False
    off = np.array([win[1].start, win[0].start], np.float64)
    char = np.zeros((hh, ww), np.float32)
    coag = np.zeros((hh, ww), np.float32)
    # the coagulated band follows the cut line; char spots are scattered along it
    cv2.polylines(coag, [((pts - off) * 4).astype(np.int32)], False, 1.0,
                  max(1, int(band)), cv2.LINE_AA, shift=2)
    for p in pts:
        if rng.random() < 0.5:
            continue  # gaps in the charring
        q = p - off + rng.normal(0, 1.0 * unit, 2)
        r = rng.uniform(0.8, 2.4) * unit
        ax = (int(r * 4 * rng.uniform(1.0, 2.5)), int(r * 4))
        if np.hypot(*(q + off - src)) < keep + max(1.8 * ax[0], 2.0 * ax[1]) / 4 + blur:
            continue  # its coagulum halo would reach the source
        cv2.ellipse(char, (int(q[0] * 4), int(q[1] * 4)), ax, rng.uniform(0, 180), 0, 360,
                    1.0, -1, cv2.LINE_AA, shift=2)
        cv2.ellipse(coag, (int(q[0] * 4), int(q[1] * 4)), (int(ax[0] * 1.8), int(ax[1] * 2.0)),
                    rng.uniform(0, 180), 0, 360, 1.0, -1, cv2.LINE_AA, shift=2)
    rough = value_noise(rng, hh, ww, 2.5 * unit)
    char = np.clip(cv2.GaussianBlur(char, (0, 0), 1.0 * unit) * (1.3 + 0.6 * rough) - 0.35, 0, 1)
    coag = np.clip(cv2.GaussianBlur(coag, (0, 0), 1.6 * unit) * (1.1 + 0.5 * rough) - 0.3, 0, 1)
    brown = np.clip(cv2.GaussianBlur(char, (0, 0), 1.2 * unit) * 1.6, 0, 1)
    P.paint(0.65 * coag, np.float32([0.62, 0.74, 0.84]) + rng.normal(0, 0.03, 3), win, matte=0.5)
    P.paint(0.7 * brown, np.float32([0.14, 0.26, 0.40]) * rng.uniform(0.8, 1.1), win, matte=0.6)
    P.paint(0.9 * char, np.float32([0.06, 0.10, 0.16]) + rng.uniform(0, 0.04), win, matte=0.8,
            bump=0.1)
    return True


def add_distractors(rng: np.random.Generator, tissue: Tissue, unit: float, view_radius: float,
                    density: float = 1.0) -> List[str]:
    """Paint distractors onto ``tissue.albedo`` in place (and make them matte in ``aux``).

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
    P = _Painter(tissue, unit)
    kinds: List[str] = []
    keep = KEEP_OUT * unit  # nothing reaches closer to the source
    level = tissue.bed_level
    centre = tissue.bed_centre.astype(np.float64) if tissue.bed_centre is not None else src

    # candidate places near the view: the cut line, the edge band (both sides), the bed
    step = max(1, int(round(2 * unit)))
    ys, xs = np.mgrid[0:h:step, 0:w:step]
    near = np.hypot(xs - src[0], ys - src[1]) < view_radius
    if level is not None:
        lv = level[0:h:step, 0:w:step]
        cut = near & (lv > 0.97) & (lv < 1.06)
        edge = near & (lv > 0.82) & (lv < 1.15)
        bed = near & (lv < 0.85)
        muc = near & (lv > 1.2)
    else:
        cut = edge = bed = np.zeros_like(near)
        muc = near
    as_pts = lambda m: np.stack([xs[m], ys[m]], 1).astype(np.float64)  # noqa: E731
    cand_cut, cand_edge, cand_bed, cand_muc = map(as_pts, (cut, edge, bed, muc))
    cand_any = as_pts(near)

    def where(cands, lo, hi, a, b=None, ang=0.0):
        """A place ``lo``..``hi`` units from the source, on the first candidate set that has
        one, for a mark reaching ``a`` px from its centre along ``ang`` and ``b`` px across
        (blur and rough edges included): the mark keeps ``keep`` px from the source."""
        b = a if b is None else b

        def need(p):  # least distance from the source for centres p (k, 2)
            v = p - src
            d = np.maximum(np.hypot(v[:, 0], v[:, 1]), 1e-6)
            return np.maximum(lo * unit, keep + _reach(v / d[:, None], a, b, ang))

        for c in cands:
            p = _pick(rng, c, src, need(c) if len(c) else lo * unit, hi * unit)
            if p is not None:
                p = p + rng.uniform(-step / 2, step / 2, 2)
                break
        else:
            t = rng.uniform(0, 2 * np.pi)
            n1 = np.array([np.cos(t), np.sin(t)])
            d_min = need(src[None] + n1)[0]
            p = src + rng.uniform(d_min, max(d_min, hi * unit)) * n1
        # (the jitter may have brought it closer): push it out along the same direction
        v = p - src
        d = max(float(np.hypot(*v)), 1e-6)
        d_min = need(p[None])[0]
        return p if d >= d_min else src + v / d * d_min

    n = lambda lam: int(rng.poisson(lam * density))  # noqa: E731
    one = 1 if density > 0 else 0  # at least one of the main kinds

    # burns: charring along the cut line (and a few coagulation points in the bed)
    for _ in range(n(1.0) + one):
        if _burn_arc(rng, P, cand_cut, centre, src, unit, keep):
            kinds.append('burn mark')
    for _ in range(n(1.0)):
        r = rng.uniform(2, 5) * unit
        ang = rng.uniform(0, np.pi)
        # reach: the coagulum blob (2 r, elongated 1.6, rough 0.5)
        c = where([cand_bed, cand_edge], 8, view_radius / unit, 4.8 * r, 3.0 * r, ang)
        win = _window((h, w), c, 4 * r)
        P.paint(0.55 * _blob(rng, win, c, 2.0 * r, 0.5, 1.6, ang),
                np.float32([0.66, 0.76, 0.84]), win, matte=0.5)
        P.paint(_blob(rng, win, c, r, 0.6, 1.8, ang), np.float32([0.06, 0.09, 0.14]), win,
                matte=0.8)
        kinds.append('burn mark')

    # coagulated vessel stumps on the bed edge and in the bed: dark red-brown points
    for _ in range(n(2.5) + one):
        r = rng.uniform(1.4, 3.0) * unit
        vessel = rng.random() < 0.6  # the cut vessel leading to it
        length = rng.uniform(8, 18) * unit if vessel else 0.0
        ring = rng.random() < 0.5  # whitish coagulum ring
        # reach: the stump (r, rough 0.25, blurred), the ring (2.2 r, rough 0.3), the vessel
        # (its length, plus half its width and its blur)
        reach = max(1.25 * r + unit, 2.86 * r if ring else 0.0,
                    length + 2.5 * unit if vessel else 0.0)
        c = where([cand_edge, cand_bed], 8, view_radius / unit, reach)
        win = _window((h, w), c, 10 * unit + 4 * r)
        ys_, xs_ = win
        if vessel:
            m = np.zeros((ys_.stop - ys_.start, xs_.stop - xs_.start), np.float32)
            draw_vessel_to(m, rng, c - (xs_.start, ys_.start), rng.uniform(0, 2 * np.pi),
                           length, rng.uniform(1.3, 2.3) * unit)
            P.paint(0.7 * cv2.GaussianBlur(m, (0, 0), 0.6 * unit),
                    np.float32([0.22, 0.18, 0.62]), win)
        if ring:
            P.paint(0.6 * _blob(rng, win, c, 2.2 * r, 0.3), np.float32([0.62, 0.70, 0.80]), win,
                    matte=0.4)
        col = np.float32([0.045, 0.05, 0.24]) + np.float32([0.02, 0.04, 0.08]) * rng.random()
        P.paint(cv2.GaussianBlur(_blob(rng, win, c, r, 0.25), (0, 0), 0.5 * unit), col, win,
                bump=0.15)
        kinds.append('vessel stump')

    # old blood: dark red patches and smears, many next to the cut edge near the source
    for _ in range(n(1.8) + one):
        by_edge = rng.random() < 0.65
        r = rng.uniform(3, 9) * unit
        elong = rng.uniform(1.0, 2.5)
        ang = rng.uniform(0, np.pi)
        # reach: the stain (1.35 r, rough 0.3, elongated, blurred)
        a, b = 1.755 * r * elong + 1.6 * unit, 1.755 * r + 1.6 * unit
        if by_edge:
            c = where([cand_edge, cand_any], 8, 70, a, b, ang)
        else:
            c = where([cand_bed, cand_any], 20, view_radius / unit, a, b, ang)
        win = _window((h, w), c, 2.6 * r * elong)
        # a thin, translucent red stain around a dark red core (a small dried pool)
        stain = _blob(rng, win, c, 1.35 * r, 0.3, elong, ang)
        P.paint(0.55 * cv2.GaussianBlur(stain, (0, 0), 0.8 * unit),
                np.float32([0.10, 0.09, 0.62]) * rng.uniform(0.8, 1.1), win)
        m = cv2.GaussianBlur(_blob(rng, win, c, r, 0.25, elong, ang), (0, 0), 0.7 * unit)
        col = np.float32([0.04, 0.04, 0.27]) * rng.uniform(0.8, 1.2) \
            + np.float32([0.0, 0.015, 0.0]) * rng.random()
        P.paint(m * rng.uniform(0.8, 1.0), col, win, matte=0.5)
        kinds.append('old blood')

    # clots: lumpy, dark brown-red, matte
    for _ in range(n(0.7)):
        r = rng.uniform(2.5, 6) * unit
        c = where([cand_edge, cand_bed, cand_any], 8, 60, 1.4 * r + 1.2 * unit)
        win = _window((h, w), c, 2.5 * r)
        m = cv2.GaussianBlur(_blob(rng, win, c, r, 0.4), (0, 0), 0.6 * unit)
        tex = 0.8 + 0.4 * value_noise(rng, m.shape[0], m.shape[1], 1.5 * unit)[..., None]
        P.paint(m, np.float32([0.035, 0.05, 0.19]) * tex, win, matte=0.7, bump=0.3)
        kinds.append('clot')

    # red spots on the mucosa: petechiae clusters and erythema, vividly red
    for _ in range(n(4.0) + 2 * one):
        k = int(rng.integers(2, 9))
        spots = rng.normal(0, 7 * unit, (k, 2))
        rads = np.maximum(1, np.round(rng.uniform(0.7, 2.0, k) * unit)).astype(int)
        blob_r = rng.uniform(5, 11) * unit if rng.random() < 0.6 else 0.0  # erythema
        # reach: the scattered spots (their offsets plus radii) or the erythema blob (rough
        # 0.5), blurred
        reach = max(float((np.hypot(spots[:, 0], spots[:, 1]) + rads).max()) + 1.5,
                    1.5 * blob_r) + 1.8 * unit
        c = where([cand_muc, cand_any], 10, view_radius / unit, reach)
        win = _window((h, w), c, 30 * unit)
        ys_, xs_ = win
        mask = np.zeros((ys_.stop - ys_.start, xs_.stop - xs_.start), np.float32)
        if mask.size == 0:
            continue
        for p, rad in zip(spots + c - (xs_.start, ys_.start), rads):
            cv2.circle(mask, (int(p[0]), int(p[1])), int(rad), 1.0, -1, cv2.LINE_AA)
        if blob_r:
            mask = np.maximum(mask, 0.55 * _blob(rng, win, c, blob_r, 0.5))
        mask = cv2.GaussianBlur(mask, (0, 0), 0.9 * unit)
        red = np.float32([0.06, 0.06, 0.86]) + np.float32(rng.uniform(-0.03, 0.05, 3))
        P.paint(np.clip(mask, 0, 1) * rng.uniform(0.8, 1.0), red, win)
        kinds.append('red spots')

    # prominent, engorged red vessels
    for _ in range(n(1.0)):
        for _ in range(3):  # a tree that passes the source is drawn again (or faded there)
            m = draw_vessel_trees(rng, h, w, 1, unit, 2.2)
            if P.clear_of_source(m * 0.9):
                break
        P.paint(np.clip(m * 0.9, 0, 1), (0.14, 0.12, 0.66))
        kinds.append('red vessel')
    np.clip(img, 0, 1, out=img)
    return kinds
