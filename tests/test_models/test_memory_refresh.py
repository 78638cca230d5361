# Copyright (c) mmbleed contributors. All rights reserved.
"""Memory refresh (§4.3, Fig. 13): the wrapped tracker is re-queried at its own prediction
every N frames, or, in the adaptive mode, only after a confident visible streak and never
while the point is judged occluded."""
import numpy as np
import pytest

from mmbleed.models.trackers import BasePointTracker, MemoryRefresh, TrackStep
from mmbleed.registry import MODELS


class ScriptedTracker(BasePointTracker):
    """Moves the point by +1 px in x a frame from wherever it was (re-)queried, and says
    visible / confident as scripted per call of step() since the last init()."""

    def __init__(self, visible=None, confidence=None):
        super().__init__(black_level=-1)
        self.visible, self.confidence = visible, confidence
        self.inits = []

    def _init(self, frame, points):
        self.inits.append(points.copy())
        self._points, self._calls = points.copy(), 0

    def _step(self, frame):
        self._calls += 1
        self._points = self._points + [1.0, 0.0]
        n = self.frame_index
        vis = True if self.visible is None else self.visible(n)
        conf = 1.0 if self.confidence is None else self.confidence(n)
        return TrackStep(self._points.copy(), np.array([vis]), np.array([conf]))


FRAME = np.full((40, 200, 3), 100, np.uint8)


def run(tracker, frames=100):
    outs = [tracker.init(FRAME, np.array([[10.0, 20.0]]))]
    outs += [tracker.step(FRAME) for _ in range(frames - 1)]
    return np.array([o.points[0, 0] for o in outs])


def test_fixed_interval_requeries_at_the_prediction():
    inner = ScriptedTracker()
    refresh = MemoryRefresh(inner, interval=30)
    xs = run(refresh)
    assert refresh.refreshed_at == [30, 60, 90]
    # re-queried where it predicted: the points go on from there, nothing jumps
    assert np.allclose(np.diff(xs), 1.0)
    assert [p[0, 0] for p in inner.inits] == [10.0, 40.0, 70.0, 100.0]
    none = MemoryRefresh(ScriptedTracker(), interval=None)
    run(none)
    assert none.refreshed_at == []


def test_adaptive_waits_for_a_confident_streak_and_never_refreshes_while_occluded():
    # judged occluded on frames 20-80 of the stream, confident elsewhere
    inner = ScriptedTracker(visible=lambda n: not 20 <= n <= 80)
    refresh = MemoryRefresh(inner, adaptive=True, patience=10, min_gap=30)
    run(refresh, frames=140)
    assert refresh.refreshed_at, 'never refreshed'
    for n in refresh.refreshed_at:
        assert not 20 <= n <= 80
        assert n >= 81 + 10 - 1 or n < 20  # a full streak after the occlusion ends
    assert np.all(np.diff([0] + refresh.refreshed_at) >= 30)
    # a tracker that is never confident is never refreshed
    unsure = MemoryRefresh(ScriptedTracker(confidence=lambda n: 0.5), adaptive=True)
    run(unsure)
    assert unsure.refreshed_at == []


def test_builds_from_config_and_requeries_inside_the_frame():
    refresh = MODELS.build(dict(type='MemoryRefresh', tracker=dict(type='StaticPointTracker'),
                                interval=5))
    run(refresh, frames=12)
    assert refresh.refreshed_at == [5, 10]
    runaway = MemoryRefresh(ScriptedTracker(), interval=50)
    xs = run(runaway, frames=260)  # walks off the 200 px frame, re-queried at its edge
    assert runaway.refreshed_at == [50, 100, 150, 200, 250]
    assert runaway.tracker.inits[-1][0, 0] == 199.0 and xs[-1] > 199.0
    with pytest.raises(ValueError, match='interval'):
        MemoryRefresh(ScriptedTracker(), interval=0)
    with pytest.raises(TypeError):
        MemoryRefresh(object())
