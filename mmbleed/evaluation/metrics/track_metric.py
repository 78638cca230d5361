# Copyright (c) mmbleed contributors. All rights reserved.
"""Bleeding-source tracking metric: Err≤d, Err_avg, PCK, TAP-Vid δ, OA (BleedOrigin §5.1)."""
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric

from mmbleed.registry import METRICS
from mmbleed.utils.array import to_numpy
from ..functional import error_rates, pck, tapvid_metrics
from .breakdown_mixin import BreakdownMixin
from ..functional.breakdown import (BREAKDOWN_AXES, check_breakdown,
                                    check_breakdown_keys, sample_groups)
from ..functional.point import ERR_THRESHOLDS, PCK_FRACTIONS, TAPVID_THRESHOLDS

#: headline keys reported per scenario / site by default
DEFAULT_BREAKDOWN_KEYS = ('Err<=50', 'Err_avg', 'PCK@5%', 'delta_avg', 'num_points')
#: counts always shown in the breakdown tables
COUNT_KEYS = ('num_points', 'num_tracks')


@METRICS.register_module()
class TrackMetric(BreakdownMixin, BaseMetric):
    """Source-track metric: one clip per sample, with one track or ``N`` tracks.

    Each data sample (a ``BleedDataSample`` or its ``to_dict()``) carries
    ``pred_points`` ``(T, 2)`` or ``(N, T, 2)``, ``gt_points`` of the same shape (NaN rows:
    frame not annotated), ``gt_visible`` ``(T,)`` / ``(N, T)``, ``ori_shape`` ``(h, w)``, and
    optionally ``pred_visible`` (bool, or scores thresholded at ``visible_thr``),
    ``annotated`` ``(T,)`` / ``(N, T)`` and ``query_frame`` (int, or one per track; default
    0). Points are in the original frame's pixels. ``N`` tracks of one clip are, e.g., the
    generator's dense tissue tracks (``tracks_xy``).

    Which frames count (documented choice, following TAP-Vid's "query first" mode): only
    frames **after** the query frame — the tracker is given the source there, so scoring it
    would inflate every number. A frame is *annotated* when ``annotated`` (as
    ``TrackingDataset`` gives it; ``gt_annotated`` is accepted too) says so, or,
    without that field, when its ground-truth point is finite.

    - ``Err<=d``, ``Err_avg`` (BleedOrigin §5.1) and ``PCK@f`` (SurgBlood): pooled over all
      annotated, visible frames after the query frame of all tracks ("share of annotated
      points").
    - ``delta@x``, ``delta_avg`` (TAP-Vid): the same frames, rescaled to 256×256, strict
      ``<``, pooled over the tracks and frames of each clip, then averaged over clips, as
      tapnet's ``compute_tapvid_metrics`` (``tapvid_metrics``).
    - ``OA`` (TAP-Vid occlusion accuracy), ``jaccard@x`` and ``AJ`` (average Jaccard), only
      when samples carry ``pred_visible``: over annotated frames after the query frame,
      visible or not, per clip as ``delta``.
    - ``num_points`` (frames scored by ``Err``), ``num_tracks``.

    A NaN predicted point raises ``ValueError``. Shares are in ``[0, 1]`` (NaN over nothing).

    Breakdowns (paper Fig. 9): when samples carry their clip's ``site`` (str) and
    ``scenarios`` (list[str]) — :class:`PackBleedInputs` puts both in the metainfo — the
    tracks are also scored per group, by the same functions: a track counts in every
    scenario its clip lists and in its clip's site. Per group the ``breakdown_keys`` are
    reported as ``scenario/<scenario>/<key>`` and ``site/<site>/<key>`` (e.g.
    ``track/scenario/camera jitter/delta_avg``; ``OA`` only for groups with predicted
    visibility), and one table per axis (a row ``all``, a row per group, columns the
    headline keys plus ``num_points`` and ``num_tracks``) is logged. Tracks without site or
    scenarios count only in the overall numbers; when none has them, nothing is added.

    Args:
        err_thresholds (Sequence[float]): ``d`` in px. Defaults to ``(10, 25, 50, 75, 100)``.
        pck_fractions (Sequence[float]): PCK fractions. Defaults to ``(0.02, 0.05, 0.10)``.
        delta_thresholds (Sequence[float]): TAP-Vid px at 256×256. Defaults to
            ``(1, 2, 4, 8, 16)``.
        visible_thr (float): threshold for non-boolean ``pred_visible``. Defaults to 0.5.
        breakdown (Sequence[str]): axes to break the results down by, among
            ``('scenario', 'site')``; ``()`` turns breakdowns off. Defaults to
            ``('scenario', 'site')``.
        breakdown_keys (Sequence[str], optional): keys reported per group; ``None`` takes
            ``('Err<=50', 'Err_avg', 'PCK@5%', 'delta_avg', 'num_points')`` (those that the
            thresholds allow). Defaults to None.
        collect_device (str): device for collecting results across ranks. Defaults to 'cpu'.
        prefix (str, optional): metric-name prefix. Defaults to ``'track'``.
    """
    COUNT_KEYS = COUNT_KEYS
    default_prefix: Optional[str] = 'track'

    def __init__(self,
                 err_thresholds: Sequence[float] = ERR_THRESHOLDS,
                 pck_fractions: Sequence[float] = PCK_FRACTIONS,
                 delta_thresholds: Sequence[float] = TAPVID_THRESHOLDS,
                 visible_thr: float = 0.5,
                 breakdown: Union[str, Sequence[str]] = BREAKDOWN_AXES,
                 breakdown_keys: Optional[Sequence[str]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.err_thresholds = tuple(err_thresholds)
        self.pck_fractions = tuple(pck_fractions)
        self.delta_thresholds = tuple(delta_thresholds)
        self.visible_thr = visible_thr
        self.breakdown = check_breakdown(breakdown)
        self.breakdown_keys = check_breakdown_keys(breakdown_keys, DEFAULT_BREAKDOWN_KEYS,
                                                   [*self._score([]), 'OA', 'AJ'])

    def _visibility(self, value: Any) -> np.ndarray:
        value = to_numpy(value, dtype=None)
        return value if value.dtype == bool else value > self.visible_thr

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep each clip's tracks with their masks of annotated and evaluated frames and the
        clip's groups (site, scenarios)."""
        for sample in data_samples:
            for key in ('pred_points', 'gt_points', 'gt_visible', 'ori_shape'):
                if sample.get(key, None) is None:
                    raise KeyError(f'TrackMetric needs `{key}` in every data sample')
            gt = to_numpy(sample.get('gt_points'))
            pred = to_numpy(sample.get('pred_points'))
            if pred.shape != gt.shape:
                raise ValueError(f'pred_points {pred.shape} and gt_points {gt.shape} differ')
            if gt.ndim not in (2, 3) or gt.shape[-1] != 2:
                raise ValueError(f'gt_points must be (T, 2) or (N, T, 2), got {gt.shape}')
            gt, pred = gt.reshape(-1, gt.shape[-2], 2), pred.reshape(-1, gt.shape[-2], 2)
            if np.isnan(pred).any():
                raise ValueError('NaN in predicted points')
            shape = gt.shape[:2]  # (N, T)
            visible = np.broadcast_to(self._visibility(sample.get('gt_visible')),
                                      shape).copy()
            annotated = sample.get('annotated', sample.get('gt_annotated', None))
            annotated = (~np.isnan(gt).any(axis=-1) if annotated is None else
                         np.broadcast_to(to_numpy(annotated, bool), shape))
            query_frame = np.broadcast_to(
                np.asarray(sample.get('query_frame', 0) or 0, dtype=np.int64).reshape(-1, 1),
                (shape[0], 1))
            h, w = sample.get('ori_shape')[:2]
            result = dict(
                pred=pred,
                gt=gt,
                visible=visible,
                evaluated=annotated & (np.arange(shape[1])[None] > query_frame),
                size=np.array([w, h], dtype=np.float64),
                groups=sample_groups(sample.get('site', None), sample.get('scenarios', None)))
            if sample.get('pred_visible', None) is not None:
                result['pred_visible'] = np.broadcast_to(
                    self._visibility(sample.get('pred_visible')), shape)
            self.results.append(result)

    def _score(self, results: List[dict]) -> Dict[str, float]:
        """Pool points for Err/PCK, pad clips to one track count and length for the TAP-Vid
        shares, and call the pure functions (overall or of one group)."""
        metrics: Dict[str, float] = {}
        # Err and PCK: pooled over scored points of all tracks.
        preds, gts, sizes = [np.zeros((0, 2))], [np.zeros((0, 2))], [np.zeros((0, 2))]
        for r in results:
            scored = r['evaluated'] & r['visible'] & ~np.isnan(r['gt']).any(axis=-1)
            preds.append(r['pred'][scored])
            gts.append(r['gt'][scored])
            sizes.append(np.repeat(r['size'][None], scored.sum(), axis=0))
        pred, gt, size = (np.concatenate(x) for x in (preds, gts, sizes))
        errors = error_rates(pred, gt, self.err_thresholds)
        num_points = errors.pop('num_points')
        metrics.update(errors)
        metrics.update(pck(pred, gt, size, self.pck_fractions))

        # TAP-Vid shares per clip: pad to (clips, tracks, frames); padding is not evaluated.
        num_clips = len(results)
        max_tracks = max([len(r['gt']) for r in results] or [0])
        max_len = max([r['gt'].shape[1] for r in results] or [0])
        shape = (num_clips, max_tracks, max_len)
        pad_pred, pad_gt = np.zeros(shape + (2, )), np.full(shape + (2, ), np.nan)
        pad_visible, pad_eval = np.zeros(shape, bool), np.zeros(shape, bool)
        with_vis = np.array(['pred_visible' in r for r in results], bool)
        pad_pred_visible = np.zeros(shape, bool)
        for i, r in enumerate(results):
            n, t = r['gt'].shape[:2]
            pad_pred[i, :n, :t], pad_gt[i, :n, :t] = r['pred'], r['gt']
            pad_visible[i, :n, :t], pad_eval[i, :n, :t] = r['visible'], r['evaluated']
            if 'pred_visible' in r:
                pad_pred_visible[i, :n, :t] = r['pred_visible']
        clip_sizes = np.stack([r['size'] for r in results]) if results else np.ones((0, 2))
        # one call when every clip predicts visibility (the usual case); else OA and Jaccard
        # from a second call over the clips that do
        every = bool(with_vis.all()) and len(results) > 0
        tapvid = tapvid_metrics(pad_pred, pad_gt, pad_visible, clip_sizes,
                                pred_visible=pad_pred_visible if every else None,
                                thresholds=self.delta_thresholds, eval_mask=pad_eval)
        if with_vis.any() and not every:
            occlusion = tapvid_metrics(pad_pred[with_vis], pad_gt[with_vis],
                                       pad_visible[with_vis], clip_sizes[with_vis],
                                       pred_visible=pad_pred_visible[with_vis],
                                       thresholds=self.delta_thresholds,
                                       eval_mask=pad_eval[with_vis])
            tapvid.update({k: v for k, v in occlusion.items()
                           if k == 'OA' or k == 'AJ' or k.startswith('jaccard@')})
        tapvid.pop('num_videos')
        metrics.update(tapvid)
        metrics['num_points'] = num_points
        metrics['num_tracks'] = int(sum(len(r['gt']) for r in results))
        return metrics

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Score all tracks, then each scenario's and site's."""
        return self.score_with_breakdowns(results, [r.get('groups') for r in results])
