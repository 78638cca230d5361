# Copyright (c) mmbleed contributors. All rights reserved.
"""Render the effects of a :class:`~.scenarios.ScenarioPlan` onto frames (frame space,
float32 BGR in ``[0, 1]``); each ``apply_*`` returns how much it covers each pixel, which
decides the source's and the tracks' visibility."""
from typing import Optional, Tuple

import cv2
import numpy as np

from .noise import fractal_noise, smooth_series
from .scenarios import ScenarioPlan


class ScenarioRenderer:
    """Renders the effects of a :class:`ScenarioPlan` onto frames.

    Args:
        rng: random generator (the renderer's own stream, for noise fields).
        plan: the plan.
        width, height: frame size.
        unit: pixel scale (frame height / 272).
    """

    def __init__(self, rng: np.random.Generator, plan: ScenarioPlan, width: int, height: int,
                 unit: float) -> None:
        self.plan = plan
        self.w, self.h, self.unit = width, height, unit
        self.rng = rng
        pad = int(0.5 * max(width, height))
        big = (height + 2 * pad, width + 2 * pad)
        self.pad = pad
        self.haze_field = np.clip(0.5 + 0.35 * fractal_noise(rng, *big, 70 * unit, 3), 0, 1)
        self.water_field = np.clip(0.5 + 0.4 * fractal_noise(rng, *big, 30 * unit, 4), 0, 1)
        T = len(next(iter(plan.strength.values())))
        self.drift = np.stack([smooth_series(rng, T, 40), smooth_series(rng, T, 40)], 1) * 0.6 * pad
        self.glare_path = np.stack([smooth_series(rng, T, 30), smooth_series(rng, T, 30)], 1)
        self.haze_colour = np.float32([0.66, 0.68, 0.76]) + rng.normal(0, 0.03, 3).astype(np.float32)
        self.water_colour = np.float32([0.86, 0.87, 0.88]) + rng.normal(0, 0.02, 3).astype(np.float32)
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        self.xx, self.yy = xx, yy

    def _crop(self, fieldmap: np.ndarray, t: int, speed: float = 1.0) -> np.ndarray:
        d = np.clip(self.drift[t] * speed, -self.pad + 1, self.pad - 1).astype(int)
        y0, x0 = self.pad + d[1], self.pad + d[0]
        return fieldmap[y0:y0 + self.h, x0:x0 + self.w]

    def apply_flush(self, img: np.ndarray, t: int) -> np.ndarray:
        """Water flushing: a turbid, bright, low-saturation wash; returns its cover map."""
        s = float(self.plan.strength['water flushing'][t])
        if s <= 0.05:
            return None
        turb = self._crop(self.water_field, (t * 7) % len(self.drift), 1.0)
        a = np.clip(s * (0.2 + 0.8 * turb), 0, 0.92)
        blurred = cv2.GaussianBlur(img, (0, 0), 2.5 * self.unit * s)
        img[:] = blurred * (1 - a[..., None]) + self.water_colour * a[..., None]
        # foam and droplets: bright specks
        n = int(30 * s)
        rng = np.random.default_rng(t + 12345)
        for x, y, r in zip(rng.uniform(0, self.w, n), rng.uniform(0, self.h, n),
                           rng.uniform(0.8, 3.0, n) * self.unit):
            cv2.circle(img, (int(x), int(y)), max(1, int(r)), (1.0, 1.0, 1.0), -1, cv2.LINE_AA)
        return a

    def apply_tool(self, img: np.ndarray, t: int, centre: np.ndarray, radius: float,
                   target: np.ndarray) -> Optional[np.ndarray]:
        """Instrument interference: a metallic grey ESD knife entering from the view's edge."""
        s = float(self.plan.strength['instrument interference'][t])
        if s <= 0.05:
            return None
        p = self.plan.tool
        ang = p['angle'] + p['sway'] * np.sin(t / 17.0)
        entry = centre + 1.05 * radius * np.float32([np.cos(ang), np.sin(ang)])
        goal = target + radius * np.float32([p['target_dx'], p['target_dy']])
        tip = entry + (goal - entry) * (s * p['reach'])
        axis = tip - entry
        length = float(np.hypot(*axis)) + 1e-6
        d = axis / length
        n = np.float32([-d[1], d[0]])
        rx, ry = self.xx - entry[0], self.yy - entry[1]
        along = rx * d[0] + ry * d[1]
        across = rx * n[0] + ry * n[1]
        half = 0.5 * p['width'] * self.unit
        needle = 0.12 * length
        sheath = (along >= 0) & (along <= length - needle)
        cap = np.abs(across) / half
        shaft_m = np.clip((1 - cap) * half, 0, 1) * sheath
        needle_m = np.clip(1.2 * self.unit - np.abs(across), 0, 1) * (along > length - needle) * \
            (along <= length)
        mask = np.maximum(shaft_m, needle_m).astype(np.float32)
        c = np.clip(across / half, -1, 1)
        shade = 0.30 + 0.45 * np.sqrt(np.clip(1 - c * c, 0, 1)) + \
            0.55 * np.exp(-((c - 0.35) / 0.12) ** 2)
        shade = shade * (1 + 0.06 * np.sin(along / (3 * self.unit)))  # coil rings of the sheath
        colour = np.stack([shade * 0.80, shade * 0.78, shade * 0.74], -1)
        # soft shadow on the tissue
        shadow = cv2.GaussianBlur(mask, (0, 0), 6 * self.unit)
        shadow = np.roll(shadow, (int(5 * self.unit), int(4 * self.unit)), (0, 1))
        img *= (1 - 0.45 * shadow)[..., None]
        img[:] = img * (1 - mask[..., None]) + colour * mask[..., None]
        return mask

    def apply_haze(self, img: np.ndarray, t: int) -> Optional[np.ndarray]:
        """Obscured view: drifting smoke / turbid fluid lowering contrast; returns its cover."""
        s = float(self.plan.strength['obscured view'][t])
        if s <= 0.05:
            return None
        a = np.clip(s * (0.35 + 0.9 * self._crop(self.haze_field, t, 0.7)), 0, 0.95)
        soft = cv2.GaussianBlur(img, (0, 0), 3 * self.unit * s)
        img[:] = soft * (1 - a[..., None]) + self.haze_colour * a[..., None]
        return a

    def glare(self, t: int, centre: np.ndarray, radius: float) -> Tuple[float, Optional[np.ndarray]]:
        """Light reflection: (specular boost, large saturated glare patch or None)."""
        s = float(self.plan.strength['light reflection'][t])
        if s <= 0.05:
            return 1.0, None
        g = centre + 0.45 * radius * self.glare_path[t]
        sig = (22 + 12 * np.sin(t / 9.0)) * self.unit
        d2 = ((self.xx - g[0]) / 1.5) ** 2 + (self.yy - g[1]) ** 2
        patch = s * np.exp(-d2 / (2 * sig * sig))
        return 1.0 + 2.5 * s, np.clip(1.6 * patch, 0, 1).astype(np.float32)
