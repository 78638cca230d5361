# Copyright (c) mmbleed contributors. All rights reserved.
"""The one point-tracker interface of mmbleed: ``init(frame, points)``, then ``step(frame)``.

Every tracker of the project, learned or not (BleedOrigin §4.3 and the baselines of §5:
static point, pyramidal Lucas-Kanade, MFT-style flow chaining), is driven through these two
calls, online, one frame at a time, and evaluation over a clip goes through the same calls
(:class:`OnlinePointTracker`), so what is measured is what is deployed.

Shapes and units (``K`` query points, frames ``H x W``):

- ``frame``: ``(H, W, 3)`` uint8 BGR (what :class:`LoadFrames` and OpenCV give).
- ``points``: ``(K, 2)`` float ``(x, y)`` in the frame's own (original) pixels, pixel
  centres at integers, so a frame spans ``[-0.5, W - 0.5] x [-0.5, H - 0.5]``
  (docs/data_format.md §1).
- :class:`TrackStep`: ``points (K, 2)``, ``visible (K,)`` bool, ``confidence (K,)`` in
  ``[0, 1]``, in the same pixels. A tracker that runs at another resolution resizes inside
  :meth:`BasePointTracker._init` / :meth:`BasePointTracker._step` and scales back there;
  nothing outside a tracker sees its resolution.

Checked here, once for every tracker, each with one line (``ValueError``) that names the
frame (0 = the frame given to ``init``, counted since then) and the problem: a frame that is
not ``(H, W, 3)`` uint8; a frame whose size differs from the first frame's; ``step`` before
``init``; a points array that is empty, not ``(K, 2)`` or not finite; a query point outside
the frame.

Black frames (defined behaviour, the same for every tracker): a frame is *black* when fewer
than 1 % of its pixels have a channel above ``black_level`` (a dropped frame, the light
switched off, the scope pulled out).

- A black **first** frame gives the tracker nothing to hold on to: the points stay where they
  were queried with ``visible = False`` and ``confidence = 0`` until the first frame that is
  not black; that frame becomes the query frame, at the queried points (assumed not to have
  moved), and is reported the same way; tracking starts with the frame after it.
- A black frame **later** on is not shown to the tracker (its state stays on the last real
  frame): the last points are repeated with ``visible = False`` and ``confidence = 0``.
"""
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import numpy as np

from mmbleed.registry import MODELS
from mmbleed.utils import points_inside

#: share of pixels that must exceed ``black_level`` for a frame not to be black
BLACK_MIN_SHARE = 0.01


@dataclass
class TrackStep:
    """A tracker's output for one frame (original pixels).

    Attributes:
        points (np.ndarray): ``(K, 2)`` float64 ``(x, y)``.
        visible (np.ndarray): ``(K,)`` bool, the point is judged visible in this frame.
        confidence (np.ndarray): ``(K,)`` float64 in ``[0, 1]``.
    """
    points: np.ndarray
    visible: np.ndarray
    confidence: np.ndarray

    @classmethod
    def held(cls, points: np.ndarray) -> 'TrackStep':
        """``points`` kept where they are, judged not visible, confidence 0."""
        k = len(points)
        return cls(np.array(points, dtype=np.float64), np.zeros(k, bool), np.zeros(k))


def is_black(frame: np.ndarray, black_level: int) -> bool:
    """Whether fewer than ``BLACK_MIN_SHARE`` of ``frame``'s pixels have a channel above
    ``black_level`` (``frame``: ``(H, W, 3)`` uint8)."""
    limit = BLACK_MIN_SHARE * frame.shape[0] * frame.shape[1]
    # a pixel above the level has 1 to 3 channel values above it: decide on the (fast)
    # count of values when it is conclusive, per pixel otherwise
    values = np.count_nonzero(frame > black_level)
    if values < limit or values >= 3 * limit:
        return values < limit
    return np.count_nonzero(frame.max(axis=2) > black_level) < limit


class BasePointTracker(metaclass=ABCMeta):
    """Base of every point tracker: checks inputs, handles black frames, keeps the state.

    Subclasses implement :meth:`_init` (start from ``points`` in ``frame``) and
    :meth:`_step` (track into ``frame``), which are only ever called with checked inputs:
    a non-black ``(H, W, 3)`` uint8 frame of the first frame's size and finite ``(K, 2)``
    float64 points inside it. Calling :meth:`init` again starts a new stream (a new clip).

    Args:
        black_level (int): a frame is black when fewer than 1 % of its pixels have a
            channel above this value (see the module docstring); a negative value turns
            the black-frame handling off. Defaults to 16.
    """

    def __init__(self, black_level: int = 16) -> None:
        self.black_level = black_level
        self._shape: Optional[Tuple[int, int]] = None
        self._index = 0
        self._query: Optional[np.ndarray] = None
        self._anchored = False
        self._last: Optional[TrackStep] = None

    # ----------------------------------------------------------------------- the interface
    def init(self, frame: np.ndarray, points: np.ndarray) -> TrackStep:
        """Start tracking ``points`` from ``frame`` (frame 0 of a new stream).

        Args:
            frame (np.ndarray): ``(H, W, 3)`` uint8 BGR.
            points (np.ndarray): ``(K, 2)`` ``(x, y)`` in ``frame``'s pixels, ``K >= 1``.

        Returns:
            TrackStep: frame 0's output: the query points, visible with confidence 1 (held
            with confidence 0 when ``frame`` is black).
        """
        frame = self._check_frame(frame, 0)
        points = self._check_points(points, frame.shape[:2])
        self._shape = frame.shape[:2]
        self._index = 0
        self._query = points
        self._anchored = not self._black(frame)
        if self._anchored:
            self._init(frame, points.copy())
            out = TrackStep(points.copy(), np.ones(len(points), bool), np.ones(len(points)))
        else:
            out = TrackStep.held(points)
        self._last = out
        return out

    def step(self, frame: np.ndarray) -> TrackStep:
        """Track the points into the next frame of the stream.

        Args:
            frame (np.ndarray): ``(H, W, 3)`` uint8 BGR, the size of the first frame.

        Returns:
            TrackStep: ``points (K, 2)``, ``visible (K,)``, ``confidence (K,)`` in original
            pixels.
        """
        if self._shape is None:
            raise ValueError('step() before init(): call init(frame, points) with the first '
                             'frame of the stream (frame 0) first')
        index = self._index + 1
        frame = self._check_frame(frame, index)
        if frame.shape[:2] != self._shape:
            (h0, w0), (h, w) = self._shape, frame.shape[:2]
            raise ValueError(f"frame {index}: size {w}x{h} differs from the first frame's "
                             f'{w0}x{h0} (call init() to start a new stream)')
        self._index = index
        if self._black(frame):
            out = TrackStep.held(self._last.points)
        elif not self._anchored:
            self._init(frame, self._query.copy())
            self._anchored = True
            out = TrackStep.held(self._query)
        else:
            out = self._checked_output(self._step(frame), index)
        self._last = out
        return out

    # ----------------------------------------------------------------------- subclasses
    @abstractmethod
    def _init(self, frame: np.ndarray, points: np.ndarray) -> None:
        """Start from ``points`` ``(K, 2)`` in ``frame`` (both checked, frame not black)."""

    @abstractmethod
    def _step(self, frame: np.ndarray) -> TrackStep:
        """Track into ``frame`` (checked, not black) and return this frame's output."""

    # ----------------------------------------------------------------------- checks
    @property
    def frame_index(self) -> int:
        """Index of the last frame given (0: the ``init`` frame)."""
        return self._index

    def _black(self, frame: np.ndarray) -> bool:
        return self.black_level >= 0 and is_black(frame, self.black_level)

    @staticmethod
    def _check_frame(frame: np.ndarray, index: int) -> np.ndarray:
        if not isinstance(frame, np.ndarray):
            raise ValueError(f'frame {index}: expected an (H, W, 3) uint8 BGR np.ndarray, '
                             f'got {type(frame).__name__}')
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8 \
                or frame.shape[0] < 1 or frame.shape[1] < 1:
            raise ValueError(f'frame {index}: expected an (H, W, 3) uint8 BGR image, got '
                             f'shape {frame.shape} dtype {frame.dtype}')
        return frame

    @staticmethod
    def _check_points(points: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
        try:
            pts = np.array(points, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError('frame 0: query points must be a (K, 2) array of (x, y), got '
                             f'{type(points).__name__}') from None
        if pts.size == 0:
            raise ValueError(f'frame 0: no query points (points has shape {pts.shape}; give '
                             'at least one (x, y))')
        if pts.ndim != 2 or pts.shape[1] != 2:
            raise ValueError(f'frame 0: query points must have shape (K, 2), got {pts.shape}')
        bad = np.nonzero(~np.isfinite(pts).all(axis=1))[0]
        if len(bad):
            raise ValueError(f'frame 0: query point {bad[0]} is not finite '
                             f'({pts[bad[0], 0]}, {pts[bad[0], 1]})')
        h, w = size
        outside = np.nonzero(~points_inside(pts, size))[0]
        if len(outside):
            i = outside[0]
            raise ValueError(
                f'frame 0: query point {i} ({pts[i, 0]:g}, {pts[i, 1]:g}) lies outside the '
                f'{w}x{h} frame (x in [-0.5, {w - 0.5:g}], y in [-0.5, {h - 0.5:g}], pixel '
                'centres at integers)')
        return pts

    def _checked_output(self, out: TrackStep, index: int) -> TrackStep:
        k = len(self._query)
        points = np.asarray(out.points, dtype=np.float64)
        visible = np.asarray(out.visible, dtype=bool)
        confidence = np.asarray(out.confidence, dtype=np.float64)
        if points.shape != (k, 2) or visible.shape != (k, ) or confidence.shape != (k, ):
            raise RuntimeError(
                f'frame {index}: {type(self).__name__} returned points {points.shape}, '
                f'visible {visible.shape}, confidence {confidence.shape} for {k} points')
        return TrackStep(points, visible, np.clip(confidence, 0.0, 1.0))


def as_point_tracker(tracker: Union[dict, BasePointTracker]) -> BasePointTracker:
    """``tracker`` itself, or built from its config (``MODELS``), checked to be a
    :class:`BasePointTracker` (for the classes that wrap or drive one)."""
    if isinstance(tracker, dict):
        tracker = MODELS.build(tracker)
    if not isinstance(tracker, BasePointTracker):
        raise TypeError(f'tracker must be a BasePointTracker or its config, got '
                        f'{type(tracker).__name__}')
    return tracker
