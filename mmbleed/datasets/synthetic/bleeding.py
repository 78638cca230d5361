# Copyright (c) mmbleed contributors. All rights reserved.
"""Bleeding from a source anchored to the tissue.

Blood is simulated on the tissue canvas (so it moves with the tissue warp) as a thickness map
fed by particles emitted at the source from the onset frame: barely visible at first (emission
ramps up quadratically), then growing, flowing (direction and speed drift), pulsing with the
heart rate (spurting) or oozing, pooling where the particles stop, and washed away by water
flushing, after which it returns.
"""
from dataclasses import dataclass

import cv2
import numpy as np

from .camera import FPS
from .noise import smooth_series

#: thin, fresh blood and thick, pooled blood (BGR, 0-1)
FRESH_BLOOD = np.float32([0.13, 0.12, 0.72])
THICK_BLOOD = np.float32([0.05, 0.05, 0.30])


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
    """

    def __init__(self, rng: np.random.Generator, canvas_hw, source: np.ndarray,
                 params: BleedingParams, num_frames: int, unit: float, stride: int = 1) -> None:
        self.rng = rng
        self.p = params
        self.stride = stride
        self.unit = unit
        h, w = canvas_hw
        self.shape = ((h + stride - 1) // stride, (w + stride - 1) // stride)
        self.density = np.zeros(self.shape, np.float32)
        self.well = np.zeros(self.shape, np.float32)
        self.src = (np.asarray(source, np.float32) - (stride - 1) / 2) / stride
        self.pos = np.zeros((0, 2), np.float32)
        self.vel = np.zeros((0, 2), np.float32)
        self.age = np.zeros(0, np.int32)
        T = num_frames
        self.dir_series = params.flow_angle + params.turn * smooth_series(rng, T, rng.uniform(15, 50))
        self.speed_series = np.clip(1 + 0.5 * smooth_series(rng, T, rng.uniform(10, 40)), 0.3, 2)
        self.pulse_phase = rng.uniform(0, 2 * np.pi)
        # a small Gaussian stamp for blood welling up at the source
        r = max(2, int(round(4 * unit / stride)))
        yy, xx = np.mgrid[-r:r + 1, -r:r + 1].astype(np.float32)
        self.stamp = np.exp(-(xx ** 2 + yy ** 2) / (2 * (0.45 * r) ** 2)).astype(np.float32)
        self.stamp_r = r

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
        if g <= 0:
            return
        rng = self.rng
        pulse = self.pulse(t)
        # emit
        n = rng.poisson(self.p.rate * g * pulse)
        if n:
            ang = self.dir_series[t] + rng.normal(0, 0.35, n)
            spd = self.p.flow_speed / self.stride * self.speed_series[t] * rng.uniform(0.4, 1.2, n)
            if self.p.kind == 'spurting':
                spd = spd * (0.6 + 0.6 * pulse)
            vel = np.stack([np.cos(ang), np.sin(ang)], 1) * spd[:, None]
            pos = self.src[None] + rng.normal(0, 0.6 * self.unit / self.stride, (n, 2))
            self.pos = np.vstack([self.pos, pos.astype(np.float32)])
            self.vel = np.vstack([self.vel, vel.astype(np.float32)])
            self.age = np.concatenate([self.age, np.zeros(n, np.int32)])
        # move: friction, a slow creep "downhill", a little turbulence
        down = np.float32([np.cos(self.p.flow_angle), np.sin(self.p.flow_angle)])
        self.vel = self.vel * self.p.friction + 0.03 * self.unit / self.stride * down
        self.vel += rng.normal(0, 0.08, self.vel.shape).astype(np.float32)
        self.pos = self.pos + self.vel
        self.age += 1
        h, w = self.shape
        keep = (self.pos[:, 0] >= 0) & (self.pos[:, 0] < w - 1) & (self.pos[:, 1] >= 0) & \
            (self.pos[:, 1] < h - 1) & (self.age < 150)
        if wash > 0:
            keep &= rng.random(len(keep)) > 0.35 * wash
        self.pos, self.vel, self.age = self.pos[keep], self.vel[keep], self.age[keep]
        # deposit blood where the particles are
        if len(self.pos):
            dep = np.zeros(self.shape, np.float32)
            ix = np.round(self.pos).astype(np.int64)
            np.add.at(dep, (ix[:, 1], ix[:, 0]), 0.5)
            self.density += cv2.GaussianBlur(dep, (0, 0), 1.5 * self.unit / self.stride)
        # spread slowly, saturate, wash away
        if t % 3 == 0:
            self.density = 0.85 * self.density + 0.15 * cv2.GaussianBlur(
                self.density, (0, 0), 2.0 * self.unit / self.stride)
        np.minimum(self.density, 6.0, out=self.density)
        if wash > 0:
            self.density *= 1.0 - 0.3 * wash
        # blood welling up at the source
        self.well[:] = 0
        x, y = int(round(self.src[0])), int(round(self.src[1]))
        r = self.stamp_r
        if r <= x < w - r and r <= y < h - r:
            self.well[y - r:y + r + 1, x - r:x + r + 1] = self.stamp * (2.0 * g * min(pulse, 1.2))

    def thickness(self) -> np.ndarray:
        """Blood thickness map (simulation grid), well included."""
        return self.density + self.well

    def pooled_at_source(self) -> float:
        """Mean pooled thickness (well excluded) within a few px of the source."""
        x, y = int(round(self.src[0])), int(round(self.src[1]))
        r = max(1, int(round(2 * self.unit / self.stride)))
        h, w = self.shape
        if not (0 <= x < w and 0 <= y < h):
            return 0.0
        return float(self.density[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1].mean())


def blood_layer(thickness: np.ndarray) -> tuple:
    """Alpha ``(H, W, 1)`` and colour ``(H, W, 3)`` of blood of the given thickness map."""
    alpha = 1.0 - np.exp(-2.0 * thickness)
    m = np.clip(thickness / 3.0, 0, 1)[..., None]
    colour = FRESH_BLOOD * (1 - m) + THICK_BLOOD * m
    return alpha[..., None].astype(np.float32), colour.astype(np.float32)
