# Copyright (c) mmbleed contributors. All rights reserved.
"""Pseudo tracks between two annotated frames (BleedOrigin paper §4.3, the pseudo-label stage).

The expert annotates the source every 30 frames; the tracker is fine-tuned on those points and
on pseudo tracks of the tissue around the source in between (Eq. 8's second term). For two
annotated frames ``t`` and ``t + L - 1`` (both with a visible source point):

1. **SIFT matches** (OpenCV): keypoints of frame ``t`` within ``radius`` (50 px) of its source
   point, matched to keypoints of the last frame within ``radius`` of its source point. The
   paper keeps matches "with confidence > 0.7"; mmbleed reads that as Lowe's ratio test at
   0.7 (the best match's descriptor distance below 0.7 times the second best's), and keeps at
   most ``max_points`` (36, "about 36 points") matches, the closest descriptors first.
2. **Tracking**: each matched start point is tracked over the ``L`` frames by a tracker
   behind mmbleed's one tracker interface (``init`` on frame ``t``, ``step`` on each later
   frame; any :class:`~mmbleed.models.trackers.BasePointTracker`, learned or not).
3. **Smoothing**: per point, a constant-velocity Kalman filter (filterpy) over the tracked
   positions, starting at the start point, with the *matched* end point as the last
   measurement, then the Rauch-Tung-Striebel smoother (filterpy's ``rts_smoother``). Frames
   the tracker judged occluded give no measurement (the filter predicts through them).

The result is written as pseudo tracks (docs/data_format.md §2) by
``tools/dataset_converters/make_pseudo_tracks.py``, never over the annotations.
"""
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
from filterpy.common import Q_discrete_white_noise
from filterpy.kalman import KalmanFilter

from mmbleed.models.trackers.base_tracker import BasePointTracker


@dataclass
class PseudoSegment:
    """Pseudo tracks of ``K`` points over the ``L`` frames between two annotated frames.

    Attributes:
        raw (np.ndarray): ``(K, L, 2)`` the tracker's points (original pixels).
        smoothed (np.ndarray): ``(K, L, 2)`` after the Kalman filter and RTS smoother.
        visible (np.ndarray): ``(K, L)`` bool, the tracker's visibility (True at both ends).
        end_match (np.ndarray): ``(K, 2)`` the SIFT-matched end points.
    """
    raw: np.ndarray
    smoothed: np.ndarray
    visible: np.ndarray
    end_match: np.ndarray


def _gray(frame: np.ndarray) -> np.ndarray:
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f'frames must be (H, W, 3) uint8 BGR, got {frame.shape} '
                         f'{frame.dtype}')
    return cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def _disc_mask(shape: Tuple[int, int], centre: Sequence[float], radius: float) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.circle(mask, (int(round(centre[0])), int(round(centre[1]))), int(round(radius)), 255,
               -1)
    return mask


def sift_matches(first: np.ndarray, last: np.ndarray, first_source: Sequence[float],
                 last_source: Sequence[float], radius: float = 50.0, ratio: float = 0.7,
                 max_points: int = 36,
                 sift: Optional[cv2.SIFT] = None) -> Tuple[np.ndarray, np.ndarray]:
    """SIFT keypoints near the source in ``first`` matched to those near it in ``last``.

    Args:
        first, last: ``(H, W, 3)`` uint8 BGR frames.
        first_source, last_source: the annotated source ``(x, y)`` in each frame.
        radius: keypoints are searched within this many pixels of the source.
        ratio: Lowe's ratio test (best distance < ``ratio`` × second best).
        max_points: at most this many matches, the closest descriptors first.
        sift: a ``cv2.SIFT`` to reuse (default: a new one).

    Returns:
        ``(K, 2)`` start points in ``first`` and ``(K, 2)`` matched points in ``last``
        (original pixels; ``K`` may be 0).
    """
    sift = sift if sift is not None else cv2.SIFT_create()
    grays = _gray(first), _gray(last)
    found = [sift.detectAndCompute(g, _disc_mask(g.shape, c, radius))
             for g, c in zip(grays, (first_source, last_source))]
    (kp_a, des_a), (kp_b, des_b) = found
    empty = np.zeros((0, 2), np.float64)
    if des_a is None or des_b is None or len(kp_a) == 0 or len(kp_b) < 2:
        return empty, empty.copy()
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(des_a, des_b, k=2)
    good = sorted((p[0] for p in pairs if len(p) == 2 and p[0].distance < ratio * p[1].distance),
                  key=lambda m: m.distance)
    # one match per end keypoint (the closest), then the best max_points
    used, kept = set(), []
    for m in good:
        if m.trainIdx not in used:
            used.add(m.trainIdx)
            kept.append(m)
    kept = kept[:max_points]
    start = np.array([kp_a[m.queryIdx].pt for m in kept], np.float64).reshape(-1, 2)
    end = np.array([kp_b[m.trainIdx].pt for m in kept], np.float64).reshape(-1, 2)
    return start, end


def kalman_rts_smooth(track: np.ndarray, measured: np.ndarray, end_point: np.ndarray,
                      track_sigma: float = 2.0, anchor_sigma: float = 0.25,
                      accel_sigma: float = 0.5) -> np.ndarray:
    """Constant-velocity Kalman filter + RTS smoother of one ``(L, 2)`` track.

    Frame 0 is the start point (the state starts there, position variance
    ``anchor_sigma²``, unknown velocity); frames ``1 .. L-2`` are measured by the tracker where
    ``measured`` is True (variance ``track_sigma²``), the last frame by the matched
    ``end_point`` (variance ``anchor_sigma²``). White-noise acceleration of ``accel_sigma``
    px/frame². The two SIFT points are trusted far more than the tracker
    (``anchor_sigma`` 0.25 px against 2 px): a tracker that drifted is pulled back to the
    match at the end, and the smoother spreads that correction over the frames before.

    Returns:
        ``(L, 2)`` smoothed positions.
    """
    track = np.asarray(track, np.float64)
    length = len(track)
    if length < 2:
        return track.copy()
    kf = KalmanFilter(dim_x=4, dim_z=2)  # state (x, vx, y, vy)
    kf.F = np.array([[1., 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 0, 1]])
    kf.H = np.array([[1., 0, 0, 0], [0, 0, 1, 0]])
    kf.Q = Q_discrete_white_noise(dim=2, dt=1.0, var=accel_sigma ** 2, block_size=2)
    kf.x = np.array([track[0, 0], 0.0, track[0, 1], 0.0])
    kf.P = np.diag([anchor_sigma ** 2, 100.0, anchor_sigma ** 2, 100.0])
    means, covs = [kf.x.copy()], [kf.P.copy()]  # frame 0: the start state
    for t in range(1, length):
        kf.predict()
        if t == length - 1:
            kf.update(np.asarray(end_point, np.float64), R=np.eye(2) * anchor_sigma ** 2)
        elif measured[t]:
            kf.update(track[t], R=np.eye(2) * track_sigma ** 2)
        means.append(kf.x.copy())
        covs.append(kf.P.copy())
    smoothed, _, _, _ = kf.rts_smoother(np.array(means), np.array(covs))
    return smoothed[:, [0, 2]]


class PseudoTrackLabeler:
    """The §4.3 pseudo-label pipeline for one segment between two annotated frames.

    Args:
        tracker (BasePointTracker): any tracker behind the one interface.
        radius (float): SIFT search radius around the source (px). Defaults to 50.
        ratio (float): Lowe's ratio of the SIFT matches. Defaults to 0.7.
        max_points (int): pseudo points per segment at most. Defaults to 36.
        track_sigma, anchor_sigma, accel_sigma (float): the Kalman filter's noise
            (:func:`kalman_rts_smooth`).
    """

    def __init__(self, tracker: BasePointTracker, radius: float = 50.0, ratio: float = 0.7,
                 max_points: int = 36, track_sigma: float = 2.0, anchor_sigma: float = 0.25,
                 accel_sigma: float = 0.5) -> None:
        if not isinstance(tracker, BasePointTracker):
            raise TypeError(f'tracker must be a BasePointTracker, got {type(tracker).__name__}')
        self.tracker = tracker
        self.radius = radius
        self.ratio = ratio
        self.max_points = max_points
        self.noise = dict(track_sigma=track_sigma, anchor_sigma=anchor_sigma,
                          accel_sigma=accel_sigma)
        self._sift = cv2.SIFT_create()

    def label(self, frames: Sequence[np.ndarray], first_source: Sequence[float],
              last_source: Sequence[float]) -> Optional[PseudoSegment]:
        """Pseudo tracks over ``frames`` (the first and the last annotated); ``None`` when no
        SIFT match survives."""
        if len(frames) < 2:
            raise ValueError(f'a segment needs at least 2 frames, got {len(frames)}')
        start, end = sift_matches(frames[0], frames[-1], first_source, last_source,
                                  self.radius, self.ratio, self.max_points, self._sift)
        if not len(start):
            return None
        raw = np.zeros((len(start), len(frames), 2))
        visible = np.ones((len(start), len(frames)), bool)
        raw[:, 0] = start
        self.tracker.init(frames[0], start)
        for t in range(1, len(frames)):
            out = self.tracker.step(frames[t])
            raw[:, t], visible[:, t] = out.points, out.visible
        smoothed = np.stack([
            kalman_rts_smooth(raw[k], visible[k], end[k], **self.noise)
            for k in range(len(start))])
        visible[:, -1] = True  # the matched end point
        return PseudoSegment(raw=raw, smoothed=smoothed, visible=visible, end_match=end)
