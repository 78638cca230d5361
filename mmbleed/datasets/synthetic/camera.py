# Copyright (c) mmbleed contributors. All rights reserved.
"""The endoscope: round vignetted view, smooth motion with jitter bursts, focus blur, and the
elastic tissue deformation (breathing, heartbeat) between canvas and frame.

A canvas point ``p`` is first deformed, ``p' = p + D(p, t)``, then seen through the camera's
similarity transform, ``q = c + zoom(t) R(angle(t)) (p' - look(t))``. ``project`` maps canvas
points to frame pixels exactly; ``backward_maps`` gives ``cv2.remap`` maps (frame -> canvas),
inverting the small smooth deformation with two fixed-point steps.
"""
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import cv2
import numpy as np

from mmbleed.utils.geometry import points_inside
from .noise import smooth_series

FPS = 30.0

#: the scope's magnification range (frame px per canvas px)
ZOOM_RANGE = (0.85, 1.35)
#: the source is seen within this many view radii of the frame centre (outside excursions)
REACH = 0.6

#: ``(start, stop, depth)``: the view swings so the anchor reaches ``depth`` view radii from
#: the frame centre half-way through ``start <= t < stop`` and comes back
Excursion = Tuple[int, int, float]


@dataclass
class ElasticField:
    """Sum of low-frequency sinusoidal displacement waves with time-varying amplitudes.

    Attributes:
        k (np.ndarray): ``(K, 2)`` wave vectors (rad/px).
        phase (np.ndarray): ``(K,)`` spatial phases.
        dirs (np.ndarray): ``(K, 2)`` displacement directions (unit vectors).
        amp (np.ndarray): ``(T, K)`` amplitude of each wave in every frame (px).
    """
    k: np.ndarray
    phase: np.ndarray
    dirs: np.ndarray
    amp: np.ndarray

    def displacement(self, x: np.ndarray, y: np.ndarray, t: int) -> Tuple[np.ndarray, np.ndarray]:
        """Displacement ``(dx, dy)`` at canvas positions ``x, y`` (any equal shapes) in frame t."""
        dx = np.zeros_like(x, dtype=np.float32)
        dy = np.zeros_like(y, dtype=np.float32)
        for i in range(len(self.phase)):
            s = self.amp[t, i] * np.sin(self.k[i, 0] * x + self.k[i, 1] * y + self.phase[i])
            dx += self.dirs[i, 0] * s
            dy += self.dirs[i, 1] * s
        return dx, dy


def make_elastic_field(rng: np.random.Generator, num_frames: int, unit: float,
                       strength: float = 1.0) -> ElasticField:
    """Breathing (0.2-0.35 Hz), heartbeat (1-1.5 Hz) and slow drift waves, a few px each."""
    num = 4
    wavelength = rng.uniform(140, 400, num) * unit
    ang = rng.uniform(0, 2 * np.pi, num)
    k = np.stack([np.cos(ang), np.sin(ang)], 1) * (2 * np.pi / wavelength)[:, None]
    dang = rng.uniform(0, 2 * np.pi, num)
    dirs = np.stack([np.cos(dang), np.sin(dang)], 1)
    t = np.arange(num_frames) / FPS
    breath = rng.uniform(0.2, 0.35)
    heart = rng.uniform(1.0, 1.5)
    amp = np.stack([
        4.0 * unit * np.sin(2 * np.pi * breath * t + rng.uniform(0, 6.3)),
        1.2 * unit * np.sin(2 * np.pi * heart * t + rng.uniform(0, 6.3)),
        3.0 * unit * smooth_series(rng, num_frames, 45),
        2.0 * unit * smooth_series(rng, num_frames, 25),
    ], 1) * strength
    return ElasticField(k.astype(np.float32), rng.uniform(0, 2 * np.pi, num).astype(np.float32),
                        dirs.astype(np.float32), amp.astype(np.float32))


@dataclass
class CameraPath:
    """Per-frame camera state (``T`` frames).

    Attributes:
        look (np.ndarray): ``(T, 2)`` canvas point at the frame centre.
        angle (np.ndarray): ``(T,)`` roll in radians.
        zoom (np.ndarray): ``(T,)`` frame pixels per canvas pixel.
        blur (np.ndarray): ``(T,)`` focus blur sigma (frame px).
        motion (np.ndarray): ``(T, 2)`` image-space velocity used for motion blur (px/frame).
        exposure (np.ndarray): ``(T,)`` global brightness gain (auto exposure).
        jitter (np.ndarray): ``(T,)`` bool, inside a jitter burst.
    """
    look: np.ndarray
    angle: np.ndarray
    zoom: np.ndarray
    blur: np.ndarray
    motion: np.ndarray
    exposure: np.ndarray
    jitter: np.ndarray


def make_camera_path(rng: np.random.Generator, num_frames: int, anchor: np.ndarray, unit: float,
                     view_radius: float, jitter_windows: Sequence[Tuple[int, int]] = (),
                     speed: float = 1.0, excursions: Sequence[Excursion] = ()) -> CameraPath:
    """Smooth wandering around ``anchor`` plus jitter bursts and excursions.

    The anchor (the bleeding source) is seen anywhere within ``0.6 * view_radius`` of the
    frame centre (uniformly over that disc at the first frame, then wandering), so the frame
    centre is no guess of where it is. An excursion ``(start, stop, depth)`` swings the view
    away so that the anchor reaches ``depth * view_radius`` from the centre half-way through
    the window (``depth`` near 0.9: the edge of the view; above 1: out of it) and comes back
    by ``stop``, as when the surgeon looks elsewhere and returns.

    Args:
        rng: random generator (the camera's own stream).
        num_frames: ``T``.
        anchor: ``(2,)`` canvas point the camera keeps in view (the source).
        unit: pixel scale (frame height / 272).
        view_radius: radius of the round view in frame pixels.
        jitter_windows: ``(start, stop)`` frame ranges of camera-jitter bursts.
        speed: how much the camera wanders (0.3 = steady, 2 = restless).
        excursions: ``(start, stop, depth)`` swings of the view (see above).
    """
    T = num_frames
    cell = rng.uniform(30, 90) / max(speed, 0.3)
    reach = REACH * view_radius
    off = np.stack([smooth_series(rng, T, cell), smooth_series(rng, T, cell)], 1)
    off = off * rng.uniform(0.2, 0.45) * reach * min(speed, 1.6)
    ang0 = rng.uniform(0, 2 * np.pi)
    start = reach * np.sqrt(rng.uniform(0, 1)) * np.array([np.cos(ang0), np.sin(ang0)])
    off = off - off[:1] + start
    zoom = np.exp(0.1 * smooth_series(rng, T, rng.uniform(60, 150)) * speed + rng.uniform(-0.1, 0.15))
    zoom = np.clip(zoom, *ZOOM_RANGE)
    angle = np.deg2rad(rng.uniform(-180, 180) + 8 * speed * smooth_series(rng, T, rng.uniform(60, 150)))
    jitter = np.zeros(T, bool)
    shake = np.zeros((T, 2), np.float32)
    shake_ang = np.zeros(T, np.float32)
    for a, b in jitter_windows:
        a, b = max(0, a), min(T, b)
        if b <= a:
            continue
        jitter[a:b] = True
        amp = rng.uniform(5, 14) * unit
        n = rng.normal(0, 1, (b - a, 2)) * amp
        env = np.sin(np.linspace(0, np.pi, b - a)) ** 0.5
        shake[a:b] += n * env[:, None]
        shake_ang[a:b] += np.deg2rad(rng.normal(0, 2.5, b - a)) * env
    shake = cv2.GaussianBlur(shake[:, None, :], (1, 3), 0.7)[:, 0, :] if T >= 3 else shake
    # keep the anchor inside: limit the offset in frame px
    off_px = off * zoom[:, None]
    norm = np.linalg.norm(off_px, axis=1, keepdims=True)
    off_px = np.where(norm > reach, off_px * reach / np.maximum(norm, 1e-6), off_px)
    for a, b, depth in excursions:
        a, b = max(0, int(a)), min(T, int(b))
        if b - a < 2:
            continue
        # swing from where the view is towards the nearest edge, and back (smooth bump)
        here = off_px[(a + b) // 2]
        d = here / max(float(np.linalg.norm(here)), 1e-6) if np.linalg.norm(here) > 1 \
            else np.array([np.cos(ang0), np.sin(ang0)])
        bump = np.sin(np.linspace(0, np.pi, b - a)) ** 2
        target = depth * view_radius * d
        off_px[a:b] = off_px[a:b] + (target[None] - off_px[a:b]) * bump[:, None]
    off_px = off_px + shake
    look = anchor[None] + off_px / zoom[:, None]
    angle = angle + shake_ang
    motion = np.zeros((T, 2), np.float32)
    motion[1:] = -np.diff(off_px, axis=0)
    defocus = np.clip(smooth_series(rng, T, rng.uniform(20, 60)) - 0.8, 0, None)
    blur = unit * (rng.uniform(0.3, 0.8) + 1.8 * defocus * rng.uniform(0.3, 1.2))
    exposure = 1.0 + 0.05 * smooth_series(rng, T, rng.uniform(10, 40))
    return CameraPath(look.astype(np.float32), angle.astype(np.float32), zoom.astype(np.float32),
                      blur.astype(np.float32), motion, exposure.astype(np.float32), jitter)


class EndoscopeView:
    """Frame geometry: round field of view, vignetting and the canvas <-> frame maps.

    Args:
        width (int): frame width ``W``.
        height (int): frame height ``H``.
        radius_scale (float): view radius as a multiple of ``H / 2`` (>1 cuts top and bottom).
    """

    def __init__(self, width: int, height: int, radius_scale: float = 1.08) -> None:
        self.width, self.height = width, height
        self.centre = np.float32([(width - 1) / 2, (height - 1) / 2])
        self.radius = radius_scale * height / 2
        r = min(self.radius, width / 2 - 2)
        self.radius = float(r)
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        self._qx = xx - self.centre[0]
        self._qy = yy - self.centre[1]
        d = np.sqrt(self._qx ** 2 + self._qy ** 2) / self.radius
        self.mask = np.clip((1.0 - d) * self.radius / 1.5, 0, 1).astype(np.float32)
        self.vignette = (np.clip(1.0 - 0.55 * d ** 2.2, 0.15, 1) * self.mask).astype(np.float32)
        self.dist = d.astype(np.float32)  # distance to the centre in radii
        # coarse grid for the maps: sample i at fine coordinate step * (i - 1); after a
        # bilinear resize by ``step`` (odd), fine pixel k is output pixel k + (3 * step - 1) / 2
        self._step = 7
        self._crop = (3 * self._step - 1) // 2
        self._ch = -(-(height + 2 * self._step) // self._step) + 1
        self._cw = -(-(width + 2 * self._step) // self._step) + 1
        cy, cx = np.mgrid[0:self._ch, 0:self._cw].astype(np.float32)
        self._cqx = (cx - 1) * self._step - self.centre[0]
        self._cqy = (cy - 1) * self._step - self.centre[1]

    def backward_maps(self, cam: CameraPath, elastic: ElasticField, t: int
                      ) -> Tuple[np.ndarray, np.ndarray]:
        """``cv2.remap`` maps ``(H, W)`` float32 giving the canvas position of every frame pixel.

        The maps are smooth (a similarity transform plus a low-frequency deformation), so they
        are computed on a grid 7 times coarser and interpolated bilinearly.
        """
        c, s = np.cos(cam.angle[t]), np.sin(cam.angle[t])
        z = cam.zoom[t]
        qx, qy = self._cqx, self._cqy
        px = cam.look[t, 0] + (c * qx + s * qy) / z
        py = cam.look[t, 1] + (-s * qx + c * qy) / z
        x, y = px, py
        for _ in range(2):
            dx, dy = elastic.displacement(x, y, t)
            x, y = px - dx, py - dy
        size = (self._cw * self._step, self._ch * self._step)
        mx = cv2.resize(x.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
        my = cv2.resize(y.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)
        a = self._crop
        return (mx[a:a + self.height, a:a + self.width].copy(),
                my[a:a + self.height, a:a + self.width].copy())

    def project(self, pts: np.ndarray, cam: CameraPath, elastic: ElasticField, t: int
                ) -> np.ndarray:
        """Frame ``(x, y)`` of canvas points ``pts`` ``(N, 2)`` in frame t."""
        dx, dy = elastic.displacement(pts[:, 0], pts[:, 1], t)
        px = pts[:, 0] + dx - cam.look[t, 0]
        py = pts[:, 1] + dy - cam.look[t, 1]
        c, s = np.cos(cam.angle[t]), np.sin(cam.angle[t])
        z = cam.zoom[t]
        qx = self.centre[0] + z * (c * px - s * py)
        qy = self.centre[1] + z * (s * px + c * py)
        return np.stack([qx, qy], 1).astype(np.float32)

    def inside(self, q: np.ndarray, margin: float = 0.0) -> np.ndarray:
        """Whether frame points ``q`` ``(N, 2)`` are inside the round view (and the frame)."""
        d = np.hypot(q[:, 0] - self.centre[0], q[:, 1] - self.centre[1])
        return (d <= self.radius - margin) & points_inside(q, (self.height, self.width), 0)


def motion_blur(img: np.ndarray, velocity: np.ndarray) -> np.ndarray:
    """Blur ``img`` along ``velocity`` (px/frame) with a line kernel; no-op when slow."""
    speed = float(np.hypot(*velocity))
    if speed < 1.5:
        return img
    n = int(min(2 * round(speed / 2) + 1, 31))
    k = np.zeros((n, n), np.float32)
    d = velocity / speed
    c = n // 2
    p0 = (int(round(c - d[0] * c)), int(round(c - d[1] * c)))
    p1 = (int(round(c + d[0] * c)), int(round(c + d[1] * c)))
    cv2.line(k, p0, p1, 1.0, 1)
    return cv2.filter2D(img, -1, k / k.sum())


def jitter_windows_from_mask(active: np.ndarray) -> List[Tuple[int, int]]:
    """``(start, stop)`` runs of True in a ``(T,)`` bool array."""
    a = np.concatenate([[0], active.astype(np.int8), [0]])
    d = np.diff(a)
    return list(zip(np.nonzero(d == 1)[0].tolist(), np.nonzero(d == -1)[0].tolist()))
