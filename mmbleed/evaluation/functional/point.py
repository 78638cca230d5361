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
  frames whose ground truth is visible count, the share is taken per track and then averaged
  over tracks; ``delta_avg`` is the mean over ``x ∈ {1, 2, 4, 8, 16}``.
- ``OA`` — TAP-Vid's occlusion accuracy: share of evaluated frames whose predicted
  visibility equals the ground truth's.

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


def tapvid_delta_avg(pred: ArrayLike,
                     gt: ArrayLike,
                     visible: ArrayLike,
                     image_size: ArrayLike,
                     thresholds: Sequence[float] = TAPVID_THRESHOLDS,
                     eval_mask: Optional[ArrayLike] = None) -> Dict[str, float]:
    """TAP-Vid's ``<δ^x`` and ``δ_avg`` (Doersch et al., 2022).

    Points are rescaled from ``(w, h)`` to 256×256, a point is within ``x`` when its distance
    is ``< x`` (strict), and only frames with visible, annotated (non-NaN) ground truth — and,
    when given, ``eval_mask`` true — count. Shares are per track (the last-but-one axis is
    time), then averaged over tracks that have at least one evaluated frame.

    Args:
        pred: ``(..., T, 2)`` predicted tracks in original pixels.
        gt: ``(..., T, 2)`` ground-truth tracks; NaN means not annotated (skipped).
        visible: ``(..., T)`` ground-truth visibility.
        image_size: ``(2,)`` or ``(..., 2)`` frame size ``(w, h)`` per track.
        thresholds: pixel thresholds at 256×256. Defaults to ``(1, 2, 4, 8, 16)``.
        eval_mask: optional ``(..., T)`` bool, frames to evaluate (e.g. all but the query).

    Returns:
        dict with ``delta@x`` for each ``x``, ``delta_avg`` and ``num_tracks`` (tracks with
        at least one evaluated frame).
    """
    pred, gt = _check_points(pred, gt)
    if pred.ndim < 2:
        raise ValueError(f'tracks must have shape (..., T, 2), got {pred.shape}')
    visible = np.asarray(visible, dtype=bool)
    if visible.shape != pred.shape[:-1]:
        raise ValueError(f'visible must have shape {pred.shape[:-1]}, got {visible.shape}')
    mask = visible & ~np.isnan(gt).any(axis=-1)
    if eval_mask is not None:
        eval_mask = np.asarray(eval_mask, dtype=bool)
        if eval_mask.shape != mask.shape:
            raise ValueError(f'eval_mask must have shape {mask.shape}, got '
                             f'{eval_mask.shape}')
        mask &= eval_mask
    size = np.asarray(image_size, dtype=np.float64)
    if size.shape[-1:] != (2, ) or (size <= 0).any():
        raise ValueError(f'image_size must be positive (w, h), got {size}')
    scale = TAPVID_SIZE / size[..., None, :]  # broadcast over time
    sq_dist = np.sum(np.square((pred - gt) * scale), axis=-1)
    sq_dist = np.where(mask, sq_dist, np.inf)  # no NaN comparisons

    counts = mask.sum(axis=-1).reshape(-1)
    has_points = counts > 0
    results: Dict[str, float] = {}
    fractions = []
    for x in thresholds:
        within = (sq_dist < x * x).sum(axis=-1).reshape(-1)
        per_track = within[has_points] / counts[has_points]
        value = float(per_track.mean()) if has_points.any() else math.nan
        results[f'delta@{x:g}'] = value
        fractions.append(value)
    results['delta_avg'] = float(np.mean(fractions)) if fractions else math.nan
    results['num_tracks'] = int(has_points.sum())
    return results


def occlusion_accuracy(pred_visible: ArrayLike,
                       gt_visible: ArrayLike,
                       eval_mask: Optional[ArrayLike] = None) -> float:
    """TAP-Vid's occlusion accuracy (OA): share of evaluated frames with the right visibility.

    As in TAP-Vid the share is taken per track and then averaged over tracks (tracks with no
    evaluated frame are left out).

    Args:
        pred_visible: ``(..., T)`` predicted visibility (bool).
        gt_visible: ``(..., T)`` ground-truth visibility (bool).
        eval_mask: optional ``(..., T)`` bool, the frames to evaluate.

    Returns:
        float: OA in ``[0, 1]`` (NaN when no frame is evaluated).
    """
    pred_visible = np.asarray(pred_visible, dtype=bool)
    gt_visible = np.asarray(gt_visible, dtype=bool)
    if pred_visible.shape != gt_visible.shape or pred_visible.ndim == 0:
        raise ValueError(f'pred_visible and gt_visible must have one shape (..., T), got '
                         f'{pred_visible.shape} and {gt_visible.shape}')
    mask = np.ones_like(gt_visible) if eval_mask is None else np.asarray(
        eval_mask, dtype=bool)
    if mask.shape != gt_visible.shape:
        raise ValueError(f'eval_mask must have shape {gt_visible.shape}, got {mask.shape}')
    counts = mask.sum(axis=-1).reshape(-1)
    correct = ((pred_visible == gt_visible) & mask).sum(axis=-1).reshape(-1)
    has_frames = counts > 0
    if not has_frames.any():
        return math.nan
    return float(np.mean(correct[has_frames] / counts[has_frames]))
