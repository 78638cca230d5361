# Copyright (c) mmbleed contributors. All rights reserved.
"""Bleeding-source localisation metric: Err≤d, Err_avg, PCK, δ (BleedOrigin §5.1)."""
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
DEFAULT_BREAKDOWN_KEYS = ('Err<=25', 'Err<=50', 'Err_avg', 'PCK@5%', 'num_points')
#: counts always shown in the breakdown tables
COUNT_KEYS = ('num_points', )


@METRICS.register_module()
class PointMetric(BreakdownMixin, BaseMetric):
    """Source-point metric: one predicted point per annotated frame.

    Each data sample (a ``BleedDataSample`` or its ``to_dict()``, as MMEngine's ``Evaluator``
    passes) carries ``pred_point`` ``(2,)``, ``gt_point`` ``(2,)``, ``ori_shape`` ``(h, w)``
    and optionally ``gt_visible`` (default True). Samples whose source is not visible or
    whose ``gt_point`` is missing/NaN are skipped; a NaN prediction raises ``ValueError``.
    Points are in the original frame's pixels. A localizer that may decline to answer (a
    detector whose best box is below its score threshold) sets ``pred_missing=True``
    instead of a point: the point counts as wrong in every share (``Err<=d``, ``PCK``,
    ``delta``), is left out of ``Err_avg`` and counts in ``miss_rate``.

    Reported (prefix ``source/``), shares in ``[0, 1]``:
    ``Err<=d`` for ``d`` in ``err_thresholds`` and ``Err_avg`` (px; BleedOrigin §5.1),
    ``PCK@2%``/``PCK@5%``/``PCK@10%`` (SurgBlood, strict ``<``), ``delta@x``/``delta_avg``
    (TAP-Vid thresholds at 256×256, strict ``<``; each point a one-frame track),
    ``miss_rate`` (share of points without a prediction) and ``num_points`` (all scored
    points, missed ones included).

    Breakdowns (paper Fig. 9): when samples carry their clip's ``site`` (str) and
    ``scenarios`` (list[str]) — :class:`PackBleedInputs` puts both in the metainfo — the
    points are also scored per group, by the same functions: a point counts in every
    scenario its clip lists and in its clip's site. Per group the ``breakdown_keys`` are
    reported as ``scenario/<scenario>/<key>`` and ``site/<site>/<key>`` (e.g.
    ``source/site/gastric antrum/Err_avg``), and one table per axis (a row ``all``, a row
    per group, columns the headline keys plus ``num_points``) is logged. Points without site
    or scenarios count only in the overall numbers; when none has them, nothing is added.

    Args:
        err_thresholds (Sequence[float]): ``d`` in px. Defaults to ``(10, 25, 50, 75, 100)``.
        pck_fractions (Sequence[float]): PCK fractions. Defaults to ``(0.02, 0.05, 0.10)``.
        delta_thresholds (Sequence[float]): TAP-Vid px at 256×256. Defaults to
            ``(1, 2, 4, 8, 16)``.
        breakdown (Sequence[str]): axes to break the results down by, among
            ``('scenario', 'site')``; ``()`` turns breakdowns off. Defaults to
            ``('scenario', 'site')``.
        breakdown_keys (Sequence[str], optional): keys reported per group; ``None`` takes
            ``('Err<=25', 'Err<=50', 'Err_avg', 'PCK@5%', 'num_points')`` (those that the
            thresholds allow). Defaults to None.
        collect_device (str): device for collecting results across ranks. Defaults to 'cpu'.
        prefix (str, optional): metric-name prefix. Defaults to ``'source'``.
    """
    COUNT_KEYS = COUNT_KEYS
    default_prefix: Optional[str] = 'source'

    def __init__(self,
                 err_thresholds: Sequence[float] = ERR_THRESHOLDS,
                 pck_fractions: Sequence[float] = PCK_FRACTIONS,
                 delta_thresholds: Sequence[float] = TAPVID_THRESHOLDS,
                 breakdown: Union[str, Sequence[str]] = BREAKDOWN_AXES,
                 breakdown_keys: Optional[Sequence[str]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.err_thresholds = tuple(err_thresholds)
        self.pck_fractions = tuple(pck_fractions)
        self.delta_thresholds = tuple(delta_thresholds)
        self.breakdown = check_breakdown(breakdown)
        self.breakdown_keys = check_breakdown_keys(breakdown_keys, DEFAULT_BREAKDOWN_KEYS,
                                                   self._score([]))

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep ``(pred, gt, (w, h))`` and the clip's groups (site, scenarios) of every
        sample whose source is visible."""
        for sample in data_samples:
            gt = sample.get('gt_point', None)
            visible = sample.get('gt_visible', True)
            if gt is None or not bool(np.all(to_numpy(visible))):
                continue
            gt = to_numpy(gt).reshape(2)
            if np.isnan(gt).any():
                continue
            missing = bool(sample.get('pred_missing', False))
            pred = sample.get('pred_point', None)
            if pred is None and not missing:
                raise KeyError('PointMetric needs `pred_point` (or `pred_missing=True`) in '
                               'every data sample')
            ori_shape = sample.get('ori_shape', None)
            if ori_shape is None:
                raise KeyError('PointMetric needs `ori_shape` (h, w) in every data sample')
            h, w = ori_shape[:2]
            self.results.append(
                dict(
                    pred=None if missing else to_numpy(pred).reshape(2),
                    gt=gt,
                    size=np.array([w, h], dtype=np.float64),
                    groups=sample_groups(
                        sample.get('site', None), sample.get('scenarios', None))))

    def _score(self, results: List[dict]) -> Dict[str, float]:
        """Stack the kept points and call the pure functions (overall or of one group);
        missed points count as wrong in every share."""
        num_total = len(results)
        results = [r for r in results if r['pred'] is not None]
        if results:
            pred = np.stack([r['pred'] for r in results])
            gt = np.stack([r['gt'] for r in results])
            sizes = np.stack([r['size'] for r in results])
        else:
            pred = gt = sizes = np.zeros((0, 2))
        metrics: Dict[str, float] = {}
        errors = error_rates(pred, gt, self.err_thresholds)
        num_points = errors.pop('num_points')
        metrics.update(errors)
        metrics.update(pck(pred, gt, sizes, self.pck_fractions))
        # each point is its own one-frame "video": the TAP-Vid shares are over points
        delta = tapvid_metrics(
            pred[:, None, None],
            gt[:, None, None],
            np.ones((len(gt), 1, 1), dtype=bool),
            sizes,
            thresholds=self.delta_thresholds)
        delta.pop('num_videos')
        metrics.update(delta)
        if num_total > num_points:  # shares over every point, a missed one is wrong
            for key, value in metrics.items():
                if key != 'Err_avg':
                    metrics[key] = 0.0 if np.isnan(value) else value * num_points / num_total
        metrics['miss_rate'] = (num_total - num_points) / num_total if num_total else np.nan
        metrics['num_points'] = num_total
        return metrics

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Score all points, then each scenario's and site's."""
        return self.score_with_breakdowns(results, [r.get('groups') for r in results])
