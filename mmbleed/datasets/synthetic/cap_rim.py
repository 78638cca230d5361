# Copyright (c) mmbleed contributors. All rights reserved.
"""The transparent distal cap on the scope's tip, seen at the edge of every ESD frame.

The cap is a short clear plastic tube; its distal rim shows as a faint ring just inside the
round view. Outside the ring the tissue is seen through the cap's wall: slightly darker,
tinted and a little hazy. The rim itself catches the light: a thin bright line, strongest on
one side, with a dark line beside it. All of it is fixed to the scope, i.e. constant in frame
space for the whole clip. The cap is purely photometric (a per-pixel gain and offset): it
never moves content, so the ground truth (source position, tracks) stays exact.
"""
import cv2
import numpy as np

from .noise import smooth_series


class CapRim:
    """Per-clip distal cap rim, applied to every frame (frame space) before the optics.

    Args:
        rng: random generator (the cap's own stream; size, thickness, tint, reflections).
        width, height: frame size.
        centre: ``(2,)`` centre of the round view (frame px).
        radius: radius of the round view (frame px).
        unit: pixel scale (frame height / 272).

    Attributes:
        ring_radius (float): radius of the rim (frame px); 0.78-0.95 of the view's.
        thickness (float): width of the bright rim line (frame px).
    """

    def __init__(self, rng: np.random.Generator, width: int, height: int, centre, radius: float,
                 unit: float) -> None:
        W, H = int(width), int(height)
        c = np.asarray(centre, np.float32) + rng.normal(0, 0.015, 2).astype(np.float32) * radius
        R = float(radius)
        self.ring_radius = rr = float(R * rng.uniform(0.78, 0.95))
        self.thickness = th = float(unit * rng.uniform(0.8, 2.6))
        ecc = float(rng.uniform(0.97, 1.03))
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        dx, dy = (xx - c[0]) * ecc, (yy - c[1]) / ecc
        d = np.sqrt(dx * dx + dy * dy)
        theta = np.arctan2(dy, dx)
        # angular variation of the reflection: one or two lobes plus some irregularity
        n_ang = 256
        prof = np.zeros(n_ang, np.float32)
        ang = np.linspace(-np.pi, np.pi, n_ang, endpoint=False)
        for _ in range(int(rng.integers(1, 3))):
            a0 = rng.uniform(-np.pi, np.pi)
            sharp = rng.uniform(1.5, 6.0)
            prof += rng.uniform(0.5, 1.0) * np.exp(sharp * (np.cos(ang - a0) - 1))
        wobble = smooth_series(rng, n_ang + 8, 10)[:n_ang]
        prof = np.clip(0.25 + prof + 0.15 * wobble, 0.05, 1.4).astype(np.float32)
        idx = ((theta + np.pi) / (2 * np.pi) * n_ang).astype(np.int32) % n_ang
        lobe = prof[idx]
        outside = np.clip((d - rr) / max(th, 1.0) + 0.5, 0, 1)  # the cap's wall region
        # multiplicative gain: darker wall (a tint of the clear plastic), thin dark line
        dark = float(rng.uniform(0.80, 0.93))
        tint = np.float32([1.0, 1.0, 1.0]) + rng.normal(0, 0.03, 3).astype(np.float32)
        tint[2] = min(tint[2], 1.0)  # no red tint: clear plastic lit by white light
        dline = np.exp(-0.5 * ((d - rr - 1.6 * th) / (0.8 * th)) ** 2)
        g = 1.0 - outside * (1.0 - dark) - 0.25 * dline * float(rng.uniform(0.5, 1.0))
        self.gain = (np.clip(g, 0, 1)[..., None] * (1 - outside[..., None] + outside[..., None]
                                                     * tint)).astype(np.float32)
        # additive: thin bright reflection on the rim, a faint glow of the wall near the edge
        bright = float(rng.uniform(0.25, 0.6))
        line = np.exp(-0.5 * ((d - rr) / (0.55 * th)) ** 2) * lobe * bright
        glow_w = max(R - rr, 2.0)
        glow = outside * np.clip((d - rr) / glow_w, 0, 1) ** 2 * lobe * \
            float(rng.uniform(0.03, 0.10))
        halo = np.exp(-0.5 * ((d - rr) / (2.5 * th)) ** 2) * lobe * 0.06
        haze = float(rng.uniform(0.02, 0.06))
        add = (line + glow + halo + outside * haze).astype(np.float32)
        col = np.float32([1.0, 1.0, 0.97]) + rng.normal(0, 0.02, 3).astype(np.float32)
        self.add = (add[..., None] * col).astype(np.float32)

    def apply(self, img: np.ndarray) -> np.ndarray:
        """Draw the cap onto ``img`` (float32 BGR ``(H, W, 3)``, in place); returns ``img``."""
        cv2.multiply(img, self.gain, dst=img)
        cv2.add(img, self.add, dst=img)
        return img
