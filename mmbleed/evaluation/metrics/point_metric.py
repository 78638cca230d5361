# Copyright (c) mmbleed contributors. All rights reserved.
"""Bleeding-source localisation metric: Err≤d, Err_avg, PCK, δ (BleedOrigin §5.1)."""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from mmbleed.registry import METRICS
from mmbleed.utils.array import to_numpy
from ..functional import error_rates, pck, tapvid_delta_avg
from ..functional.point import ERR_THRESHOLDS, PCK_FRACTIONS, TAPVID_THRESHOLDS


@METRICS.register_module()
class PointMetric(BaseMetric):
    """Source-point metric: one predicted point per annotated frame.

    Each data sample (a ``BleedDataSample`` or its ``to_dict()``, as MMEngine's ``Evaluator``
    passes) carries ``pred_point`` ``(2,)``, ``gt_point`` ``(2,)``, ``ori_shape`` ``(h, w)``
    and optionally ``gt_visible`` (default True). Samples whose source is not visible or
    whose ``gt_point`` is missing/NaN are skipped; a NaN prediction raises ``ValueError``.
    Points are in the original frame's pixels.

    Reported (prefix ``source/``), shares in ``[0, 1]``:
    ``Err<=d`` for ``d`` in ``err_thresholds`` and ``Err_avg`` (px; BleedOrigin §5.1),
    ``PCK@2%``/``PCK@5%``/``PCK@10%`` (SurgBlood, strict ``<``), ``delta@x``/``delta_avg``
    (TAP-Vid thresholds at 256×256, strict ``<``; each point a one-frame track), and
    ``num_points``.

    Args:
        err_thresholds (Sequence[float]): ``d`` in px. Defaults to ``(10, 25, 50, 75, 100)``.
        pck_fractions (Sequence[float]): PCK fractions. Defaults to ``(0.02, 0.05, 0.10)``.
        delta_thresholds (Sequence[float]): TAP-Vid px at 256×256. Defaults to
            ``(1, 2, 4, 8, 16)``.
        collect_device (str): device for collecting results across ranks. Defaults to 'cpu'.
        prefix (str, optional): metric-name prefix. Defaults to ``'source'``.
    """
    default_prefix: Optional[str] = 'source'

    def __init__(self,
                 err_thresholds: Sequence[float] = ERR_THRESHOLDS,
                 pck_fractions: Sequence[float] = PCK_FRACTIONS,
                 delta_thresholds: Sequence[float] = TAPVID_THRESHOLDS,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.err_thresholds = tuple(err_thresholds)
        self.pck_fractions = tuple(pck_fractions)
        self.delta_thresholds = tuple(delta_thresholds)

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep ``(pred, gt, (w, h))`` of every sample whose source is visible."""
        for sample in data_samples:
            gt = sample.get('gt_point', None)
            visible = sample.get('gt_visible', True)
            if gt is None or not bool(np.all(to_numpy(visible))):
                continue
            gt = to_numpy(gt).reshape(2)
            if np.isnan(gt).any():
                continue
            pred = sample.get('pred_point', None)
            if pred is None:
                raise KeyError('PointMetric needs `pred_point` in every data sample')
            ori_shape = sample.get('ori_shape', None)
            if ori_shape is None:
                raise KeyError('PointMetric needs `ori_shape` (h, w) in every data sample')
            h, w = ori_shape[:2]
            self.results.append(
                dict(
                    pred=to_numpy(pred).reshape(2),
                    gt=gt,
                    size=np.array([w, h], dtype=np.float64)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Stack the kept points and call the pure functions."""
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
        delta = tapvid_delta_avg(
            pred[:, None],
            gt[:, None],
            np.ones((len(gt), 1), dtype=bool),
            sizes,
            thresholds=self.delta_thresholds)
        delta.pop('num_tracks')
        metrics.update(delta)
        metrics['num_points'] = num_points
        return metrics
