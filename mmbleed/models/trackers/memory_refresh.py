# Copyright (c) mmbleed contributors. All rights reserved.
"""Memory refresh (BleedOrigin §4.3 and Fig. 13): re-query a tracker at its own prediction.

A tracker that holds on to its first view of the point (Track-On's query and memories, the
MFT chain's query-frame anchor) loses it when the scene changes for good: blood covers the
tissue, the camera moves far away. The paper re-queries every N frames (its best N is 60):
the tracker starts again from the current frame at the point it predicts there. Its
future work 3 asks for a refresh that knows when it is safe; mmbleed's *adaptive* mode
refreshes only after the tracker has judged every point visible with confidence at least
``conf_thr`` for ``patience`` frames in a row, at least ``min_gap`` frames after the last
refresh, and therefore never while the source is judged occluded (re-querying on blood or an
instrument would replace the source by what covers it).

:class:`MemoryRefresh` wraps any :class:`BasePointTracker` and is one itself, so a refreshed
tracker is evaluated and deployed through the same ``init`` / ``step`` calls.
"""
from typing import List, Optional, Union

import numpy as np

from mmbleed.registry import MODELS
from .base_tracker import BasePointTracker, TrackStep, as_point_tracker


@MODELS.register_module()
class MemoryRefresh(BasePointTracker):
    """Re-query ``tracker`` at its prediction every ``interval`` frames, or adaptively.

    Args:
        tracker (dict | BasePointTracker): the tracker to refresh (config built from
            ``MODELS``).
        interval (int, optional): refresh every this many frames (the paper: 30, 60, 390);
            None: no fixed refresh. Defaults to 60.
        adaptive (bool): refresh only when it is safe (module docstring) instead of on a
            fixed clock; ``interval`` is then unused. Defaults to False.
        conf_thr (float): confidence every point needs for a frame to count as confident
            (adaptive). Defaults to 0.8.
        patience (int): confident frames in a row needed before a refresh (adaptive).
            Defaults to 10.
        min_gap (int): frames at least between two refreshes (adaptive). Defaults to 30.
        black_level (int): see :class:`BasePointTracker`. Defaults to 16.

    Attributes:
        refreshed_at (list[int]): frame indices (0 = the ``init`` frame) of this stream's
            refreshes.
    """

    def __init__(self,
                 tracker: Union[dict, BasePointTracker],
                 interval: Optional[int] = 60,
                 adaptive: bool = False,
                 conf_thr: float = 0.8,
                 patience: int = 10,
                 min_gap: int = 30,
                 black_level: int = 16) -> None:
        super().__init__(black_level=black_level)
        if interval is not None and interval < 1:
            raise ValueError(f'interval must be >= 1 frame or None, got {interval}')
        if patience < 1 or min_gap < 1:
            raise ValueError(f'patience and min_gap must be >= 1, got {patience} and {min_gap}')
        self.tracker = as_point_tracker(tracker)
        self.interval = interval
        self.adaptive = adaptive
        self.conf_thr = conf_thr
        self.patience = patience
        self.min_gap = min_gap
        self.refreshed_at: List[int] = []

    def _init(self, frame: np.ndarray, points: np.ndarray) -> None:
        self.tracker.init(frame, points)
        self._since = 0  # frames since the (re-)query
        self._streak = 0  # confident frames in a row
        self.refreshed_at = []

    def _due(self, out: TrackStep) -> bool:
        if not self.adaptive:
            return self.interval is not None and self._since >= self.interval
        confident = bool(np.all(out.visible & (out.confidence >= self.conf_thr)))
        self._streak = self._streak + 1 if confident else 0
        return self._streak >= self.patience and self._since >= self.min_gap

    def _step(self, frame: np.ndarray) -> TrackStep:
        out = self.tracker.step(frame)
        self._since += 1
        if self._due(out):
            h, w = frame.shape[:2]  # a prediction off the frame re-queries at its edge
            self.tracker.init(frame, np.clip(out.points, 0, [w - 1, h - 1]))
            self._since = 0
            self._streak = 0
            self.refreshed_at.append(self.frame_index)
        return out
