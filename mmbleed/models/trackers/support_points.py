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
   at most ``red_thr``), at least ``exclude_radius`` px from the query points and, with
   ``cap_rim_band``, off the distal cap's rim (:func:`~mmbleed.utils.find_cap_rim`): the
   rim is fixed to the scope, and its corners, which do not move with the tissue, were 8 %
   of the support points on the synthetic clips (docs/source_tracking.md, seventh round);
   off by default, as leaving them out lost 26 of 678 tuning points (eighth round).
2. Every frame, the wrapped tracker (any :class:`BasePointTracker`: Lucas-Kanade, the MFT
   chain, the learned Track-On tracker) tracks the support points only.
3. The support points judged visible with confidence at least ``conf_thr`` give a
   similarity transform (rotation, zoom, shift; ``model='affine'`` for a full affine) from
   the reference frame to this one, fitted with RANSAC (``cv2.estimateAffinePartial2D``,
   ``ransac_thr`` px) so that points dragged by blood or instruments are outliers; a fit
   with at least ``min_inliers`` inliers is used. The query points are the transform
   applied to their reference positions.
3b. Appearance check (``appearance_thr``): the fit must also bring the tissue back. Each
   support point's grey patch in the reference frame (``2 * appearance_radius + 1`` px
   square, the grey frame blurred by ``appearance_blur``) is matched by normalised
   cross-correlation (``cv2.matchTemplate``) with this frame around the square's position
   under the fit, rotated and zoomed with it, within ``appearance_search`` px (the tissue
   also deforms); a fit whose median best correlation is below ``appearance_thr`` is
   treated as failed. The wrapped tracker can agree on a wrong motion for many points at
   once (flushing water or smoke moving across the whole view, a tracker snapping to a
   look-alike texture), which RANSAC alone accepts; the tissue then does not look like
   itself at the mapped positions. The sensor's pixel noise dominates a small patch of
   faint mucosa (raw 11-px patches of a clear frame correlate at about 0.6 one frame
   after the reference); ``appearance_blur`` can remove it before the comparison (off by
   default: it did not hold on the test split). With ``appearance_skip_red`` the median
   leaves out the support points that the fit maps onto red pixels (Red-Mask above
   ``red_thr`` in this frame), as long as ``min_inliers`` of them are left: tissue that
   blood has spread over since the reference does not look like itself under the right
   fit either, and in a bleeding clip it is a growing share of the support points, which
   made the check refuse right fits as the bleed spread.
4. When a used fit keeps fewer than ``reanchor_share`` of the support points in view (the
   camera moved on and the tissue left the frame), or, for a frame-to-frame tracker, has
   fewer than ``reanchor_inlier_share`` of them as inliers, new support points are
   picked in this frame, which becomes the reference, at the points' current positions;
   the transforms chain through these re-anchorings. A failed fit (flushing water, smoke,
   blur over the whole view) never re-anchors: the transform is held until the support
   points are found again, so that a tracker that re-detects them (Track-On correlates
   every frame with the query frame's features) comes back without drift.
5. Recovery (``recover_after``): a wrapped tracker that lost its support points during a
   long flush or smoke may not find them again, and the held point stays behind while the
   camera moves on. After ``recover_after`` failed fits in a row, each frame SIFT key
   points of the reference frame's lit tissue are matched with this frame's (Lowe's ratio
   test), and a RANSAC similarity of the matches (``RECOVER_RANSAC_PX``) with at least
   twice ``min_inliers`` inliers that passes the appearance check re-anchors there, as in
   step 4. The key points are found with a contrast threshold of ``recover_contrast``
   (OpenCV's default, 0.04, finds about 60 in the lit view of a 320x272 synthetic frame,
   too few to match after a flush) and at most ``recover_features`` of them.

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
from mmbleed.utils import (apply_affine_to_points, cap_rim_mask, find_cap_rim, points_inside,
                           red_mask_map)
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
        appearance_thr (float): least median normalised cross-correlation between the
            support points' reference patches and their patches under a fit (module
            docstring, step 3b); 0 or below turns the check off. Defaults to 0.5 (chosen
            with ``appearance_search=3`` for the CPU Track-On tracker and the MFT chain
            on the training and validation clips; docs/source_tracking.md).
        appearance_radius (int): half side of the compared patches (px). Defaults to 5.
        appearance_blur (float): sigma (px) of the Gaussian blur of the grey frames whose
            patches are compared (module docstring, step 3b); 0 compares raw pixels.
            Defaults to 0 (2 px with 17-px patches and a threshold of 0.75 gained 8 points
            of PCK@5 % on the training and validation clips and lost 5-7 on the test
            split, so it is not the default; docs/source_tracking.md, fourth round).
        appearance_skip_red (bool): leave the support points that a fit maps onto red
            pixels out of the check's median (module docstring, step 3b). Defaults to
            False (True in the learned tracker's support-point configs: 4 points of
            PCK@5 % more on 307 training and validation points, level on the test split;
            for Lucas-Kanade 10 of the 307 points fewer, for the MFT chain level;
            docs/source_tracking.md, sixth round).
        appearance_search (int): each patch is matched within this many px of its
            mapped position, which forgives the tissue's own deformation and a slightly
            imprecise fit. Defaults to 3.
        recover_after (int): failed fits in a row before SIFT recovery is tried each
            frame (module docstring, step 5); 0 turns it off. Defaults to 10 (3 and 10
            gave the same results on the training and validation clips, 30 none of the
            gain; docs/source_tracking.md).
        recover_features (int): most SIFT key points per frame in recovery. Defaults to
            1000.
        recover_contrast (float): SIFT's contrast threshold in recovery (OpenCV's
            ``contrastThreshold``; lower finds more key points in faint texture). Defaults
            to 0.01 (chosen with ``recover_features=1000`` on the training and validation
            clips: the Track-On tracker's start on support points from 66.4 to 79.9 %
            PCK@5 %, OpenCV's 0.04 and 500 key points before; docs/source_tracking.md).
        cap_rim_band (tuple[float, float], optional): ``(inside, outside)`` px: keep support
            points and recovery's key points off the band from ``inside`` px inside to
            ``outside`` px outside the distal cap's rim, found in the frame by
            :func:`~mmbleed.utils.find_cap_rim` (module docstring, step 1). None (default)
            does not look for the rim ((8, 4) lost 26 of 678 training and validation
            points of PCK@5 %; docs/source_tracking.md, eighth round).
        black_level (int): see :class:`BasePointTracker`. Defaults to 16.

    Attributes:
        reanchored_at (list[int]): frame indices (0 = the ``init`` frame) of this stream's
            re-anchorings.
    """

    RECOVER_RANSAC_PX = 5.0  # SIFT positions are precise; the tissue deforms a little

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
                 appearance_thr: float = 0.5,
                 appearance_radius: int = 5,
                 appearance_search: int = 3,
                 appearance_blur: float = 0.0,
                 appearance_skip_red: bool = False,
                 recover_after: int = 10,
                 recover_features: int = 1000,
                 recover_contrast: float = 0.01,
                 cap_rim_band: Optional[Tuple[float, float]] = None,
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
        if not -1.0 <= appearance_thr <= 1.0 or appearance_radius < 1 or \
                appearance_search < 0 or appearance_blur < 0:
            raise ValueError(f'need appearance_thr in [-1, 1], appearance_radius >= 1, '
                             f'appearance_search >= 0 and appearance_blur >= 0, got '
                             f'{appearance_thr}, {appearance_radius}, {appearance_search} '
                             f'and {appearance_blur}')
        if recover_after < 0:
            raise ValueError(f'recover_after must be >= 0, got {recover_after}')
        if recover_features < 1 or recover_contrast <= 0:
            raise ValueError(f'need recover_features >= 1 and recover_contrast > 0, got '
                             f'{recover_features} and {recover_contrast}')
        if cap_rim_band is not None and (len(cap_rim_band) != 2 or min(cap_rim_band) < 0):
            raise ValueError(f'cap_rim_band must be (inside, outside) px, both >= 0, got '
                             f'{cap_rim_band}')
        self.tracker = as_point_tracker(tracker)
        self.cap_rim_band = None if cap_rim_band is None else tuple(map(float, cap_rim_band))
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
        self.appearance_thr = appearance_thr
        self.appearance_radius = appearance_radius
        self.appearance_search = appearance_search
        self.appearance_blur = appearance_blur
        self.appearance_skip_red = appearance_skip_red
        self.recover_after = recover_after
        self.recover_features = recover_features
        self.recover_contrast = recover_contrast
        self._sift = None  # made at the first anchoring that needs it
        self.reanchored_at = []

    # ------------------------------------------------------------------ support points
    def pick_support(self, frame: np.ndarray, points: np.ndarray) -> np.ndarray:
        """Up to ``num_support`` tissue points ``(S, 2)`` of ``frame`` (module docstring,
        step 1), strongest corners first."""
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        allowed = self._tissue_mask(frame)
        for x, y in points:
            cv2.circle(allowed, (int(round(x)), int(round(y))), int(self.exclude_radius), 0, -1)
        corners = cv2.goodFeaturesToTrack(
            gray, maxCorners=self.num_support, qualityLevel=0.01,
            minDistance=self.min_distance, mask=allowed, blockSize=7)
        if corners is None:
            return np.zeros((0, 2))
        return corners.reshape(-1, 2).astype(np.float64)

    def _tissue_mask(self, frame: np.ndarray) -> np.ndarray:
        """The lit view (grey above ``dark_level``, eroded by ``min_distance``) without red
        pixels (Red-Mask above ``red_thr``) and, with ``cap_rim_band``, without the cap's
        rim, as a ``uint8`` mask."""
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        allowed = (gray > self.dark_level).astype(np.uint8)
        size = 2 * int(round(self.min_distance)) + 1
        allowed = cv2.erode(allowed, np.ones((size, size), np.uint8))
        allowed[red_mask_map(frame) > self.red_thr] = 0
        if self.cap_rim_band is not None:
            rim = find_cap_rim(gray, self.dark_level)
            if rim is not None:
                allowed[cap_rim_mask(gray.shape, rim, *self.cap_rim_band)] = 0
        return allowed

    def _sift_features(self, frame: np.ndarray) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """SIFT key point positions ``(K, 2)`` and descriptors of ``frame``'s tissue."""
        keypoints, descriptors = self._sift.detectAndCompute(
            cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), self._tissue_mask(frame))
        return np.array([k.pt for k in keypoints]).reshape(-1, 2), descriptors

    def _recover(self, frame: np.ndarray) -> Optional[Tuple[np.ndarray, float]]:
        """The reference-to-``frame`` similarity found by SIFT matching (module docstring,
        step 5) and the share of the matches that are its inliers; None when it is not
        found or fails the appearance check."""
        points, descriptors = self._sift_features(frame)
        if descriptors is None or self._reference_descriptors is None or len(points) < 2:
            return None
        pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(self._reference_descriptors, descriptors,
                                                    k=2)
        good = [m for m, n in (p for p in pairs if len(p) == 2) if m.distance < 0.8 * n.distance]
        if len(good) < 2 * self.min_inliers:
            return None
        source = self._reference_keypoints[[m.queryIdx for m in good]].astype(np.float32)
        target = points[[m.trainIdx for m in good]].astype(np.float32)
        transform, inliers = cv2.estimateAffinePartial2D(
            source, target, method=cv2.RANSAC, ransacReprojThreshold=self.RECOVER_RANSAC_PX)
        if transform is None or inliers.sum() < 2 * self.min_inliers or \
                not self._shows_tissue(frame, transform):
            return None
        return transform, float(inliers.mean())

    def _anchor(self, frame: np.ndarray, points: np.ndarray) -> None:
        """Make ``frame`` the reference, with the query points at ``points``."""
        support = self.pick_support(frame, points)
        self._direct = len(support) < self.min_inliers
        self._reference = points.copy()
        self._support = support
        self._transform = np.eye(2, 3)
        self._reference_patches = self._patches(frame, np.eye(2, 3), self.appearance_radius)
        self._failed = 0
        if self.recover_after:
            self._sift = self._sift or cv2.SIFT_create(
                self.recover_features, contrastThreshold=self.recover_contrast)
            self._reference_keypoints, self._reference_descriptors = \
                self._sift_features(frame)
        self.tracker.init(frame, points if self._direct else support)

    def _reanchor(self, frame: np.ndarray, points: np.ndarray) -> None:
        """Anchor again on ``frame`` with the query points at ``points`` (clipped into the
        frame) and record it in ``reanchored_at``."""
        h, w = frame.shape[:2]
        self._anchor(frame, np.clip(points, 0, [w - 1, h - 1]))
        self.reanchored_at.append(self.frame_index)

    def _patches(self, frame: np.ndarray, transform: np.ndarray, radius: int) -> np.ndarray:
        """Grey patches ``(S, 2 * radius + 1, 2 * radius + 1)`` of ``frame`` (blurred by
        ``appearance_blur``): the reference frame's squares around the support points,
        mapped by ``transform`` (rotated and zoomed with it; bilinear, the border repeated
        outside the frame)."""
        side = 2 * radius + 1
        if len(self._support) == 0:
            return np.zeros((0, side, side), np.float32)
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32)
        if self.appearance_blur > 0:
            gray = cv2.GaussianBlur(gray, (0, 0), self.appearance_blur)
        offsets = np.stack(np.meshgrid(np.arange(-radius, radius + 1),
                                       np.arange(-radius, radius + 1)), -1)
        grid = (self._support[:, None, None, :] + offsets).reshape(-1, 2)
        grid = apply_affine_to_points(grid, transform).astype(np.float32)
        grid = grid.reshape(len(self._support), side * side, 2)
        patches = cv2.remap(gray, grid[..., 0], grid[..., 1], cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REPLICATE)
        return patches.reshape(-1, side, side)

    def appearance(self, frame: np.ndarray, transform: np.ndarray) -> float:
        """Median over the support points that ``transform`` keeps inside the frame of the
        best normalised cross-correlation of each one's reference patch with ``frame``
        around its mapped position, within ``appearance_search`` px (module docstring,
        step 3b); -1 when no support point lands inside. With ``appearance_skip_red``, the
        points mapped onto red pixels are left out while ``min_inliers`` others remain."""
        mapped = apply_affine_to_points(self._support, transform)
        inside = points_inside(mapped, frame.shape[:2], self.appearance_radius)
        if not inside.any():
            return -1.0
        if self.appearance_skip_red:
            h, w = frame.shape[:2]
            x, y = np.clip(np.round(mapped).astype(int), 0, [w - 1, h - 1]).T
            # the Red-Mask of the support points' pixels only, not of the whole frame
            under = red_mask_map(frame[y, x][None])[0]
            clean = inside & (under <= self.red_thr)
            if clean.sum() >= self.min_inliers:
                inside = clean
        current = self._patches(frame, transform,
                                self.appearance_radius + self.appearance_search)
        scores = [cv2.matchTemplate(window, template, cv2.TM_CCOEFF_NORMED).max()
                  for window, template in zip(current[inside],
                                              self._reference_patches[inside])]
        return float(np.median(np.clip(np.nan_to_num(scores), -1.0, 1.0)))

    def _shows_tissue(self, frame: np.ndarray, transform: np.ndarray) -> bool:
        """The appearance check of a fit or a recovery (module docstring, step 3b); always
        passed when ``appearance_thr`` is 0 or below (the check off)."""
        return self.appearance_thr <= 0 or \
            self.appearance(frame, transform) >= self.appearance_thr

    def _in_view(self, transform: np.ndarray, size: Tuple[int, int]) -> int:
        """How many of the reference's support points ``transform`` maps at least
        ``min_distance`` px inside a frame of ``size`` ``(H, W)``."""
        support = apply_affine_to_points(self._support, transform)
        return int(np.count_nonzero(points_inside(support, size, self.min_distance)))

    def _fit(self, frame: np.ndarray, out: TrackStep) -> Optional[np.ndarray]:
        """This frame's transform from the reference (module docstring, steps 3 and 3b),
        None when it has fewer than ``min_inliers`` inliers or fails the appearance check;
        sets ``self._inliers`` (0 then)."""
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
        if not self._shows_tissue(frame, transform):
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
        transform = self._fit(frame, out)
        k = len(self._reference)
        if transform is None:  # hold the last transform (never re-anchor on a failure)
            self._failed += 1
            found = self._recover(frame) if self.recover_after and \
                self._failed >= self.recover_after else None
            if found is None:
                points = apply_affine_to_points(self._reference, self._transform)
                return TrackStep(points, np.zeros(k, bool), np.zeros(k))
            points = apply_affine_to_points(self._reference, found[0])
            self._reanchor(frame, points)
            return TrackStep(points, points_inside(points, frame.shape[:2]),
                             np.full(k, found[1]))
        self._failed = 0
        self._transform = transform
        points = apply_affine_to_points(self._reference, transform)
        h, w = frame.shape[:2]
        visible = points_inside(points, (h, w))
        num = len(self._support)
        confidence = np.full(k, self._inliers / num)
        if self._in_view(transform, (h, w)) < self.reanchor_share * num \
                or self._inliers < self.reanchor_inlier_share * num:
            self._reanchor(frame, points)
        return TrackStep(points, visible, confidence)
