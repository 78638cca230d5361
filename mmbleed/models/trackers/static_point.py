# Copyright (c) mmbleed contributors. All rights reserved.
"""Static point: the query point in every later frame (the shortcut baseline of tracking).

The floor every tracker must clear (docs/shortcut_baselines.md; BleedOrigin §5 compares with
trackers that must beat it): it does not look at the frames at all, so its score measures
how far the source moves in a clip.
"""
import numpy as np

from mmbleed.registry import MODELS
from .base_tracker import BasePointTracker, TrackStep


@MODELS.register_module()
class StaticPointTracker(BasePointTracker):
    """Report the query points in every frame, visible, with confidence 1.

    Args:
        black_level (int): see :class:`BasePointTracker` (black frames still report the
            points as not visible). Defaults to 16.
    """

    def _init(self, frame: np.ndarray, points: np.ndarray) -> None:
        self._points = points

    def _step(self, frame: np.ndarray) -> TrackStep:
        k = len(self._points)
        return TrackStep(self._points.copy(), np.ones(k, bool), np.ones(k))
