# Copyright (c) mmbleed contributors. All rights reserved.
"""Point-localisation arithmetic for the source and tracking stages.

Definitions (all distances Euclidean, points ``(x, y)``):

- ``Err≤d`` and ``Err_avg`` — BleedOrigin §5.1: share of annotated points within ``d`` px
  (inclusive) and mean distance, in the **original frame's pixels**.
- ``PCK@f`` — SurgBlood/BlooDet (Pei et al., 2025, ``Evaluate.py``): points are normalised by
  the frame's width and height (the frame resized to an ``S × S`` square), and a point is
  correct when its distance is **strictly** below ``f · S``. ``S`` cancels, so it is computed
  on the unit square.
- ``delta@x`` and ``delta_avg`` — TAP-Vid (Doersch et al., 2022,
  ``tapnet/evaluation_datasets.py``, ``compute_tapvid_metrics``): both tracks are rescaled to
  256×256, a point is within ``x`` px when its distance is **strictly** below ``x``, only
  frames whose ground truth is visible count, the share is pooled over all tracks and frames
  of a video and then averaged over videos; ``delta_avg`` is the mean over
  ``x ∈ {1, 2, 4, 8, 16}``.
- ``OA`` — TAP-Vid's occlusion accuracy: share of evaluated frames whose predicted
  visibility equals the ground truth's; ``jaccard@x`` and ``AJ`` (average Jaccard) — TAP-Vid's
  Jaccard of the points predicted visible and within ``x``; both per video, as ``delta``.

NaN policy: a NaN in a **prediction** is an error (``ValueError``). A NaN in the **ground
truth** marks an unannotated point; it is skipped, as are invisible ground-truth points.
A share over zero points is NaN.
"""
import math
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np

ArrayLike = Union[np.ndarray, Sequence]

ERR_THRESHOLDS = (10, 25, 50, 75, 100)
PCK_FRACTIONS = (0.02, 0.05, 0.10)
TAPVID_THRESHOLDS = (1, 2, 4, 8, 16)
TAPVID_SIZE = 256


def _check_points(pred: ArrayLike, gt: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    """Return ``pred`` and ``gt`` as float64 arrays of one shape ``(..., 2)``."""
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    if pred.shape != gt.shape:
        raise ValueError(f'pred and gt must have the same shape, got {pred.shape} and '
                         f'{gt.shape}')
    if pred.ndim == 0 or pred.shape[-1] != 2:
        raise ValueError(f'points must have shape (..., 2), got {pred.shape}')
    if np.isnan(pred).any():
        raise ValueError('NaN in predicted points')
    return pred, gt


def _share(hits: np.ndarray) -> float:
    return float(hits.mean()) if hits.size else math.nan


def _format_fraction(fraction: float) -> str:
    return f'{round(fraction * 100, 6):g}%'


def point_errors(pred: ArrayLike, gt: ArrayLike) -> np.ndarray:
    """Euclidean distance per point, in the coordinates given (original pixels).

    Args:
        pred: ``(N, 2)`` (or ``(..., 2)``) predicted points; NaN raises ``ValueError``.
        gt: ground-truth points of the same shape; NaN (unannotated) gives a NaN error.

    Returns:
        np.ndarray: ``(N,)`` (or ``(...)``) distances.
    """
    pred, gt = _check_points(pred, gt)
    return np.linalg.norm(pred - gt, axis=-1)


def error_rates(pred: ArrayLike,
                gt: ArrayLike,
                thresholds: Sequence[float] = ERR_THRESHOLDS) -> Dict[str, float]:
    """``Err≤d`` (inclusive) and ``Err_avg`` over annotated points (BleedOrigin §5.1).

    Args:
        pred: ``(N, 2)`` predicted points in original pixels.
        gt: ``(N, 2)`` ground-truth points; NaN rows are skipped.
        thresholds: distances ``d`` in pixels. Defaults to ``(10, 25, 50, 75, 100)``.

    Returns:
        dict with ``Err<=d`` for each ``d``, ``Err_avg`` and ``num_points``.
    """
    errors = point_errors(pred, gt).reshape(-1)
    errors = errors[~np.isnan(errors)]
    results = {f'Err<={d:g}': _share(errors <= d) for d in thresholds}
    results['Err_avg'] = float(errors.mean()) if errors.size else math.nan
    results['num_points'] = int(errors.size)
    return results


def pck(pred: ArrayLike,
        gt: ArrayLike,
        image_sizes: ArrayLike,
        fractions: Sequence[float] = PCK_FRACTIONS) -> Dict[str, float]:
    """SurgBlood's PCK: share of points closer than ``f`` × the side of the squared frame.

    Each frame of size ``(w, h)`` is (conceptually) resized to ``S × S``, i.e. ``x`` scaled by
    ``S / w`` and ``y`` by ``S / h``; a point is correct when the distance is ``< f · S``
    (strict). ``S`` cancels, so distances are taken on the unit square.

    Args:
        pred: ``(N, 2)`` predicted points in original pixels.
        gt: ``(N, 2)`` ground-truth points; NaN rows are skipped.
        image_sizes: ``(N, 2)`` or ``(2,)`` frame sizes as ``(w, h)``.
        fractions: thresholds as fractions of the side. Defaults to ``(0.02, 0.05, 0.10)``.

    Returns:
        dict with ``PCK@2%``, ``PCK@5%``, ``PCK@10%`` (keys follow ``fractions``).
    """
    pred, gt = _check_points(pred, gt)
    sizes = np.broadcast_to(np.asarray(image_sizes, dtype=np.float64), pred.shape)
    if (sizes <= 0).any():
        raise ValueError('image sizes must be positive')
    dist = np.linalg.norm((pred - gt) / sizes, axis=-1).reshape(-1)
    dist = dist[~np.isnan(dist)]
    return {f'PCK@{_format_fraction(f)}': _share(dist < f) for f in fractions}


def tapvid_metrics(pred: ArrayLike,
                   gt: ArrayLike,
                   visible: ArrayLike,
                   image_size: ArrayLike,
                   pred_visible: Optional[ArrayLike] = None,
                   eval_mask: Optional[ArrayLike] = None,
                   thresholds: Sequence[float] = TAPVID_THRESHOLDS) -> Dict[str, float]:
    """TAP-Vid's ``<δ^x``, ``δ_avg``, occlusion accuracy and (average) Jaccard, per video.

    As tapnet's ``compute_tapvid_metrics`` (``tapnet/evaluation_datasets.py``): each video's
    shares are pooled over all its tracks and frames, then averaged over videos. Points are
    rescaled from the video's ``(w, h)`` to 256×256; a point is within ``x`` when its distance
    is ``< x`` (strict).

    - ``delta@x``: of the evaluated frames with visible ground truth, the share within ``x``
      (predicted visibility ignored); ``delta_avg`` its mean over the thresholds.
    - ``OA`` (with ``pred_visible``): share of evaluated frames whose predicted visibility is
      the ground truth's.
    - ``jaccard@x`` and ``AJ`` (with ``pred_visible``): true positives (within ``x``, visible
      and predicted visible) over ground-truth visible points plus false positives
      (predicted visible where the ground truth is hidden or farther than ``x``).

    Evaluated frames: those of ``eval_mask`` (default: all; e.g. the frames after the query
    frame), except visible frames without a ground-truth point (NaN: not annotated); a
    hidden frame needs no point. A video with nothing to score for a share is left out of
    that share's mean (tapnet would give NaN for it).

    Args:
        pred: ``(V, N, T, 2)`` predicted tracks in original pixels (V videos of N tracks of T
            frames; pad ragged videos and mask the padding out with ``eval_mask``).
        gt: ``(V, N, T, 2)`` ground-truth tracks; NaN where there is no point.
        visible: ``(V, N, T)`` ground-truth visibility.
        image_size: ``(2,)`` or ``(V, 2)`` frame size ``(w, h)`` of each video.
        pred_visible: optional ``(V, N, T)`` predicted visibility (bool).
        eval_mask: optional ``(V, N, T)`` bool, the frames to evaluate.
        thresholds: pixel thresholds at 256×256. Defaults to ``(1, 2, 4, 8, 16)``.

    Returns:
        dict: ``delta@x``, ``delta_avg``, with ``pred_visible`` also ``OA``, ``jaccard@x``
        and ``AJ``; ``num_videos`` (videos with a visible evaluated point).
    """
    pred, gt = _check_points(pred, gt)
    if pred.ndim != 4:
        raise ValueError(f'tracks must have shape (videos, tracks, frames, 2), got {pred.shape}')
    shape = pred.shape[:-1]
    visible = np.asarray(visible, dtype=bool)
    if visible.shape != shape:
        raise ValueError(f'visible must have shape {shape}, got {visible.shape}')
    # a visible frame without a point is not annotated; a hidden one needs no point
    annotated = ~np.isnan(gt).any(axis=-1) | ~visible
    if eval_mask is not None:
        eval_mask = np.asarray(eval_mask, dtype=bool)
        if eval_mask.shape != shape:
            raise ValueError(f'eval_mask must have shape {shape}, got {eval_mask.shape}')
        annotated &= eval_mask
    size = np.broadcast_to(np.asarray(image_size, dtype=np.float64), (shape[0], 2))
    if (size <= 0).any():
        raise ValueError(f'image_size must be positive (w, h), got {image_size}')
    scale = TAPVID_SIZE / size[:, None, None, :]
    sq_dist = np.sum(np.square(np.nan_to_num(pred - gt) * scale), axis=-1)

    def count(mask: np.ndarray) -> np.ndarray:
        return mask.sum(axis=(1, 2))

    def per_video_mean(numer: np.ndarray, denom: np.ndarray) -> float:
        """Mean over videos of per-video counts ``numer / denom`` (videos with denom 0
        left out)."""
        has = denom > 0
        return float(np.mean(numer[has] / denom[has])) if has.any() else math.nan

    seen = visible & annotated
    results: Dict[str, float] = {}
    within_at = {x: sq_dist < x * x for x in thresholds}
    deltas = [per_video_mean(count(within_at[x] & seen), count(seen)) for x in thresholds]
    results.update({f'delta@{x:g}': d for x, d in zip(thresholds, deltas)})
    results['delta_avg'] = float(np.mean(deltas)) if deltas else math.nan
    if pred_visible is not None:
        pred_visible = np.asarray(pred_visible, dtype=bool)
        if pred_visible.shape != shape:
            raise ValueError(f'pred_visible must have shape {shape}, got '
                             f'{pred_visible.shape}')
        results['OA'] = per_video_mean(count((pred_visible == visible) & annotated),
                                       count(annotated))
        jaccards = []
        for x in thresholds:
            true_pos = count(within_at[x] & seen & pred_visible)
            # tapnet adds the two counts: a visible point predicted visible but too far is
            # both a missed ground-truth point and a false positive
            false_pos = count(pred_visible & annotated & (~visible | ~within_at[x]))
            jaccards.append(per_video_mean(true_pos, count(seen) + false_pos))
            results[f'jaccard@{x:g}'] = jaccards[-1]
        results['AJ'] = float(np.mean(jaccards)) if jaccards else math.nan
    results['num_videos'] = int((count(seen) > 0).sum())
    return results
