# Copyright (c) mmbleed contributors. All rights reserved.
"""Onset and source readouts of a box detector, scored by OnsetMetric and PointMetric.

BleedOrigin compares its onset and source stages with YOLO-style detectors (paper §5.2,
Tables 5–6) read out this way: the **onset** of a clip is the first frame whose best
detection score reaches the threshold, the **source** is the centre of the best box; the
paper sweeps the threshold over 0.25, 0.10 and 0.01.
"""
import math
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric

from mmbleed.registry import METRICS
from mmbleed.utils.array import to_numpy
from ..functional.breakdown import BREAKDOWN_AXES
from .onset_metric import OnsetMetric
from .point_metric import PointMetric


def box_centre(bbox: Sequence[float]) -> np.ndarray:
    """Centre ``(x, y)`` of an ``[x1, y1, x2, y2]`` box."""
    x1, y1, x2, y2 = (float(v) for v in bbox)
    return np.array([(x1 + x2) / 2, (y1 + y2) / 2], dtype=np.float64)


def first_frame_at_or_above(scores: Sequence[float], thr: float) -> int:
    """Index of the first score ``>= thr``, or -1 when none reaches it."""
    hits = np.flatnonzero(np.asarray(scores, dtype=np.float64) >= thr)
    return int(hits[0]) if len(hits) else -1


def _get(sample: Any, key: str, default: Any = None) -> Any:
    value = sample.get(key, default)
    return default if value is None else value


@METRICS.register_module()
class DetectorReadoutMetric(BaseMetric):
    """Onset and source of a clip from a box detector run on every frame (paper §5.2).

    Each data sample is one frame (mmdet's ``DetDataSample`` or its ``to_dict()``) carrying
    ``pred_instances`` (``bboxes`` ``(K, 4)`` in original pixels, ``scores`` ``(K,)``) and,
    in its metainfo, ``clip_id``, ``frame_idx``, ``num_frames``, ``gt_onset`` (``-1``: no
    bleeding), ``gt_point``, ``gt_visible``, ``ori_shape`` and optionally ``fps``, ``site``
    and ``scenarios`` (as ``SourceBoxDataset(frames='all')`` and ``PackDetInputs`` with
    those ``meta_keys`` give them). Every frame of a clip must be there: the onset readout
    scans the whole clip.

    For each threshold ``t`` in ``score_thrs``:

    - **onset** — the clip's onset is the first frame whose best score is ``>= t``
      (``-1`` when none), and the alert is raised at that frame (the detector is causal);
      scored by :class:`OnsetMetric` as ``onset@<t>/<key>`` (``Acc@k``, ``MAE``,
      ``miss_rate``, ``false_alarm_rate``, ``false_alarms_per_min``, alert delays, per
      scenario and site).
    - **source** — at the true onset frame of every bleeding clip whose source is visible
      there (the source stage's task, as ``SourceDataset(frames='onset')``), the centre of
      the best box when its score is ``>= t``, otherwise no answer (``pred_missing``: wrong
      in every share, counted in ``miss_rate``); scored by :class:`PointMetric` as
      ``source@<t>/<key>``.

    ``<t>`` is written with ``'{:g}'`` (``0.25``, ``0.1``, ``0.01``).

    Args:
        score_thrs (Sequence[float]): detection-score thresholds. Defaults to the paper's
            ``(0.25, 0.10, 0.01)``.
        breakdown (Sequence[str]): breakdown axes passed to both metrics. Defaults to
            ``('scenario', 'site')``.
        collect_device (str): device for collecting results across ranks. Defaults to 'cpu'.
        prefix (str, optional): prefix before every key. Defaults to None.
    """
    default_prefix: Optional[str] = None

    def __init__(self,
                 score_thrs: Sequence[float] = (0.25, 0.10, 0.01),
                 breakdown: Union[str, Sequence[str]] = BREAKDOWN_AXES,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not score_thrs or not all(0 <= float(t) <= 1 for t in score_thrs):
            raise ValueError(f'score_thrs must be scores in [0, 1], got {score_thrs!r}')
        self.score_thrs = tuple(float(t) for t in score_thrs)
        self.breakdown = breakdown

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep each frame's best score and best-box centre with its clip's ground truth."""
        for sample in data_samples:
            for key in ('clip_id', 'frame_idx', 'num_frames', 'gt_onset', 'ori_shape'):
                if sample.get(key, None) is None:
                    raise KeyError(f'DetectorReadoutMetric needs `{key}` in every data '
                                   'sample (test on SourceBoxDataset(frames=\'all\') and '
                                   'list it in PackDetInputs meta_keys)')
            pred = _get(sample, 'pred_instances', {})
            scores = to_numpy(_get(pred, 'scores', np.zeros(0))).reshape(-1)
            if len(scores):
                best = int(np.argmax(scores))
                score = float(scores[best])
                centre = box_centre(to_numpy(pred['bboxes']).reshape(-1, 4)[best])
            else:
                score, centre = 0.0, np.full(2, np.nan)
            gt_point = _get(sample, 'gt_point', np.full(2, np.nan))
            self.results.append(
                dict(
                    clip_id=sample['clip_id'],
                    frame_idx=int(sample['frame_idx']),
                    num_frames=int(sample['num_frames']),
                    fps=float(_get(sample, 'fps', 30.0)),
                    gt_onset=int(sample['gt_onset']),
                    gt_point=to_numpy(gt_point).astype(np.float64).reshape(2),
                    gt_visible=bool(_get(sample, 'gt_visible', False)),
                    ori_shape=tuple(int(v) for v in sample['ori_shape'][:2]),
                    site=sample.get('site', None),
                    scenarios=sample.get('scenarios', None),
                    score=score,
                    centre=centre))

    @staticmethod
    def _clips(results: List[dict]) -> List[List[dict]]:
        """Frames grouped by clip, in frame order; a clip with missing frames is an
        error."""
        by_clip: Dict[str, List[dict]] = {}
        for r in results:
            by_clip.setdefault(r['clip_id'], []).append(r)
        clips = []
        for clip_id, frames in by_clip.items():
            frames.sort(key=lambda r: r['frame_idx'])
            got = [r['frame_idx'] for r in frames]
            if got != list(range(frames[0]['num_frames'])):
                raise ValueError(
                    f'clip {clip_id!r}: the onset readout needs every frame, got '
                    f'{len(got)} of {frames[0]["num_frames"]} (test on '
                    "SourceBoxDataset(frames='all'))")
            clips.append(frames)
        return clips

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Read each clip out at every threshold and score onsets and onset-frame points."""
        clips = self._clips(results)
        metrics: Dict[str, float] = {}
        for thr in self.score_thrs:
            tag = f'{thr:g}'
            onset_metric = OnsetMetric(breakdown=self.breakdown, prefix=f'onset@{tag}')
            point_metric = PointMetric(breakdown=self.breakdown, prefix=f'source@{tag}')
            for frames in clips:
                first = frames[0]
                meta = dict(
                    clip_id=first['clip_id'],
                    gt_onset=first['gt_onset'],
                    num_frames=first['num_frames'],
                    fps=first['fps'],
                    site=first['site'],
                    scenarios=first['scenarios'])
                onset = first_frame_at_or_above([f['score'] for f in frames], thr)
                onset_metric.process(None, [dict(meta, pred_onset=onset)])
                if first['gt_onset'] < 0:
                    continue
                at_onset = frames[first['gt_onset']]
                if not at_onset['gt_visible'] or np.isnan(at_onset['gt_point']).any():
                    continue
                answered = at_onset['score'] >= thr and not math.isnan(at_onset['centre'][0])
                point_metric.process(None, [
                    dict(
                        meta,
                        gt_point=at_onset['gt_point'],
                        gt_visible=True,
                        ori_shape=at_onset['ori_shape'],
                        pred_point=at_onset['centre'] if answered else None,
                        pred_missing=not answered)
                ])
            for metric in (onset_metric, point_metric):
                scores = metric.compute_metrics(metric.results)
                metrics.update({f'{metric.prefix}/{k}': v for k, v in scores.items()})
        return metrics
