# Copyright (c) mmbleed contributors. All rights reserved.
"""The paper's six ESD scenarios: which a clip has, and when each acts in it.

``SCENARIOS`` is the column order of ``scenario_active`` in the dense ground truth and the
vocabulary of ``clips.csv``. A :class:`ScenarioPlan` holds, per frame, the strength of every
effect; ``scenario_renderer.py`` renders them. Besides the random events of each scenario, a
plan can carry *hide events* (``HIDE_CAUSES``): windows in which water, the knife or pooled
blood is made to cover the bleeding source, after which it is seen again — what a tracker's
memory must bridge.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .noise import smooth_series

SCENARIOS: Tuple[str, ...] = ('clear view', 'obscured view', 'camera jitter', 'light reflection',
                              'water flushing', 'instrument interference')
EFFECTS = SCENARIOS[1:]

#: what a hide event covers the source with, and the scenario it belongs to
HIDE_CAUSES: Dict[str, str] = {
    'water': 'water flushing',
    'instrument': 'instrument interference',
    'blood': 'obscured view',
}

#: ``(cause, start, stop)``: the source is covered in frames ``start <= t < stop``
HideEvent = Tuple[str, int, int]


@dataclass
class ScenarioPlan:
    """Which scenario effects act when, for a clip of ``T`` frames.

    Attributes:
        scenarios (tuple[str]): the clip's scenarios as written to ``clips.csv``.
        strength (dict[str, np.ndarray]): ``(T,)`` float32 strength in ``[0, 1]`` of each of
            the five effects (``'clear view'`` has none).
        tool (dict): instrument geometry (entry angle, tip target offset, kind).
        tool_cover (np.ndarray): ``(T,)`` bool, frames in which the knife lies over the source
            (instrument hide events).
        blood_pool (list[tuple[int, int]]): ``(start, stop)`` windows in which blood pools
            over the source (blood hide events; they count as 'obscured view').
        hide_events (tuple[HideEvent]): the hide events the plan was made with.
    """
    scenarios: Tuple[str, ...]
    strength: Dict[str, np.ndarray]
    tool: Dict[str, float] = field(default_factory=dict)
    tool_cover: Optional[np.ndarray] = None
    blood_pool: List[Tuple[int, int]] = field(default_factory=list)
    hide_events: Tuple[HideEvent, ...] = ()

    @property
    def active(self) -> np.ndarray:
        """``(T, 6)`` bool: effect acting in each frame; 'clear view' when none of the others."""
        cols = [self.strength[name] > 0.05 for name in EFFECTS]
        eff = np.stack(cols, 1)
        for a, b in self.blood_pool:
            eff[a:b, EFFECTS.index('obscured view')] = True
        return np.concatenate([~eff.any(1, keepdims=True), eff], 1)


def sample_tool(rng: np.random.Generator) -> Dict[str, float]:
    """The knife's geometry for a clip: entry angle at the view's border (rad), sway, reach
    (share of the way to its goal), width (px at unit 1) and the goal's offset from the
    source (view radii)."""
    return dict(angle=float(rng.uniform(0, 2 * np.pi)), sway=float(rng.uniform(0.05, 0.25)),
                reach=float(rng.uniform(0.75, 1.15)), width=float(rng.uniform(14, 22)),
                target_dx=float(rng.normal(0, 0.15)), target_dy=float(rng.normal(0, 0.15)))


def _window(T: int, start: int, length: int, rise: int, fall: int) -> np.ndarray:
    """Trapezoid envelope ``(T,)`` rising over ``rise`` frames and falling over ``fall``."""
    t = np.arange(T, dtype=np.float32)
    up = np.clip((t - start + 1) / max(rise, 1), 0, 1)
    down = np.clip((start + length - t) / max(fall, 1), 0, 1)
    return np.minimum(up, down).astype(np.float32)


def sample_scenario_plan(rng: np.random.Generator, num_frames: int, onset: Optional[int],
                         scenarios: Optional[Sequence[str]] = None,
                         hide_events: Sequence[HideEvent] = ()) -> ScenarioPlan:
    """Choose the clip's scenarios (unless given) and schedule their effects.

    Args:
        rng: random generator (the scenarios' own stream).
        num_frames: ``T``.
        onset: onset frame or None (negative clip); some events are placed after it.
        scenarios: force these scenarios instead of sampling them.
        hide_events: ``(cause, start, stop)`` windows in which the source is covered by
            ``cause`` (``HIDE_CAUSES``); the cause's scenario is added to the clip's.
            Water flushes at full strength over the window, the knife is laid over the
            source (``tool_cover``), blood pools over it (``blood_pool``).
    """
    for cause, a, b in hide_events:
        if cause not in HIDE_CAUSES:
            raise ValueError(f'unknown hide cause {cause!r}; choose from {list(HIDE_CAUSES)}')
        if not 0 <= a < b <= num_frames:
            raise ValueError(f'hide event {(cause, a, b)} is outside the clip (0..{num_frames})')
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
    sampled = set(chosen)  # the scenarios whose random events are drawn below
    chosen = chosen + [HIDE_CAUSES[c] for c, _, _ in hide_events]
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

    if 'obscured view' in sampled:
        base = rng.uniform(0.35, 0.7)
        var = 0.5 + 0.5 * np.clip(smooth_series(rng, T, rng.uniform(20, 60)), -1, 1)
        s = base * (0.45 + 0.55 * var)
        if rng.random() < 0.4 and T > 40:  # smoke puff that clears
            s = s * _window(T, int(rng.integers(0, T // 2)), int(rng.integers(T // 3, T)), 10, 25)
        strength['obscured view'] = np.clip(s, 0, 1).astype(np.float32)
    if 'camera jitter' in sampled:
        s = np.zeros(T, np.float32)
        for _ in range(n_events + int(rng.integers(0, 3))):
            a = anywhere()
            s[a:a + int(rng.integers(6, 28))] = 1.0
        strength['camera jitter'] = s
    if 'light reflection' in sampled:
        s = np.zeros(T, np.float32)
        for _ in range(n_events + int(rng.integers(0, 2))):
            a = anywhere()
            s = np.maximum(s, rng.uniform(0.6, 1.0) * _window(
                T, a, int(rng.integers(20, 70)), int(rng.integers(3, 10)), int(rng.integers(5, 15))))
        strength['light reflection'] = s
    if 'water flushing' in sampled:
        s = np.zeros(T, np.float32)
        for _ in range(n_events + int(rng.integers(0, 2))):
            a = flush_start()
            length = int(rng.integers(12, 32))
            s = np.maximum(s, rng.uniform(0.75, 1.0) * _window(T, a, length, 3, max(4, length // 2)))
        strength['water flushing'] = s
    if 'instrument interference' in sampled:
        s = np.zeros(T, np.float32)
        for _ in range(n_events):
            a = anywhere()
            length = int(rng.integers(25, 80))
            s = np.maximum(s, _window(T, a, length, int(rng.integers(6, 15)), int(rng.integers(6, 15))))
        strength['instrument interference'] = s
    # the knife's geometry, also for a knife that only comes in to hide the source
    tool = sample_tool(rng) if 'instrument interference' in chosen else {}
    tool_cover = np.zeros(T, bool)
    blood_pool: List[Tuple[int, int]] = []
    for cause, a, b in hide_events:
        if cause == 'water':  # a hard flush at full strength over frames a-1 .. b-1
            s = _window(T, a - 3, b - a + 8, 3, 6)
            strength['water flushing'] = np.maximum(strength['water flushing'], s)
        elif cause == 'instrument':  # the knife comes in, lies over the source, leaves
            s = _window(T, a - 8, b - a + 16, 8, 8)
            strength['instrument interference'] = np.maximum(
                strength['instrument interference'], s)
            tool_cover[a:b] = True
        else:
            blood_pool.append((a, b))
    return ScenarioPlan(tuple(chosen), strength, tool, tool_cover, blood_pool,
                        tuple(hide_events))


def balanced_scenarios(rng: np.random.Generator, num_clips: int,
                       extra_p: Sequence[float] = (0.45, 0.4, 0.15)
                       ) -> List[Tuple[str, ...]]:
    """Scenarios for ``num_clips`` clips, every scenario equally often as a clip's first.

    Clip ``i`` gets the ``i``-th scenario of a shuffled cycle over ``SCENARIOS`` (so each of
    the six is the main scenario of ``num_clips / 6`` clips, ±1), then, unless it is
    'clear view', 0, 1 or 2 more effects with probabilities ``extra_p``.
    """
    out: List[Tuple[str, ...]] = []
    cycle: List[str] = []
    for _ in range(num_clips):
        if not cycle:
            cycle = list(rng.permutation(SCENARIOS))
        main = cycle.pop()
        chosen = [main]
        if main != 'clear view':
            others = [s for s in EFFECTS if s != main]
            k = int(rng.choice(len(extra_p), p=extra_p))
            chosen += list(rng.choice(others, size=k, replace=False))
        out.append(tuple(s for s in SCENARIOS if s in chosen))
    return out


def scenarios_to_str(scenarios: Sequence[str]) -> str:
    """``clips.csv`` form: ``;``-separated, in the canonical order."""
    return ';'.join(s for s in SCENARIOS if s in scenarios)


def effect_names() -> List[str]:
    """The five effects (all scenarios but 'clear view')."""
    return list(EFFECTS)
