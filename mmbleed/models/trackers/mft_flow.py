# Copyright (c) mmbleed contributors. All rights reserved.
"""MFT-style long-term point tracking by chaining DIS optical flow from several anchors.

Implements the candidate-selection scheme of MFT (Neoral, Šerých and Matas, "MFT: Long-Term
Tracking of Every Pixel", WACV 2024) with classical parts: the flow is OpenCV's DIS
(Kroeger et al., "Fast Optical Flow using Dense Inverse Search", ECCV 2016,
``cv2.DISOpticalFlow``) instead of RAFT, and MFT's learned occlusion and uncertainty heads
are replaced by the consistency of each flow link: forward-backward (Kalal et al., ICPR
2010) and, because DIS's smooth flow is forward-backward consistent even across a patch
that changed (tests/test_models/test_trackers.py), the appearance of the point's patch at
both ends of the link (zero-normalised cross-correlation). It is the MFT row of the tracking
baselines (BleedOrigin §5 "optical-flow chaining à la MFT"; issue 9).

For frame ``t`` and every anchor ``a`` among ``t - Δ`` (``Δ`` in ``deltas``) and the query
frame, a candidate position is the anchor's own result ``x_a`` moved by the flow
``F_{a→t}(x_a)``; its forward-backward error is ``e = |F_{a→t}(x_a) + F_{t→a}(x_a +
F_{a→t}(x_a))|`` and its patch correlation ``c`` = ZNCC of the patches around ``x_a`` in
frame ``a`` and around the candidate in frame ``t``. As in MFT, a candidate is occluded when
its anchor was, ``e > fb_thr`` or ``c < ncc_thr`` (or it left the frame), its uncertainty
adds ``e`` to its anchor's (MFT adds variances along the chain), and the result is the least
uncertain non-occluded candidate, else the least uncertain of all (then reported not
visible). A point that was occluded is therefore found again only through the query frame's
direct link (MFT's ``Δ = ∞``). Only the last ``max(deltas)`` frames' gray
images and results and the query frame's are kept, so memory is bounded whatever the clip
length.
"""
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import cv2
import numpy as np

from mmbleed.registry import MODELS
from mmbleed.utils import points_inside
from .base_tracker import BasePointTracker, TrackStep

DIS_PRESETS = {
    'ultrafast': cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    'fast': cv2.DISOPTICAL_FLOW_PRESET_FAST,
    'medium': cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


def sample_flow(flow: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Bilinear sample of an ``(H, W, 2)`` flow at ``(K, 2)`` points ``(x, y)`` (pixel
    centres at integers; points outside are clamped to the border)."""
    h, w = flow.shape[:2]
    x = np.clip(points[:, 0], 0, w - 1)
    y = np.clip(points[:, 1], 0, h - 1)
    x0 = np.minimum(np.floor(x).astype(np.int64), max(w - 2, 0))
    y0 = np.minimum(np.floor(y).astype(np.int64), max(h - 2, 0))
    x1, y1 = np.minimum(x0 + 1, w - 1), np.minimum(y0 + 1, h - 1)
    fx, fy = (x - x0)[:, None], (y - y0)[:, None]
    top = flow[y0, x0] * (1 - fx) + flow[y0, x1] * fx
    bottom = flow[y1, x0] * (1 - fx) + flow[y1, x1] * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float64)


def sample_patches(gray: np.ndarray, points: np.ndarray, radius: int) -> np.ndarray:
    """``(K, P, P)`` float64 patches (``P = 2 * radius + 1``) of ``gray`` centred on
    ``(K, 2)`` points, bilinear (``cv2.getRectSubPix``; the border replicated)."""
    size = (2 * radius + 1, 2 * radius + 1)
    return np.stack([
        cv2.getRectSubPix(gray, size, (float(x), float(y))) for x, y in points
    ]).astype(np.float64)


def zncc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Zero-normalised cross-correlation of ``(K, P, P)`` patch pairs, in ``[-1, 1]`` (0 when
    either patch is flat)."""
    a = a - a.mean(axis=(1, 2), keepdims=True)
    b = b - b.mean(axis=(1, 2), keepdims=True)
    norm = np.sqrt((a * a).sum(axis=(1, 2)) * (b * b).sum(axis=(1, 2)))
    return np.where(norm > 1e-6, (a * b).sum(axis=(1, 2)) / np.maximum(norm, 1e-6), 0.0)


class _FrameResult:
    """One frame's gray image and its points' result (the anchor memory of MFT)."""

    __slots__ = ('gray', 'points', 'occluded', 'cost', 'confidence', 'patches')

    def __init__(self, gray: np.ndarray, points: np.ndarray, occluded: np.ndarray,
                 cost: np.ndarray, confidence: np.ndarray, patches: np.ndarray) -> None:
        self.gray = gray
        self.points = points
        self.occluded = occluded
        self.cost = cost
        self.confidence = confidence
        self.patches = patches


@MODELS.register_module()
class MFTFlowTracker(BasePointTracker):
    """MFT-style tracker: DIS flow chained from several earlier anchors, the candidate picked
    by forward-backward and appearance consistency.

    ``confidence = min(anchor's confidence, clip(1 - e / (2 * fb_thr), 0, 1))`` of the chosen
    candidate (0 when it is outside the frame or its patch correlation is below ``ncc_thr``);
    ``visible`` = the chosen candidate is not occluded.

    Args:
        deltas (Sequence[int]): anchors ``t - Δ`` (frames back, counted over the frames the
            tracker has seen). Defaults to ``(1, 2, 4, 8, 16, 32)`` (MFT's).
        use_query_frame (bool): also chain from the query frame directly (MFT's ``Δ = ∞``,
            which recovers a point after an occlusion). Defaults to True.
        fb_thr (float): forward-backward error (px) above which a candidate is occluded.
            Defaults to 2.0.
        ncc_thr (float): patch correlation below which a candidate is occluded; ``-1``
            turns the appearance check off. Defaults to 0.5.
        patch_radius (int): the correlated patches are ``2 * patch_radius + 1`` px wide.
            Defaults to 7.
        preset (str): DIS preset, ``'ultrafast'``, ``'fast'`` or ``'medium'``. Defaults to
            ``'fast'``.
        black_level (int): see :class:`BasePointTracker`. Defaults to 16.
    """

    def __init__(self,
                 deltas: Sequence[int] = (1, 2, 4, 8, 16, 32),
                 use_query_frame: bool = True,
                 fb_thr: float = 2.0,
                 ncc_thr: float = 0.5,
                 patch_radius: int = 7,
                 preset: str = 'fast',
                 black_level: int = 16) -> None:
        super().__init__(black_level=black_level)
        deltas = sorted({int(d) for d in deltas})
        if not deltas or deltas[0] < 1:
            raise ValueError(f'deltas must be positive frame counts, got {deltas}')
        if preset not in DIS_PRESETS:
            raise ValueError(f'preset must be one of {sorted(DIS_PRESETS)}, got {preset!r}')
        self.deltas = tuple(deltas)
        self.use_query_frame = use_query_frame
        self.fb_thr = fb_thr
        self.ncc_thr = ncc_thr
        self.patch_radius = patch_radius
        self.preset = preset
        self._dis = cv2.DISOpticalFlow_create(DIS_PRESETS[preset])
        self._t = 0
        self._query_frame: Optional[_FrameResult] = None
        self._memory: Dict[int, _FrameResult] = OrderedDict()

    def _init(self, frame: np.ndarray, points: np.ndarray) -> None:
        k = len(points)
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        self._t = 0
        self._query_frame = _FrameResult(gray, points, np.zeros(k, bool), np.zeros(k),
                                         np.ones(k), self._patches(gray, points))
        self._memory = OrderedDict([(0, self._query_frame)])

    def _anchors(self, t: int) -> Dict[int, _FrameResult]:
        anchors = {t - d: self._memory[t - d] for d in self.deltas if t - d in self._memory}
        if self.use_query_frame:
            anchors[0] = self._query_frame
        return anchors

    def _patches(self, gray: np.ndarray, points: np.ndarray) -> np.ndarray:
        return sample_patches(gray, points, self.patch_radius)

    def _candidate(self, anchor: _FrameResult, gray: np.ndarray):
        fwd = self._dis.calc(anchor.gray, gray, None)
        bwd = self._dis.calc(gray, anchor.gray, None)
        move = sample_flow(fwd, anchor.points)
        points = anchor.points + move
        fb_err = np.linalg.norm(move + sample_flow(bwd, points), axis=1)
        inside = points_inside(points, gray.shape)
        patches = self._patches(gray, points)
        similar = zncc(anchor.patches, patches) >= self.ncc_thr
        occluded = anchor.occluded | (fb_err > self.fb_thr) | ~similar | ~inside
        link = np.clip(1.0 - fb_err / (2.0 * self.fb_thr), 0.0, 1.0)
        confidence = np.where(inside & similar, np.minimum(anchor.confidence, link), 0.0)
        return points, occluded, anchor.cost + fb_err, confidence, patches

    def _step(self, frame: np.ndarray) -> TrackStep:
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        self._t += 1
        cands = [self._candidate(a, gray) for a in self._anchors(self._t).values()]
        points, occluded, cost, confidence, patches = (np.stack(c) for c in zip(*cands))
        # least uncertain non-occluded candidate, else the least uncertain of all
        choice = np.argmin(np.where(occluded, np.inf, cost), axis=0)
        all_occluded = occluded.all(axis=0)
        choice[all_occluded] = np.argmin(cost[:, all_occluded], axis=0)
        k = np.arange(points.shape[1])
        result = _FrameResult(gray, points[choice, k], occluded[choice, k], cost[choice, k],
                              confidence[choice, k], patches[choice, k])
        self._memory[self._t] = result
        while next(iter(self._memory)) < self._t - self.deltas[-1]:
            self._memory.popitem(last=False)
        return TrackStep(result.points.copy(), ~result.occluded, result.confidence.copy())
