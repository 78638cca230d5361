# Copyright (c) mmbleed contributors. All rights reserved.
"""The paper's six ESD scenarios: when each acts in a clip and how it changes a frame.

``SCENARIOS`` is the column order of ``scenario_active`` in the dense ground truth and the
vocabulary of ``clips.csv``. A :class:`ScenarioPlan` holds, per frame, the strength of every
effect; the ``apply_*`` functions render them (frame space, float32 BGR in ``[0, 1]``) and
return how much they cover each pixel, which decides the source's and the tracks' visibility.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .noise import fractal_noise, smooth_series

SCENARIOS: Tuple[str, ...] = ('clear view', 'obscured view', 'camera jitter', 'light reflection',
                              'water flushing', 'instrument interference')
EFFECTS = SCENARIOS[1:]


@dataclass
class ScenarioPlan:
    """Which scenario effects act when, for a clip of ``T`` frames.

    Attributes:
        scenarios (tuple[str]): the clip's scenarios as written to ``clips.csv``.
        strength (dict[str, np.ndarray]): ``(T,)`` float32 strength in ``[0, 1]`` of each of
            the five effects (``'clear view'`` has none).
        tool (dict): instrument geometry (entry angle, tip target offset, kind).
    """
    scenarios: Tuple[str, ...]
    strength: Dict[str, np.ndarray]
    tool: Dict[str, float] = field(default_factory=dict)

    @property
    def active(self) -> np.ndarray:
        """``(T, 6)`` bool: effect acting in each frame; 'clear view' when none of the others."""
        cols = [self.strength[name] > 0.05 for name in EFFECTS]
        eff = np.stack(cols, 1)
        return np.concatenate([~eff.any(1, keepdims=True), eff], 1)


def _window(T: int, start: int, length: int, rise: int, fall: int) -> np.ndarray:
    """Trapezoid envelope ``(T,)`` rising over ``rise`` frames and falling over ``fall``."""
    t = np.arange(T, dtype=np.float32)
    up = np.clip((t - start + 1) / max(rise, 1), 0, 1)
    down = np.clip((start + length - t) / max(fall, 1), 0, 1)
    return np.minimum(up, down).astype(np.float32)


def sample_scenario_plan(rng: np.random.Generator, num_frames: int, onset: Optional[int],
                         scenarios: Optional[Sequence[str]] = None) -> ScenarioPlan:
    """Choose the clip's scenarios (unless given) and schedule their effects.

    Args:
        rng: random generator (the scenarios' own stream).
        num_frames: ``T``.
        onset: onset frame or None (negative clip); some events are placed after it.
        scenarios: force these scenarios instead of sampling them.
    """
    T = num_frames
    if scenarios is None:
        if rng.random() < 0.18:
            chosen = ['clear view']
        else:
            k = int(rng.choice([1, 2, 3], p=[0.35, 0.45, 0.2]))
            chosen = list(rng.choice(EFFECTS, size=k, replace=False,
                                     p=[0.18, 0.24, 0.18, 0.22, 0.18]))
    else:
        chosen = list(scenarios)
        unknown = set(chosen) - set(SCENARIOS)
        if unknown:
            raise ValueError(f'unknown scenarios {sorted(unknown)}; choose from {SCENARIOS}')
    chosen = [s for s in SCENARIOS if s in chosen] or ['clear view']
    if len(chosen) > 1 and 'clear view' in chosen:
        chosen.remove('clear view')
    strength = {name: np.zeros(T, np.float32) for name in EFFECTS}
    n_events = max(1, int(round(T / 120)))

    def anywhere() -> int:
        return int(rng.integers(0, max(1, T - 6)))

    def flush_start() -> int:
        # surgeons flush once they see blood: often some frames after the onset
        if onset is not None and onset + 9 < T - 4 and rng.random() < 0.6:
            return int(rng.integers(onset + 9, max(onset + 10, min(T - 4, onset + 26))))
        return anywhere()

    if 'obscured view' in chosen:
        base = rng.uniform(0.35, 0.7)
        var = 0.5 + 0.5 * np.clip(smooth_series(rng, T, rng.uniform(20, 60)), -1, 1)
        s = base * (0.45 + 0.55 * var)
        if rng.random() < 0.4 and T > 40:  # smoke puff that clears
            s = s * _window(T, int(rng.integers(0, T // 2)), int(rng.integers(T // 3, T)), 10, 25)
        strength['obscured view'] = np.clip(s, 0, 1).astype(np.float32)
    if 'camera jitter' in chosen:
        s = np.zeros(T, np.float32)
        for _ in range(n_events + int(rng.integers(0, 3))):
            a = anywhere()
            s[a:a + int(rng.integers(6, 28))] = 1.0
        strength['camera jitter'] = s
    if 'light reflection' in chosen:
        s = np.zeros(T, np.float32)
        for _ in range(n_events + int(rng.integers(0, 2))):
            a = anywhere()
            s = np.maximum(s, rng.uniform(0.6, 1.0) * _window(
                T, a, int(rng.integers(20, 70)), int(rng.integers(3, 10)), int(rng.integers(5, 15))))
        strength['light reflection'] = s
    if 'water flushing' in chosen:
        s = np.zeros(T, np.float32)
        for _ in range(n_events + int(rng.integers(0, 2))):
            a = flush_start()
            length = int(rng.integers(12, 32))
            s = np.maximum(s, rng.uniform(0.75, 1.0) * _window(T, a, length, 3, max(4, length // 2)))
        strength['water flushing'] = s
    tool: Dict[str, float] = {}
    if 'instrument interference' in chosen:
        s = np.zeros(T, np.float32)
        for _ in range(n_events):
            a = anywhere()
            length = int(rng.integers(25, 80))
            s = np.maximum(s, _window(T, a, length, int(rng.integers(6, 15)), int(rng.integers(6, 15))))
        strength['instrument interference'] = s
        tool = dict(angle=float(rng.uniform(0, 2 * np.pi)), sway=float(rng.uniform(0.05, 0.25)),
                    reach=float(rng.uniform(0.75, 1.15)), width=float(rng.uniform(14, 22)),
                    target_dx=float(rng.normal(0, 0.15)), target_dy=float(rng.normal(0, 0.15)))
    return ScenarioPlan(tuple(chosen), strength, tool)


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


def scenarios_to_str(scenarios: Sequence[str]) -> str:
    """``clips.csv`` form: ``;``-separated, in the canonical order."""
    return ';'.join(s for s in SCENARIOS if s in scenarios)


def effect_names() -> List[str]:
    """The five effects (all scenarios but 'clear view')."""
    return list(EFFECTS)
