# Copyright (c) mmbleed contributors. All rights reserved.
"""Render the effects of a :class:`~.scenarios.ScenarioPlan` onto frames (frame space,
float32 BGR in ``[0, 1]``); each ``apply_*`` returns how much it covers each pixel, which
decides the source's and the tracks' visibility.

The effects themselves live one per module: :mod:`.smoke` (cautery smoke, 'obscured view'),
:mod:`.flushing` (water flushing), :mod:`.instrument` (the ESD knife), :mod:`.glare` (light
reflection). Each effect gets its own random stream spawned from the renderer's, so what one
effect draws never changes another, and an effect a clip does not have costs nothing (not
even its set-up).
"""
from typing import Optional

import numpy as np

from .flushing import WaterFlush
from .glare import GlareReflection
from .instrument import ESDKnife
from .scenarios import ScenarioPlan
from .smoke import CauterySmoke

#: effect strength below which an effect is off (as in ``ScenarioPlan.active``)
ACTIVE_THR = 0.05


class ScenarioRenderer:
    """Renders the effects of a :class:`ScenarioPlan` onto frames.

    Args:
        rng: random generator (the renderer's own stream).
        plan: the plan (``plan.tool_cover``, when not None, is a ``(T,)`` bool array of
            frames in which the knife must lie over the source; a plan with the knife carries
            its geometry in ``plan.tool``, as ``sample_scenario_plan`` makes it).
        width, height: frame size.
        unit: pixel scale (frame height / 272).
        centre, radius: the round view (``EndoscopeView.centre`` and ``.radius``); smoke
            and water are laid out with them, the knife uses the ones given to
            ``apply_tool``.
    """

    def __init__(self, rng: np.random.Generator, plan: ScenarioPlan, width: int, height: int,
                 unit: float, centre: np.ndarray, radius: float) -> None:
        self.plan = plan
        self.w, self.h, self.unit = width, height, unit
        self.centre = np.asarray(centre, np.float32)
        self.radius = float(radius)
        # one child stream per effect, always drawn in the same order
        names = ('smoke', 'flush', 'knife', 'glare')
        seeds = rng.integers(0, 2 ** 63 - 1, size=len(names))
        self._seeds = {name: int(v) for name, v in zip(names, seeds)}
        st = plan.strength
        T = len(next(iter(st.values())))
        self.tool_cover = (np.zeros(T, bool) if plan.tool_cover is None
                           else np.asarray(plan.tool_cover, bool).reshape(T))
        self.smoke: Optional[CauterySmoke] = None
        self.flush: Optional[WaterFlush] = None
        self.knife: Optional[ESDKnife] = None
        self.glare_fx: Optional[GlareReflection] = None
        if st['obscured view'].max() > ACTIVE_THR:
            self.smoke = CauterySmoke(self._rng('smoke'), st['obscured view'], width, height,
                                      unit, self.centre, self.radius)
        if st['water flushing'].max() > ACTIVE_THR:
            self.flush = WaterFlush(self._rng('flush'), st['water flushing'], width, height, unit,
                                    self.centre, self.radius)
        if st['instrument interference'].max() > ACTIVE_THR or self.tool_cover.any():
            if not plan.tool:
                raise ValueError('the plan has instrument interference but no knife geometry '
                                 '(ScenarioPlan.tool is empty; give tool=sample_tool(rng))')
            self.knife = ESDKnife(self._rng('knife'), plan.tool, st['instrument interference'],
                                  self.tool_cover, width, height, unit, self.radius)
        if st['light reflection'].max() > ACTIVE_THR:
            self.glare_fx = GlareReflection(self._rng('glare'), st['light reflection'], width,
                                            height, unit)

    def _rng(self, name: str) -> np.random.Generator:
        return np.random.default_rng(self._seeds[name])

    def apply_flush(self, img: np.ndarray, t: int, blood: Optional[np.ndarray] = None
                    ) -> Optional[np.ndarray]:
        """Water flushing: a jet from the view's border, streaks, bubbles, refraction and
        turbidity (pink where ``blood``, the frame's ``(H, W)`` blood alpha, is); returns its
        cover map (>= 0.6 over most of the view at strength 1) or None when off."""
        if self.flush is None:
            return None
        return self.flush.apply(img, t, blood)

    def apply_tool(self, img: np.ndarray, t: int, centre: np.ndarray, radius: float,
                   target: np.ndarray) -> Optional[np.ndarray]:
        """Instrument interference: the ESD knife entering from the view's edge, its tip
        approaching ``target`` (frame px, offset by the plan's ``target_dx/dy``); in frames
        flagged in ``plan.tool_cover`` its sheath lies over ``target`` (mask there >= 0.9).
        Returns its ``(H, W)`` mask or None when off."""
        if self.knife is None:
            return None
        return self.knife.apply(img, t, centre, radius, target)

    def apply_smoke(self, img: np.ndarray, t: int) -> Optional[np.ndarray]:
        """Obscured view: cautery smoke plumes plus diffuse turbidity; returns its cover or
        None when off."""
        if self.smoke is None:
            return None
        return self.smoke.apply(img, t)

    def glare_boost(self, t: int) -> float:
        """Light reflection's boost of the wet specular highlights in frame ``t`` (1 = none;
        see :func:`.lighting.wet_sheen`); the glare patch itself is drawn by ``apply_glare``."""
        return 1.0 if self.glare_fx is None else self.glare_fx.boost(t)

    def apply_glare(self, img: np.ndarray, t: int, centre: np.ndarray, radius: float
                    ) -> Optional[np.ndarray]:
        """Light reflection drawn in place (saturated core, warm tinted bloom, only in its
        bounding box); returns its ``(H, W)`` cover (the glare patch, 1 in its saturated core)
        or None when off."""
        if self.glare_fx is None:
            return None
        return self.glare_fx.apply(img, t, centre, radius)
