# Copyright (c) mmbleed contributors. All rights reserved.
"""Pyramidal Lucas-Kanade point tracker with a forward-backward check (a classical baseline).

Implements pyramidal Lucas-Kanade (Lucas and Kanade, 1981; Bouguet, "Pyramidal
Implementation of the Lucas Kanade Feature Tracker", Intel, 2000) through OpenCV's
``cv2.calcOpticalFlowPyrLK``, chained frame to frame from the query points, with the
forward-backward error of Kalal et al. ("Forward-Backward Error: Automatic Detection of
Tracking Failures", ICPR 2010) as its failure test. It is the Lucas-Kanade row of the
tracking baselines (BleedOrigin §5; issue 9) and of docs/shortcut_baselines.md, whose tool
(``tools/analysis_tools/hand_crafted_baselines.py``) uses this class.
"""
import cv2
import numpy as np

from mmbleed.registry import MODELS
from mmbleed.utils import points_inside
from .base_tracker import BasePointTracker, TrackStep


@MODELS.register_module()
class PyramidalLKTracker(BasePointTracker):
    """Pyramidal Lucas-Kanade, frame to frame, with a forward-backward check.

    Each step tracks every point from the previous frame into this one and back again. A
    point's step is accepted when both directions converge, its forward-backward error (the
    distance between where it started and where the backward track ends) is at most
    ``fb_thr`` px and it stays inside the frame; otherwise the point is lost for this frame:
    its last accepted position is kept and reported with ``visible = False``, and the next
    step tracks on from there. The defaults are OpenCV's usual parameters (not tuned).

    ``confidence = clip(1 - e / (2 * fb_thr), 0, 1)`` for a forward-backward error ``e`` of
    a converged step inside the frame (0 otherwise), so an accepted step has a confidence of
    at least 0.5.

    Args:
        win_size (int): LK window side (px). Defaults to 21.
        max_level (int): pyramid levels above the frame. Defaults to 3.
        fb_thr (float): forward-backward error bound (px). Defaults to 1.0.
        max_iter (int): LK iterations per level. Defaults to 30.
        eps (float): LK convergence bound. Defaults to 0.01.
        black_level (int): see :class:`BasePointTracker`. Defaults to 16.
    """

    def __init__(self,
                 win_size: int = 21,
                 max_level: int = 3,
                 fb_thr: float = 1.0,
                 max_iter: int = 30,
                 eps: float = 0.01,
                 black_level: int = 16) -> None:
        super().__init__(black_level=black_level)
        self.win_size = win_size
        self.max_level = max_level
        self.fb_thr = fb_thr
        self.lk = dict(
            winSize=(win_size, win_size),
            maxLevel=max_level,
            criteria=(cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, max_iter, eps))
        self._gray = None
        self._points = None

    def _init(self, frame: np.ndarray, points: np.ndarray) -> None:
        self._gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        self._points = points.astype(np.float32).reshape(-1, 1, 2)

    def _step(self, frame: np.ndarray) -> TrackStep:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        k = len(self._points)
        fwd, st_f, _ = cv2.calcOpticalFlowPyrLK(self._gray, gray, self._points, None,
                                                **self.lk)
        confidence = np.zeros(k)
        ok = np.zeros(k, bool)
        if fwd is not None:
            converged = st_f.reshape(k).astype(bool)
            back, st_b, _ = cv2.calcOpticalFlowPyrLK(gray, self._gray, fwd, None, **self.lk)
            if back is not None:
                converged &= st_b.reshape(k).astype(bool)
                fb_err = np.linalg.norm(back[:, 0] - self._points[:, 0], axis=1)
                inside = points_inside(fwd[:, 0], gray.shape)
                ok = converged & (fb_err <= self.fb_thr) & inside
                confidence = np.where(converged & inside,
                                      np.clip(1.0 - fb_err / (2.0 * self.fb_thr), 0.0, 1.0),
                                      0.0)
            self._points = np.where(ok[:, None, None], fwd, self._points).astype(np.float32)
        self._gray = gray
        return TrackStep(self._points[:, 0].astype(np.float64), ok, confidence)
