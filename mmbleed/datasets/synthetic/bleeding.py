# Copyright (c) mmbleed contributors. All rights reserved.
"""Bleeding from a source anchored to the tissue.

Blood is simulated on the tissue canvas (so it moves with the tissue warp) as a thickness map
fed by particles emitted at the source from the onset frame: barely visible at first (emission
ramps up quadratically), then growing, pulsing with the heart rate (spurting) or oozing. The
particles run downhill on the tissue's height map (into the valleys between folds and into the
dissection bed, which is a depression), so trickles follow the folds and pool where the ground
is low; water flushing washes the fluid blood away, after which it returns. Some seconds after
the onset dark, matte clots form near the source; they stay (flushing does not remove them).
During ``pool_windows`` blood pools over the source and hides it; afterwards the pool drains.

The thickness map encodes fluid blood as ``0..FLUID_MAX`` and clots as ``CLOT_BASE..T_MAX``;
:func:`blood_layer` turns it into colour and opacity with one lookup table.
"""
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from .camera import FPS
from .noise import smooth_series

#: thin, fresh blood and thick, pooled blood (BGR, 0-1)
FRESH_BLOOD = np.float32([0.13, 0.12, 0.78])
THICK_BLOOD = np.float32([0.035, 0.035, 0.24])
#: clotted blood: dark, brownish red
CLOT_BLOOD = np.float32([0.03, 0.045, 0.14])
#: thickness encoding: fluid blood up to FLUID_MAX, clots from CLOT_BASE up to T_MAX
FLUID_MAX = 6.0
CLOT_BASE = 7.0
T_MAX = 9.0


@dataclass
class BleedingParams:
    """Per-clip bleeding parameters.

    Args:
        onset (int | None): first bleeding frame, None for a negative clip.
        kind (str): ``'spurting'`` (arterial, pulsing jet) or ``'oozing'`` (venous).
        flow_angle (float): mean flow direction on the canvas (rad), the tissue's "downhill".
        flow_speed (float): initial particle speed (canvas px / frame).
        turn (float): amplitude of the flow-direction drift (rad).
        pulse_hz (float): heart rate (Hz).
        ramp (int): frames until the emission reaches its full rate.
        rate (float): particles per frame at full rate.
        friction (float): per-frame velocity retention of a particle (pooling when low).
    """
    onset: int | None
    kind: str = 'oozing'
    flow_angle: float = 0.0
    flow_speed: float = 2.0
    turn: float = 0.4
    pulse_hz: float = 1.2
    ramp: int = 15
    rate: float = 10.0
    friction: float = 0.9


def sample_bleeding_params(rng: np.random.Generator, onset: int | None, unit: float
                           ) -> BleedingParams:
    """Random but plausible bleeding parameters."""
    kind = 'spurting' if rng.random() < 0.45 else 'oozing'
    return BleedingParams(
        onset=onset,
        kind=kind,
        flow_angle=float(rng.uniform(0, 2 * np.pi)),
        flow_speed=float(rng.uniform(2.5, 6.0) * unit * (1.5 if kind == 'spurting' else 1.0)),
        turn=float(rng.uniform(0.2, 0.9)),
        pulse_hz=float(rng.uniform(1.0, 1.6)),
        ramp=int(rng.integers(12, 30)),
        rate=float(rng.uniform(10, 22)),
        friction=float(rng.uniform(0.82, 0.94)),
    )


class BleedingSim:
    """Blood thickness on a (possibly coarser) copy of the canvas grid.

    Args:
        rng: random generator (the bleeding's own stream).
        canvas_hw: ``(Hc, Wc)`` canvas size.
        source: ``(2,)`` canvas ``(x, y)`` of the source.
        params: bleeding parameters.
        num_frames: clip length ``T``.
        unit: pixel scale (frame height / 272).
        stride: canvas pixels per simulation cell.
        height: ``(Hc, Wc)`` canvas height map (``Tissue.aux[..., 0]``); blood runs down its
            gradient (into fold valleys). None: flat, blood drifts along ``flow_angle`` only.
        pool_windows: ``(start, stop)`` frame ranges during which blood pools over the source,
            so that :meth:`pooled_at_source` exceeds 2.0 from ``start + 2`` until ``stop``; the
            pool drains within about 4 frames after ``stop``. Windows (or their parts) before
            the onset do nothing. Outside the windows the blood right at the source is kept
            below 2.0 (the bleeding point itself stays visible).
    """

    #: pooled thickness at the source is kept below this outside ``pool_windows``
    OPEN_LEVEL = 1.4
    #: blood left per particle and frame; particle life (frames); film kept per frame
    DEPOSIT = 0.18
    LIFE = 120
    DRY = 0.997

    def __init__(self, rng: np.random.Generator, canvas_hw, source: np.ndarray,
                 params: BleedingParams, num_frames: int, unit: float, stride: int = 1,
                 height: Optional[np.ndarray] = None,
                 pool_windows: Sequence[Tuple[int, int]] = ()) -> None:
        self.rng = rng
        self.p = params
        self.stride = stride
        self.unit = unit
        h, w = canvas_hw
        self.shape = ((h + stride - 1) // stride, (w + stride - 1) // stride)
        hs, ws = self.shape
        self.density = np.zeros(self.shape, np.float32)
        self._out = np.zeros(self.shape, np.float32)
        self.src = (np.asarray(source, np.float32) - (stride - 1) / 2) / stride
        self.pos = np.zeros((0, 2), np.float32)
        self.vel = np.zeros((0, 2), np.float32)
        self.age = np.zeros(0, np.int32)
        T = num_frames
        self.dir_series = params.flow_angle + params.turn * smooth_series(
            rng, T, rng.uniform(15, 50))
        self.speed_series = np.clip(1 + 0.5 * smooth_series(rng, T, rng.uniform(10, 40)), 0.3, 2)
        self.pulse_phase = rng.uniform(0, 2 * np.pi)
        self.pool_windows = [(int(a), int(b)) for a, b in pool_windows]
        cell = unit / stride  # sim cells per (unit-scaled) canvas px

        # the ground: smoothed height on the sim grid plus a gentle tilt (gravity)
        if height is not None:
            hh = cv2.resize(np.asarray(height, np.float32), (ws, hs), interpolation=cv2.INTER_AREA)
            hh = cv2.GaussianBlur(hh, (0, 0), max(0.8, 3.0 * cell))
        else:
            hh = np.zeros(self.shape, np.float32)
        gx = cv2.Sobel(hh, cv2.CV_32F, 1, 0, ksize=3, scale=1 / 8)
        gy = cv2.Sobel(hh, cv2.CV_32F, 0, 1, ksize=3, scale=1 / 8)
        ref = float(np.percentile(cv2.magnitude(gx, gy), 90)) + 1e-6
        k = 0.22 / ref  # the steep slopes pull with ~0.2 cells/frame^2
        tilt = rng.uniform(0.04, 0.08)
        self.acc_x = (-k * gx + tilt * np.cos(params.flow_angle)).astype(np.float32)
        self.acc_y = (-k * gy + tilt * np.sin(params.flow_angle)).astype(np.float32)
        yy, xx = np.mgrid[0:hs, 0:ws].astype(np.float32)
        #: the effective height the blood runs down on (sim grid)
        self.height = (hh - (tilt / k) * (np.cos(params.flow_angle) * xx
                                          + np.sin(params.flow_angle) * yy)).astype(np.float32)

        # a small Gaussian stamp for blood welling up at the source
        r = max(2, int(round(4 * cell)))
        yy, xx = np.mgrid[-r:r + 1, -r:r + 1].astype(np.float32)
        self.stamp = np.exp(-(xx ** 2 + yy ** 2) / (2 * (0.45 * r) ** 2)).astype(np.float32)
        self.stamp_r = r
        # the pool over the source: an irregular blob shifted downhill
        pr = max(3, int(round(rng.uniform(9, 14) * cell)))
        yy, xx = np.mgrid[-2 * pr:2 * pr + 1, -2 * pr:2 * pr + 1].astype(np.float32)
        sx, sy = self._acc_at(self.src)
        sn = np.hypot(sx, sy) + 1e-6
        cx, cy = 0.45 * pr * sx / sn, 0.45 * pr * sy / sn
        lump = 1 + 0.35 * cv2.resize(rng.standard_normal((6, 6)).astype(np.float32),
                                     xx.shape[::-1], interpolation=cv2.INTER_CUBIC)
        core = np.exp(-(xx ** 2 + yy ** 2) / (2 * (0.5 * pr) ** 2))
        blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * pr * pr)) * lump
        blob = np.clip((blob - 0.2) / 0.45, 0, 1)  # a pool has an edge
        self.pool_stamp = np.maximum(blob, 0.9 * core).astype(np.float32)
        self.pool_r = 2 * pr
        self._drain = -1
        self._act = None  # (y0, y1, x0, x1): the window that holds all the blood

        # clots: a few seconds after the onset, near the source (not on it)
        self.clot_start = None
        self.clot = None
        if params.onset is not None and rng.random() < 0.8:
            self.clot_start = params.onset + int(rng.integers(40, 150))
            self.clot_grow = int(rng.integers(20, 60))
            cr = max(2, int(round(rng.uniform(4, 9) * cell)))
            n = int(rng.integers(1, 4))
            half = int(4 * cr)
            yy, xx = np.mgrid[-half:half + 1, -half:half + 1].astype(np.float32)
            blob = np.zeros(xx.shape, np.float32)
            for _ in range(n):
                a = rng.uniform(0, 2 * np.pi)
                d = rng.uniform(1.6, 2.6) * cr
                c = (d * np.cos(a), d * np.sin(a))
                rr = cr * rng.uniform(0.6, 1.0)
                blob = np.maximum(blob, np.exp(-((xx - c[0]) ** 2 + (yy - c[1]) ** 2)
                                               / (2 * rr * rr)))
            lumps = cv2.resize(rng.standard_normal((7, 7)).astype(np.float32), xx.shape[::-1],
                               interpolation=cv2.INTER_CUBIC)
            self.clot_shape = np.clip((blob * (1 + 0.35 * lumps) - 0.35) / 0.3, 0, 1)
            self.clot_tex = np.clip(0.5 + 0.35 * cv2.resize(
                rng.standard_normal((half // 2 + 1, half // 2 + 1)).astype(np.float32),
                xx.shape[::-1], interpolation=cv2.INTER_LINEAR), 0, 1).astype(np.float32)
            self.clot_half = half
            self.clot = np.zeros(xx.shape, np.float32)

    # --- helpers
    def _grow_active(self, y0: int, y1: int, x0: int, x1: int) -> None:
        """Grow the window that holds all the blood so far (plus room to spread)."""
        m = int(np.ceil(6 * self.unit / self.stride)) + 2
        h, w = self.shape
        y0, y1, x0, x1 = max(0, y0 - m), min(h, y1 + m), max(0, x0 - m), min(w, x1 + m)
        if self._act is not None:
            a = self._act
            y0, y1, x0, x1 = min(y0, a[0]), max(y1, a[1]), min(x0, a[2]), max(x1, a[3])
        self._act = (y0, y1, x0, x1)

    def _acc_at(self, p) -> Tuple[float, float]:
        h, w = self.shape
        x = int(np.clip(round(float(p[0])), 0, w - 1))
        y = int(np.clip(round(float(p[1])), 0, h - 1))
        return float(self.acc_x[y, x]), float(self.acc_y[y, x])

    def _win(self, r: int):
        """(canvas-grid window, stamp window) of half-size r around the source, clipped."""
        h, w = self.shape
        x, y = int(round(float(self.src[0]))), int(round(float(self.src[1])))
        y0, y1, x0, x1 = max(0, y - r), min(h, y + r + 1), max(0, x - r), min(w, x + r + 1)
        if y1 <= y0 or x1 <= x0:
            return None, None
        return ((slice(y0, y1), slice(x0, x1)),
                (slice(y0 - (y - r), y1 - (y - r)), slice(x0 - (x - r), x1 - (x - r))))

    def in_pool(self, t: int) -> bool:
        """Whether frame t is inside one of the ``pool_windows``."""
        return any(a <= t < b for a, b in self.pool_windows)

    def growth(self, t: int) -> float:
        """Emission growth factor in ``[0, 1]``: 0 before onset, quadratic ramp after."""
        if self.p.onset is None or t < self.p.onset:
            return 0.0
        return float(min(1.0, ((t - self.p.onset + 1) / self.p.ramp) ** 2))

    def pulse(self, t: int) -> float:
        """Emission modulation by the heartbeat."""
        s = np.sin(2 * np.pi * self.p.pulse_hz * t / FPS + self.pulse_phase)
        if self.p.kind == 'spurting':
            return float(0.25 + 1.5 * max(0.0, s) ** 3)
        return float(0.8 + 0.2 * s)

    def step(self, t: int, wash: float = 0.0) -> None:
        """Advance to frame ``t``; ``wash`` in ``[0, 1]`` is the water-flushing strength."""
        g = self.growth(t)
        self._g = g
        if g <= 0:
            return
        rng = self.rng
        pulse = self.pulse(t)
        self._pulse = pulse
        cell = self.unit / self.stride
        # emit
        n = rng.poisson(self.p.rate * g * pulse)
        if n:
            spread = 0.15 if self.p.kind == 'spurting' else 0.6  # a jet, or welling out
            ang = self.dir_series[t] + rng.normal(0, spread, n)
            spd = self.p.flow_speed / self.stride * self.speed_series[t] * rng.uniform(0.4, 1.2, n)
            if self.p.kind == 'spurting':
                spd = spd * (0.6 + 0.6 * pulse)
            vel = np.stack([np.cos(ang), np.sin(ang)], 1) * spd[:, None]
            pos = self.src[None] + rng.normal(0, 0.6 * cell, (n, 2))
            self.pos = np.vstack([self.pos, pos.astype(np.float32)])
            self.vel = np.vstack([self.vel, vel.astype(np.float32)])
            self.age = np.concatenate([self.age, np.zeros(n, np.int32)])
        h, w = self.shape
        # move: friction, downhill on the ground (folds, the bed), a little turbulence
        if len(self.pos):
            ix = np.clip(self.pos[:, 0].astype(np.int32), 0, w - 1)
            iy = np.clip(self.pos[:, 1].astype(np.int32), 0, h - 1)
            self.vel *= self.p.friction
            self.vel[:, 0] += self.acc_x[iy, ix]
            self.vel[:, 1] += self.acc_y[iy, ix]
            self.vel += rng.normal(0, 0.035, self.vel.shape).astype(np.float32)
            self.pos += self.vel
            self.age += 1
            keep = (self.pos[:, 0] >= 0) & (self.pos[:, 0] < w - 1) & (self.pos[:, 1] >= 0) & \
                (self.pos[:, 1] < h - 1) & (self.age < self.LIFE)
            if wash > 0:
                keep &= rng.random(len(keep)) > 0.35 * wash
            self.pos, self.vel, self.age = self.pos[keep], self.vel[keep], self.age[keep]
        # deposit blood where the particles are (only in the particles' bounding box)
        sig = 1.1 * cell
        if len(self.pos):
            m = int(np.ceil(3 * sig)) + 2
            ix = self.pos[:, 0].astype(np.int64)
            iy = self.pos[:, 1].astype(np.int64)
            x0, x1 = max(0, int(ix.min()) - m), min(w, int(ix.max()) + m + 1)
            y0, y1 = max(0, int(iy.min()) - m), min(h, int(iy.max()) + m + 1)
            bw, bh = x1 - x0, y1 - y0
            dep = np.bincount((iy - y0) * bw + (ix - x0), minlength=bh * bw)
            dep = dep.astype(np.float32).reshape(bh, bw)
            win = self.density[y0:y1, x0:x1]
            win += cv2.GaussianBlur(dep, (0, 0), sig, borderType=cv2.BORDER_CONSTANT) \
                * np.float32(self.DEPOSIT)
            self._grow_active(y0, y1, x0, x1)
        # spread slowly, dry a little, saturate, wash away (where there is blood)
        if self._act is not None:
            y0, y1, x0, x1 = self._act
            win = self.density[y0:y1, x0:x1]
            if t % 3 == 0:
                cv2.addWeighted(win, 0.85 * self.DRY ** 3, cv2.GaussianBlur(
                    win, (0, 0), 2.0 * cell, borderType=cv2.BORDER_CONSTANT),
                    0.15 * self.DRY ** 3, 0, dst=win)
            if wash > 0:
                win *= np.float32(1.0 - 0.3 * wash)
        # the pool over the source, or the blood right at the source kept open
        win, sw = self._win(self.pool_r)
        if win is not None:
            d = self.density[win]
            if self.in_pool(t):
                k = t - max([a for a, b in self.pool_windows if a <= t < b] + [self.p.onset])
                level = 4.6 * min(1.0, (k + 1) / 2.0)
                np.maximum(d, self.pool_stamp[sw] * level, out=d)
                self._drain = 0
                self._grow_active(win[0].start, win[0].stop, win[1].start, win[1].stop)
            else:
                if 0 <= self._drain < 6:  # a pool just ended: it drains away
                    d *= 0.5
                    self._drain += 1
                w2, s2 = self._win(max(1, int(round(2.5 * cell))) + 1)
                dd = self.density[w2]
                over = np.maximum(dd - self.OPEN_LEVEL, 0)
                dd -= 0.8 * over
        if self._act is not None:
            y0, y1, x0, x1 = self._act
            win = self.density[y0:y1, x0:x1]
            np.minimum(win, FLUID_MAX, out=win)
        # clots grow near the source and stay
        if self.clot is not None and t >= self.clot_start:
            f = min(1.0, (t - self.clot_start + 1) / self.clot_grow)
            self.clot = self.clot_shape * np.float32(f)

    def thickness(self) -> np.ndarray:
        """Blood thickness map (simulation grid): fluid blood (``0..FLUID_MAX``, the welling
        at the source included) and clots (``CLOT_BASE..T_MAX``)."""
        out = self._out
        np.copyto(out, self.density)
        g = getattr(self, '_g', 0.0)
        if g > 0:
            win, sw = self._win(self.stamp_r)
            if win is not None:
                o = out[win]
                o += self.stamp[sw] * np.float32(2.0 * g * min(self._pulse, 1.2))
                np.minimum(o, FLUID_MAX, out=o)
        if self.clot is not None and self.clot.max() > 0:
            win, sw = self._win(self.clot_half)
            if win is not None:
                c = self.clot[sw]
                code = np.where(c > 0.05, CLOT_BASE + (T_MAX - CLOT_BASE) * self.clot_tex[sw],
                                0).astype(np.float32)
                np.maximum(out[win], code, out=out[win])
        return out

    def pooled_at_source(self) -> float:
        """Mean pooled thickness (well excluded) within a few px of the source."""
        x, y = int(round(self.src[0])), int(round(self.src[1]))
        r = max(1, int(round(2 * self.unit / self.stride)))
        h, w = self.shape
        if not (0 <= x < w and 0 <= y < h):
            return 0.0
        return float(self.density[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1].mean())


def _blood_lut() -> np.ndarray:
    """``(1, 256, 4)`` float32 lookup table: opacity and BGR colour vs sqrt-coded thickness."""
    u = np.arange(256, dtype=np.float32) / 255.0
    t = T_MAX * u * u
    fluid = np.minimum(t, FLUID_MAX)
    alpha = 1.0 - np.exp(-3.0 * fluid)
    # thin: bright translucent red; thick: dark core
    m = np.clip((fluid - 0.5) / (FLUID_MAX - 0.5), 0, 1) ** 0.55
    col = FRESH_BLOOD * (1 - m[:, None]) + THICK_BLOOD * m[:, None]
    # meniscus: the thin leading edge of a film is a little darker (a rim around blood)
    rim = np.exp(-((fluid - 0.12) / 0.08) ** 2)
    col = col * (1 - 0.3 * rim[:, None])
    # clots: opaque, dark brown-red, a little texture
    c = np.clip((t - CLOT_BASE + 0.6) / 0.6, 0, 1)
    ctex = np.clip((t - CLOT_BASE) / (T_MAX - CLOT_BASE), 0, 1)
    ccol = CLOT_BLOOD * (0.75 + 0.5 * ctex[:, None])
    col = col * (1 - c[:, None]) + ccol * c[:, None]
    alpha = alpha * (1 - c) + c
    return np.concatenate([alpha[:, None], col], 1).astype(np.float32)[None]


_LUT = _blood_lut()


def blood_layer(thickness: np.ndarray) -> tuple:
    """Alpha ``(H, W, 1)`` and colour ``(H, W, 3)`` of blood of the given thickness map.

    Thin blood is bright, translucent red, thick blood a dark core, the film's thin edge a
    slightly darker rim (meniscus), clots (thickness codes above ``CLOT_BASE``) dark brown-red
    and opaque.
    """
    u = cv2.sqrt(np.maximum(thickness, 0, dtype=np.float32) * np.float32(1.0 / T_MAX))
    idx = cv2.convertScaleAbs(u, alpha=255.0)
    out = cv2.LUT(cv2.merge([idx, idx, idx, idx]), _LUT)
    return out[..., :1], out[..., 1:]
