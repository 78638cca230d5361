# Copyright (c) mmbleed contributors. All rights reserved.
"""Light reflection: a large specular glare of the scope's light on wet mucosa.

An irregular, elongated patch whose core is saturated (clipped white) with a soft bloom
around it, tinted a little by the tissue it lies on (warm white), plus a few small sparkles
nearby. The patch drifts slowly and breathes in size; it is drawn into its bounding box only.
"""
from typing import Optional

import cv2
import numpy as np

from .noise import smooth_series


class GlareReflection:
    """Per-clip glare.

    Args:
        rng: random generator (the glare's own stream).
        strength: ``(T,)`` strength of 'light reflection'.
        width, height: frame size.
        unit: pixel scale (frame height / 272).
    """

    def __init__(self, rng: np.random.Generator, strength: np.ndarray, width: int, height: int,
                 unit: float) -> None:
        self.s = np.asarray(strength, np.float32)
        T = len(self.s)
        self.w, self.h, self.unit = width, height, unit
        self.path = np.stack([smooth_series(rng, T, 30), smooth_series(rng, T, 30)], 1)
        self.size = (1.0 + 0.35 * np.sin(np.arange(T) / 9.0 + rng.uniform(0, 6.3))
                     + 0.1 * smooth_series(rng, T, 12)).astype(np.float32)
        self.angle = float(rng.uniform(0, np.pi))
        # sprite: core (saturated) and bloom, 1x; ~ 2.5 sigma of the old Gaussian patch
        S = int(np.ceil(200 * unit)) | 1
        c = S // 2
        yy, xx = np.mgrid[0:S, 0:S].astype(np.float32) - c
        aspect = float(rng.uniform(1.3, 2.4))
        ca, sa = np.cos(self.angle), np.sin(self.angle)
        u = (ca * xx + sa * yy) / aspect
        v = -sa * xx + ca * yy
        r = np.sqrt(u * u + v * v)
        th = np.arctan2(v, u)
        # irregular outline: radius varying with the angle
        k = np.arange(1, 10)
        amp = rng.uniform(0, 0.2, 9) / k ** 0.7
        ph = rng.uniform(0, 2 * np.pi, 9)
        wob = 1 + (amp[:, None, None]
                   * np.cos(k[:, None, None] * th[None] + ph[:, None, None])).sum(0)
        core_r = float(rng.uniform(13, 22)) * unit
        core = np.clip((core_r * wob - r) / (4.0 * unit) + 0.5, 0, 1)
        bloom = np.exp(-0.5 * (r / (1.6 * core_r * wob)) ** 2)
        bloom *= np.clip((c - np.sqrt(xx * xx + yy * yy)) / (0.3 * c), 0, 1)  # no square edge
        # sparkles: small saturated dots scattered around the core
        sp = np.zeros((S, S), np.float32)
        for _ in range(int(rng.integers(2, 7))):
            a, d = rng.uniform(0, 2 * np.pi), rng.uniform(1.3, 3.0) * core_r
            x0, y0 = int(c + d * np.cos(a) * aspect ** 0.5), int(c + d * np.sin(a))
            if 0 <= x0 < S and 0 <= y0 < S:
                cv2.circle(sp, (x0, y0), max(1, int(rng.uniform(1, 3) * unit)), 1.0, -1,
                           cv2.LINE_AA)
        core = np.maximum(core, sp)
        self.core = core.astype(np.float32)
        self.bloom = bloom.astype(np.float32)
        self.c = c
        tint = np.float32([0.80, 0.90, 1.0]) + rng.normal(0, 0.03, 3).astype(np.float32)
        self.tint = tint  # BGR: warm white bloom

    def _place(self, t: int, centre, radius: float):
        s = float(self.s[t])
        g = np.asarray(centre, np.float32) + 0.45 * radius * self.path[t]
        z = float(self.size[t])
        M = cv2.getRotationMatrix2D((float(self.c), float(self.c)), 0.0, z)
        M[:, 2] += g - self.c
        half = self.c * z
        x0, x1 = max(0, int(g[0] - half)), min(self.w, int(np.ceil(g[0] + half)) + 1)
        y0, y1 = max(0, int(g[1] - half)), min(self.h, int(np.ceil(g[1] + half)) + 1)
        return s, M, (x0, x1, y0, y1)

    def _layers(self, t: int, centre, radius: float):
        s, M, (x0, x1, y0, y1) = self._place(t, centre, radius)
        if x1 <= x0 or y1 <= y0:
            return s, None, None, (x0, x1, y0, y1)
        M[:, 2] -= (x0, y0)
        size = (x1 - x0, y1 - y0)
        core = cv2.warpAffine(self.core, M, size, flags=cv2.INTER_LINEAR)
        bloom = cv2.warpAffine(self.bloom, M, size, flags=cv2.INTER_LINEAR)
        return s, core, bloom, (x0, x1, y0, y1)

    def boost(self, t: int) -> float:
        """How much the wet specular highlights are boosted in frame ``t`` (1 = not)."""
        s = float(self.s[t])
        return 1.0 + 2.5 * s if s > 0.05 else 1.0

    def apply(self, img: np.ndarray, t: int, centre, radius: float) -> Optional[np.ndarray]:
        """Draw the glare onto ``img`` (in place): saturated core, warm coloured bloom; returns
        its ``(H, W)`` cover (the patch: ``s (1.15 core + 0.55 bloom)``, clipped to 1) or None."""
        if float(self.s[t]) <= 0.05:
            return None
        s, core, bloom, (x0, x1, y0, y1) = self._layers(t, centre, radius)
        patch = np.zeros((self.h, self.w), np.float32)
        if core is None:
            return patch
        patch[y0:y1, x0:x1] = np.clip(s * (1.15 * core + 0.55 * bloom), 0, 1)
        roi = img[y0:y1, x0:x1].copy()
        c = np.clip(s * 1.2 * core, 0, 1)
        b = (0.8 * s) * bloom
        # bloom: light added, coloured by the tint and the tissue below it (saturated glow)
        tint = self.tint
        glow = cv2.multiply(cv2.merge([b * tint[0], b * tint[1], b * tint[2]]),
                            cv2.addWeighted(roi, 0.6, roi, 0.0, 0.5))
        cv2.add(roi, glow, dst=roi)
        # the core is blown out: pushed well above white so it stays clipped after vignetting
        c3 = cv2.merge([c, c, c])
        roi += c3 * (1.6 - roi)
        img[y0:y1, x0:x1] = roi
        return patch
