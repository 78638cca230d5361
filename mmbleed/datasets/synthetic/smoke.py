# Copyright (c) mmbleed contributors. All rights reserved.
"""Cautery smoke ('obscured view'): wispy plumes rising from where the knife cuts.

A small 2-D smoke simulation runs at half resolution in frame space: a density field is
emitted in bursts at the cut point (noisy blobs), advected by a velocity field made of a
slowly turning drift (the smoke rising / pulled by the CO2 insufflation), an outward push near
the source (billowing) and curl noise (swirls), and slowly decays. Advection stretches the
emitted noise into wisps. On top of the plumes a diffuse turbidity grows with the amount of
smoke in the view. The smoke lowers contrast and saturation: the tissue under it is blurred
and mixed with a bright, slightly tinted scattering colour. The simulation starts 40 steps
before the clip (smoke already there at frame 0 has spread) and is stepped lazily (frame ``t``
depends only on the steps up to it), so the look is deterministic whatever the order of
calls.
"""
from typing import Optional

import cv2
import numpy as np

from .noise import smooth_series
from .textures import ScrollTexture, merge3, periodic_noise, solid


class CauterySmoke:
    """Per-clip cautery smoke.

    Args:
        rng: random generator (the smoke's own stream).
        strength: ``(T,)`` strength of 'obscured view' per frame.
        width, height: frame size.
        unit: pixel scale (frame height / 272).
        centre, radius: the round view (frame px).
        scale: simulation grid step (frame px; default about 2 units).
    """

    def __init__(self, rng: np.random.Generator, strength: np.ndarray, width: int, height: int,
                 unit: float, centre, radius: float, scale: Optional[int] = None) -> None:
        self.s = np.asarray(strength, np.float32)
        # the simulation starts ``pre`` frames before the clip, so smoke already present at
        # frame 0 has had time to spread; step ``i`` is frame ``i - pre``
        self.pre = P = 40
        T = len(self.s) + P
        s_ext = np.concatenate([np.full(P, self.s[0], np.float32), self.s])
        scale = max(2, int(round(2 * unit))) if scale is None else int(scale)
        self.w, self.h, self.unit, self.k = width, height, unit, scale
        gw, gh = -(-width // scale), -(-height // scale)
        self.gw, self.gh = gw, gh
        gy, gx = np.mgrid[0:gh, 0:gw].astype(np.float32)
        self.gx, self.gy = gx, gy
        centre = np.asarray(centre, np.float32)
        # the cut point (where the knife touches) and its slow wander
        a = rng.uniform(0, 2 * np.pi)
        r = radius * np.sqrt(rng.uniform(0.0, 0.25))
        o = centre + r * np.float32([np.cos(a), np.sin(a)])
        wander = np.stack([smooth_series(rng, T, 25), smooth_series(rng, T, 25)], 1) * 6 * unit
        self.origin = ((o + wander) / scale).astype(np.float32)  # grid px
        # drift: rising direction, turning slowly; speed in grid px / frame
        th = rng.uniform(0, 2 * np.pi) + 0.6 * smooth_series(rng, T, 60)
        sp = rng.uniform(1.5, 3.5) * unit / scale * (1 + 0.3 * smooth_series(rng, T, 30))
        self.drift = np.stack([np.cos(th) * sp, np.sin(th) * sp], 1).astype(np.float32)
        # curl noise (two scales) for the swirls: stream function gradients, pre-computed
        n = int(2 ** np.ceil(np.log2(max(gw, gh) + 1)))
        psi = periodic_noise(rng, n, 30 * unit / scale, 3, 0.6)
        vx = np.roll(psi, -1, 0) - np.roll(psi, 1, 0)  # periodic central differences
        vy = np.roll(psi, 1, 1) - np.roll(psi, -1, 1)
        curl = np.stack([vx, vy], -1)
        curl *= 1.0 / (np.abs(curl).std() * 2.5 + 1e-6)
        self.curl = ScrollTexture(curl.astype(np.float32), gh, gw)
        self.curl_amp = float(rng.uniform(1.5, 3.0)) * unit / scale
        self.curl_path = np.cumsum(np.stack([smooth_series(rng, T, 40),
                                             smooth_series(rng, T, 40)], 1) * 0.5, 0)
        # emission noise (what advection stretches into wisps)
        emit = np.clip(periodic_noise(rng, n, 5 * unit / scale, 2, 0.7) + 0.6, 0, None)
        self.emit_tex = ScrollTexture((emit ** 2).astype(np.float32), gh, gw)
        self.emit_off = rng.uniform(0, n, (T, 2))
        # pulsed cautery: bursts of current every fraction of a second
        pulse = np.clip(1.6 * smooth_series(rng, T, rng.uniform(4, 9)) + 0.2, 0, 1.5)
        self.emit = (pulse * np.clip(s_ext / 0.3, 0, 1.8)).astype(np.float32)
        sig = float(rng.uniform(10, 18) * unit / scale)
        self.decay = float(rng.uniform(0.965, 0.98))
        self.diffuse = float(rng.uniform(0.15, 0.3))
        # the source's blob and outward push, centred on a double-size grid, cropped per frame
        by, bx = np.mgrid[-gh:gh + 1, -gw:gw + 1].astype(np.float32)
        r2 = bx * bx + by * by
        self._blob = np.exp(r2 * (-0.5 / sig ** 2)).astype(np.float32)
        push = float(rng.uniform(1.5, 3.0) * unit / scale) * np.exp(
            r2 * (-0.5 / (3.0 * sig) ** 2)) / np.sqrt(r2 + 4.0)
        self._push = np.stack([bx * push, by * push], -1).astype(np.float32)
        # the veil's coarse structure
        self.veil_tex = ScrollTexture(np.clip(0.6 + 0.3 * periodic_noise(
            rng, n, 60 * unit / scale, 2, 0.35), 0.1, 1.2).astype(np.float32), gh, gw)
        self.colour = (np.float32([0.90, 0.90, 0.90]) +
                       rng.normal(0, 0.025, 3).astype(np.float32))
        self.colour[0] += 0.03  # cool (slightly blue) white
        self.colour_img = solid(self.colour, gh, gw)
        self.drift_sum = np.cumsum(self.drift, 0)
        self.density_gain = float(rng.uniform(1.4, 2.4))
        self.mass_ref = 2.0 * np.pi * sig ** 2 * 0.8 / (1 - self.decay)
        self._D = np.zeros((gh, gw), np.float32)
        self._t = -1

    def _step(self, t: int) -> None:
        """Advance the density by one frame (to simulation step ``t``)."""
        o = np.round(self.origin[t]).astype(int)
        y0, x0 = self.gh - o[1], self.gw - o[0]
        sl = (slice(y0, y0 + self.gh), slice(x0, x0 + self.gw))
        cp = self.curl_path[t]
        v = self.curl.crop(cp[0] * 6 + t * 0.25, cp[1] * 6) * self.curl_amp
        v = v + self._push[sl]
        v += self.drift[t]
        # back-trace (semi-Lagrangian advection)
        D = cv2.remap(self._D, self.gx - v[..., 0], self.gy - v[..., 1], cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        e = float(self.emit[t])
        if e > 0:
            eo = self.emit_off[t]
            D += cv2.multiply(self._blob[sl], self.emit_tex.crop(eo[0], eo[1]), scale=0.1 * e)
        D = cv2.GaussianBlur(D, (3, 3), self.diffuse)
        D *= self.decay
        self._D = D

    def density(self, t: int) -> np.ndarray:
        """The simulated density on the grid at frame ``t``."""
        t = t + self.pre
        if t < self._t:
            self._D[:] = 0
            self._t = -1
        while self._t < t:
            self._t += 1
            self._step(self._t)
        return self._D

    def apply(self, img: np.ndarray, t: int) -> Optional[np.ndarray]:
        """Draw the smoke of frame ``t`` onto ``img`` (in place); returns its cover."""
        s = float(self.s[t])
        if s <= 0.05:
            return None
        D = self.density(t)
        ramp = min(1.0, (s - 0.05) / 0.1)
        mass = float(D.sum()) / self.mass_ref
        vo = self.drift_sum[t + self.pre]
        veil = self.veil_tex.crop(vo[0], vo[1])
        # optical depth: diffuse turbidity (grows with the smoke in the view) + plumes
        tau = veil * (ramp * s * (0.9 + 0.6 * min(mass, 1.5)))
        tau += (ramp * self.density_gain) * D
        a_h = 1.0 - cv2.exp(-tau)
        np.clip(a_h, 0, 0.96, out=a_h)
        # under the smoke the tissue is blurred (b: less contrast), then mixed with the
        # scattering colour (c): img * (1 - b)(1 - c) + soft * b (1 - c) + colour * c; the
        # smooth terms are made on the simulation's grid and upsampled
        W, H, gw, gh = self.w, self.h, self.gw, self.gh
        q = cv2.resize(img, (max(1, W // 4), max(1, H // 4)), interpolation=cv2.INTER_AREA)
        soft = cv2.resize(q, (gw, gh), interpolation=cv2.INTER_LINEAR)
        scatter = cv2.resize(cv2.resize(q, (max(1, W // 16), max(1, H // 16)),
                                        interpolation=cv2.INTER_AREA), (gw, gh),
                             interpolation=cv2.INTER_LINEAR)
        col = cv2.addWeighted(scatter, 0.18, self.colour_img, 0.88, 0.0)
        b = cv2.min(a_h * 1.6, 1.0)
        c = a_h * 0.92
        keep = (1.0 - b) * (1.0 - c)
        add = cv2.multiply(soft, merge3(b * (1.0 - c)))
        add += cv2.multiply(col, merge3(c))
        cv2.multiply(img, cv2.resize(merge3(keep), (W, H), interpolation=cv2.INTER_LINEAR),
                     dst=img)
        cv2.add(img, cv2.resize(add, (W, H), interpolation=cv2.INTER_LINEAR), dst=img)
        return cv2.resize(a_h, (W, H), interpolation=cv2.INTER_LINEAR)
