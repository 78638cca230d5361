# Copyright (c) mmbleed contributors. All rights reserved.
"""Support points: carry the source with the motion of the tissue around it.

An mmbleed addition to BleedOrigin §4.3, not in the paper. The paper's tracker follows the
bleeding source's own appearance, and that appearance is what bleeding destroys: within a
second of the onset the source lies under the blood it emits, and every tracker of the
project drifts with the spreading blood (docs/source_tracking.md, "Support points"). The
tissue a little further away stays visible and moves with the source, because both ride on
the same camera motion and the same slow breathing and heartbeat deformation. So, as
CoTracker tracks *support points* beside its queries (Karaev et al., "CoTracker: It is
Better to Track Together", ECCV 2024), this wrapper tracks tissue instead of the source and
moves the source with it:

1. At the query frame, up to ``num_support`` support points are picked with Shi-Tomasi's
   corner measure (``cv2.goodFeaturesToTrack``, at least ``min_distance`` px apart) inside
   the endoscope's lit view, away from red pixels (blood moves on its own: Red-Mask value
   at most ``red_thr``) and at least ``exclude_radius`` px from the query points.
2. Every frame, the wrapped tracker (any :class:`BasePointTracker`: Lucas-Kanade, the MFT
   chain, the learned Track-On tracker) tracks the support points only.
3. The support points judged visible with confidence at least ``conf_thr`` give a
   similarity transform (rotation, zoom, shift; ``model='affine'`` for a full affine) from
   the reference frame to this one, fitted with RANSAC (``cv2.estimateAffinePartial2D``,
   ``ransac_thr`` px) so that points dragged by blood or instruments are outliers; a fit
   with at least ``min_inliers`` inliers is used. The query points are the transform
   applied to their reference positions.
4. When a used fit keeps fewer than ``reanchor_share`` of the support points in view (the
   camera moved on and the tissue left the frame), or, for a frame-to-frame tracker, has
   fewer than ``reanchor_inlier_share`` of them as inliers, new support points are
   picked in this frame, which becomes the reference, at the points' current positions;
   the transforms chain through these re-anchorings. A failed fit (flushing water, smoke,
   blur over the whole view) never re-anchors: the transform is held until the support
   points are found again, so that a tracker that re-detects them (Track-On correlates
   every frame with the query frame's features) comes back without drift.

Outputs: ``visible`` is True when this frame's fit succeeded and the point lies in the
frame (the fit says where the source is, not whether blood hides it); ``confidence`` is the
share of the reference's support points that are inliers of this frame's fit. A frame whose
fit fails (step 3) keeps the last transform, with ``visible`` False and confidence 0. A
query frame with fewer than ``min_inliers`` support points (a uniform or all-red frame)
tracks the query points directly with the wrapped tracker, as without this wrapper.
"""
from typing import Optional, Tuple, Union

import cv2
import numpy as np

from mmbleed.registry import MODELS
from mmbleed.utils import apply_affine_to_points, points_inside, red_mask_map
from .base_tracker import BasePointTracker, TrackStep, as_point_tracker


@MODELS.register_module()
class SupportPointTracker(BasePointTracker):
    """Move the query points with the tissue support points around them (module docstring).

    Args:
        tracker (dict | BasePointTracker): the tracker that follows the support points
            (config built from ``MODELS``).
        num_support (int): support points picked at a (re-)anchoring. Defaults to 48.
        min_distance (float): least distance between two support points (px). Defaults
            to 16.
        exclude_radius (float): support points keep this far from the query points (px).
            Defaults to 16.
        red_thr (float): support points need a Red-Mask value at most this. Defaults to 0.2.
        dark_level (int): the lit view: grey value above this, eroded by ``min_distance``.
            Defaults to 30.
        conf_thr (float): a support point takes part in the fit when the tracker judges it
            visible with at least this confidence. Defaults to 0.5.
        model (str): ``'similarity'`` (4 degrees of freedom) or ``'affine'`` (6).
            Defaults to ``'similarity'``.
        ransac_thr (float): RANSAC inlier distance (px). Defaults to 12 (chosen for the
            CPU Track-On tracker, whose points are noisier than Lucas-Kanade's, on the
            training and validation clips; docs/source_tracking.md).
        min_inliers (int): fewest inliers of a fit that is used. Defaults to 6.
        reanchor_share (float): re-anchor when fewer than this share of the reference's
            support points are in view. Defaults to 0.5.
        reanchor_inlier_share (float): re-anchor also when a used fit has fewer than this
            share of the reference's support points as inliers: for a frame-to-frame
            tracker (Lucas-Kanade), whose lost points never come back. Defaults to 0
            (off: a tracker that re-detects its points, like Track-On, finds them again).
        black_level (int): see :class:`BasePointTracker`. Defaults to 16.

    Attributes:
        reanchored_at (list[int]): frame indices (0 = the ``init`` frame) of this stream's
            re-anchorings.
    """

    def __init__(self,
                 tracker: Union[dict, BasePointTracker],
                 num_support: int = 48,
                 min_distance: float = 16.0,
                 exclude_radius: float = 16.0,
                 red_thr: float = 0.2,
                 dark_level: int = 30,
                 conf_thr: float = 0.5,
                 model: str = 'similarity',
                 ransac_thr: float = 12.0,
                 min_inliers: int = 6,
                 reanchor_share: float = 0.5,
                 reanchor_inlier_share: float = 0.0,
                 black_level: int = 16) -> None:
        super().__init__(black_level=black_level)
        if model not in ('similarity', 'affine'):
            raise ValueError(f"model must be 'similarity' or 'affine', got {model!r}")
        if min_inliers < 3 or num_support < min_inliers:
            raise ValueError(f'need num_support >= min_inliers >= 3, got {num_support} and '
                             f'{min_inliers}')
        for name, share in (('reanchor_share', reanchor_share),
                            ('reanchor_inlier_share', reanchor_inlier_share)):
            if not 0.0 <= share <= 1.0:
                raise ValueError(f'{name} must be in [0, 1], got {share}')
        self.tracker = as_point_tracker(tracker)
        self.num_support = num_support
        self.min_distance = min_distance
        self.exclude_radius = exclude_radius
        self.red_thr = red_thr
        self.dark_level = dark_level
        self.conf_thr = conf_thr
        self.model = model
        self.ransac_thr = ransac_thr
        self.min_inliers = min_inliers
        self.reanchor_share = reanchor_share
        self.reanchor_inlier_share = reanchor_inlier_share
        self.reanchored_at = []

    # ------------------------------------------------------------------ support points
    def pick_support(self, frame: np.ndarray, points: np.ndarray) -> np.ndarray:
        """Up to ``num_support`` tissue points ``(S, 2)`` of ``frame`` (module docstring,
        step 1), strongest corners first."""
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        allowed = (gray > self.dark_level).astype(np.uint8)
        size = 2 * int(round(self.min_distance)) + 1
        allowed = cv2.erode(allowed, np.ones((size, size), np.uint8))
        allowed[red_mask_map(frame) > self.red_thr] = 0
        for x, y in points:
            cv2.circle(allowed, (int(round(x)), int(round(y))), int(self.exclude_radius), 0, -1)
        corners = cv2.goodFeaturesToTrack(
            gray, maxCorners=self.num_support, qualityLevel=0.01,
            minDistance=self.min_distance, mask=allowed, blockSize=7)
        if corners is None:
            return np.zeros((0, 2))
        return corners.reshape(-1, 2).astype(np.float64)

    def _anchor(self, frame: np.ndarray, points: np.ndarray) -> None:
        """Make ``frame`` the reference, with the query points at ``points``."""
        support = self.pick_support(frame, points)
        self._direct = len(support) < self.min_inliers
        self._reference = points.copy()
        self._support = support
        self._transform = np.eye(2, 3)
        self.tracker.init(frame, points if self._direct else support)

    def _in_view(self, transform: np.ndarray, size: Tuple[int, int]) -> int:
        """How many of the reference's support points ``transform`` maps at least
        ``min_distance`` px inside a frame of ``size`` ``(H, W)``."""
        support = apply_affine_to_points(self._support, transform)
        return int(np.count_nonzero(points_inside(support, size, self.min_distance)))

    def _fit(self, out: TrackStep) -> Optional[np.ndarray]:
        """This frame's transform from the reference (module docstring, step 3), None when
        it has fewer than ``min_inliers`` inliers; sets ``self._inliers`` (0 then)."""
        self._inliers = 0
        usable = out.visible & (out.confidence >= self.conf_thr)
        if usable.sum() < self.min_inliers:
            return None
        fit = cv2.estimateAffinePartial2D if self.model == 'similarity' else \
            cv2.estimateAffine2D
        transform, inliers = fit(
            self._support[usable].astype(np.float32), out.points[usable].astype(np.float32),
            method=cv2.RANSAC, ransacReprojThreshold=self.ransac_thr)
        if transform is None or inliers.sum() < self.min_inliers:
            return None
        self._inliers = int(inliers.sum())
        return transform

    # ------------------------------------------------------------------ the interface
    def _init(self, frame: np.ndarray, points: np.ndarray) -> None:
        self.reanchored_at = []
        self._anchor(frame, points)

    def _step(self, frame: np.ndarray) -> TrackStep:
        out = self.tracker.step(frame)
        if self._direct:
            return out
        transform = self._fit(out)
        k = len(self._reference)
        if transform is None:  # hold the last transform (never re-anchor on a failure)
            points = apply_affine_to_points(self._reference, self._transform)
            return TrackStep(points, np.zeros(k, bool), np.zeros(k))
        self._transform = transform
        points = apply_affine_to_points(self._reference, transform)
        h, w = frame.shape[:2]
        visible = points_inside(points, (h, w))
        num = len(self._support)
        confidence = np.full(k, self._inliers / num)
        if self._in_view(transform, (h, w)) < self.reanchor_share * num \
                or self._inliers < self.reanchor_inlier_share * num:
            self._anchor(frame, np.clip(points, 0, [w - 1, h - 1]))
            self.reanchored_at.append(self.frame_index)
        return TrackStep(points, visible, confidence)
