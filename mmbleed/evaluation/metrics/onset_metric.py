# Copyright (c) mmbleed contributors. All rights reserved.
"""Bleeding-onset metric: Acc±k, MAE, miss and false-alarm rates (BleedOrigin §5.1)."""
from typing import Any, Dict, List, Optional, Sequence, Union

from mmengine.evaluator import BaseMetric

from mmbleed.registry import METRICS
from mmbleed.utils.array import to_numpy
from ..functional import (alert_statistics, earliest_onset_from_windows,
                          first_alert_from_windows, is_no_onset, onset_accuracy)
from .breakdown_mixin import BreakdownMixin
from ..functional.breakdown import (BREAKDOWN_AXES, check_breakdown,
                                    check_breakdown_keys, merge_groups, sample_groups)
from ..functional.onset import DEFAULT_KS

#: headline keys reported per scenario / site by default
DEFAULT_BREAKDOWN_KEYS = ('Acc@4', 'Acc@8', 'MAE', 'false_alarm_rate', 'alert_delay_median',
                          'num_clips', 'num_negative')
#: counts always shown in the breakdown tables
COUNT_KEYS = ('num_clips', 'num_negative')


def _scalar(value: Any) -> Optional[float]:
    """A Python float from a number, 0-d/1-element array or tensor (``None`` stays)."""
    if value is None:
        return None
    return float(to_numpy(value).reshape(-1)[0])


def _onset(value: Any) -> Optional[float]:
    """An onset frame as float, or ``None`` for "no onset" (``None``, NaN, negative)."""
    value = _scalar(value)
    return None if is_no_onset(value) else value


@METRICS.register_module()
class OnsetMetric(BreakdownMixin, BaseMetric):
    """Onset-detection accuracy over clips (BleedOrigin §5.1; window rule §4.1).

    Each data sample (a ``BleedDataSample`` or its ``to_dict()``) carries ``clip_id`` and
    ``gt_onset`` (``-1``/``None`` for a clip without bleeding), and either (window mode wins
    when a sample has ``pred_theta``)

    - **clip mode**: ``pred_onset`` — the predicted onset frame of the whole clip (``-1`` or
      ``None`` for "no onset"), e.g. from :class:`BleedOnsetDetector` or the YOLO-style
      baselines, and optionally ``pred_alert_frame``, the frame at which a streaming
      detector raises its alert (without it, the alert is taken to be raised at
      ``pred_onset``, the earliest it could be); or
    - **window mode**: one sample per sliding window with ``window_start`` (falls back to
      ``frame_idx``), ``pred_theta`` and ``pred_confidence`` (falls back to
      ``pred_score``). ``compute_metrics`` groups windows by ``clip_id`` and reduces them
      with :func:`earliest_onset_from_windows` (earliest ``t + ⌊θN⌋`` over windows with
      confidence ``> conf_thr``); the alert is raised at the end of the first confident
      window (:func:`first_alert_from_windows`).

    Ground truth is the absolute onset frame in the clip (``OnsetDataset``'s ``gt_onset``). A
    window shorter than ``N`` at the clip's end (``valid_len``, padded by the dataset) cannot
    put the onset past its last real frame.

    Reported (prefix ``onset/``): ``Acc@k`` for each ``k`` (share of bleeding clips with
    ``|t_pred − t_gt| ≤ k``; a clip with no prediction is wrong), ``MAE`` (frames, over
    bleeding clips with a prediction), ``miss_rate`` and ``num_missed`` (bleeding clips
    without a prediction), ``false_alarm_rate`` (mmbleed's addition: share of clips without
    bleeding that got an onset), ``num_clips`` and ``num_negative``; and, for a detector that
    raises alerts in a stream (:func:`alert_statistics`): ``false_alarms_per_min`` (alerts
    raised in bleeding-free video, i.e. on clips without bleeding or before the onset, per
    minute of such video; needs ``num_frames`` in the samples' metainfo, ``fps`` defaults to
    30), ``alert_delay_median`` and ``alert_delay_mean`` (alert frame − true onset, frames)
    and ``alert_delay_median_s`` (seconds). Shares are in ``[0, 1]``; a share over zero
    clips is NaN.

    Breakdowns (paper Fig. 9): when samples carry their clip's ``site`` (str) and
    ``scenarios`` (list[str]) — :class:`PackBleedInputs` puts both in the metainfo — the
    clips are also scored per group, by the same :func:`onset_accuracy`: a clip counts in
    every scenario it lists and in its site, clips without bleeding included (for the
    false-alarm rate). Per group the ``breakdown_keys`` are reported as
    ``scenario/<scenario>/<key>`` and ``site/<site>/<key>`` (e.g.
    ``onset/scenario/water flushing/Acc@4``), and one table per axis (a row ``all``, a row
    per group, columns the headline keys plus ``num_clips`` and ``num_negative``) is logged.
    Clips without site or scenarios count only in the overall numbers; when no clip has
    them, nothing is added.

    Args:
        ks (Sequence[int]): tolerances in frames. Defaults to ``(0, 1, 2, 4, 8, 16)``.
        window (int): sliding-window length ``N``. Defaults to 60.
        conf_thr (float): window confidence threshold. Defaults to 0.5.
        breakdown (Sequence[str]): axes to break the results down by, among
            ``('scenario', 'site')``; ``()`` turns breakdowns off. Defaults to
            ``('scenario', 'site')``.
        breakdown_keys (Sequence[str], optional): keys reported per group; ``None`` takes
            ``('Acc@4', 'Acc@8', 'MAE', 'false_alarm_rate', 'num_clips', 'num_negative')``
            (those that ``ks`` allows). Defaults to None.
        collect_device (str): device for collecting results across ranks. Defaults to 'cpu'.
        prefix (str, optional): metric-name prefix. Defaults to ``'onset'``.
    """
    COUNT_KEYS = COUNT_KEYS
    default_prefix: Optional[str] = 'onset'

    def __init__(self,
                 ks: Sequence[int] = DEFAULT_KS,
                 window: int = 60,
                 conf_thr: float = 0.5,
                 breakdown: Union[str, Sequence[str]] = BREAKDOWN_AXES,
                 breakdown_keys: Optional[Sequence[str]] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.ks = tuple(ks)
        self.window = window
        self.conf_thr = conf_thr
        self.breakdown = check_breakdown(breakdown)
        self.breakdown_keys = check_breakdown_keys(breakdown_keys, DEFAULT_BREAKDOWN_KEYS,
                                                   self._score([]))

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Keep, per sample, the clip id, the ground truth, the clip or window output and
        the clip's groups (site, scenarios)."""
        for sample in data_samples:
            clip_id = sample.get('clip_id', None)
            if clip_id is None or 'gt_onset' not in sample:
                raise KeyError('OnsetMetric needs `clip_id` and `gt_onset` in every data '
                               'sample')
            num_frames = sample.get('num_frames', None)
            result = dict(
                clip_id=clip_id,
                gt_onset=_onset(sample.get('gt_onset', None)),
                num_frames=None if num_frames is None else int(num_frames),
                fps=float(sample.get('fps', None) or 30.0),
                groups=sample_groups(sample.get('site', None), sample.get('scenarios', None)))
            if sample.get('pred_theta', None) is not None:
                start = sample.get('window_start', sample.get('frame_idx', None))
                conf = sample.get('pred_confidence', sample.get('pred_score', None))
                if start is None or conf is None:
                    raise KeyError('a window sample needs `window_start` (or `frame_idx`) '
                                   'and `pred_confidence` (or `pred_score`)')
                valid_len = sample.get('valid_len', None)
                result.update(
                    window_start=int(_scalar(start)),
                    valid_len=self.window if valid_len is None else int(_scalar(valid_len)),
                    pred_theta=_scalar(sample.get('pred_theta')),
                    pred_confidence=_scalar(conf))
            elif 'pred_onset' in sample:
                result['pred_onset'] = _onset(sample.get('pred_onset'))
                alert = sample.get('pred_alert_frame', None)
                result['pred_alert'] = (result['pred_onset'] if alert is None else
                                        _onset(alert))
            else:
                raise KeyError(f'sample of clip {clip_id!r} has neither `pred_onset` nor '
                               'window outputs (`pred_theta`, `pred_confidence`)')
            self.results.append(result)

    def _clip_gt(self, clip_id: str, items: List[dict]) -> Optional[float]:
        """The clip's ground-truth onset from all its samples (``None``: no bleeding)."""
        onsets = {it['gt_onset'] for it in items}
        if len(onsets) > 1:
            raise ValueError(f'clip {clip_id!r} has conflicting gt_onset values {onsets}')
        return onsets.pop()

    def _score(self, clips: List[dict]) -> Dict[str, float]:
        """Score clips (``dict(pred, gt, alert, num_frames, fps)``), overall or of one
        group."""
        results = onset_accuracy([c['pred'] for c in clips], [c['gt'] for c in clips],
                                 ks=self.ks)
        # without every clip's length there is no bleeding-free duration to divide by:
        # zero lengths make false_alarms_per_min NaN and leave the delays as they are
        known = all(c.get('num_frames') is not None for c in clips)
        alerts = alert_statistics([c['alert'] for c in clips], [c['gt'] for c in clips],
                                  [c['num_frames'] if known else 0 for c in clips],
                                  [c['fps'] for c in clips])
        results.update(alerts)
        return results

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Group by clip, reduce windows to one onset per clip, then score the clips,
        overall and per scenario / site."""
        by_clip: Dict[str, List[dict]] = {}
        for result in results:
            by_clip.setdefault(result['clip_id'], []).append(result)
        clips = []
        for clip_id, items in by_clip.items():
            windowed = ['pred_theta' in it for it in items]
            if any(windowed) and not all(windowed):
                raise ValueError(f'clip {clip_id!r} mixes clip and window predictions')
            if all(windowed):
                pred = earliest_onset_from_windows(
                    [it['window_start'] for it in items], [it['pred_theta'] for it in items],
                    [it['pred_confidence'] for it in items],
                    window=self.window,
                    valid_lens=[it['valid_len'] for it in items],
                    conf_thr=self.conf_thr)
                alert = first_alert_from_windows(
                    [it['window_start'] for it in items],
                    [it['pred_confidence'] for it in items],
                    conf_thr=self.conf_thr,
                    valid_lens=[it['valid_len'] for it in items],
                    window=self.window)
            else:
                if len({it['pred_onset'] for it in items}) > 1:
                    raise ValueError(f'clip {clip_id!r} has several pred_onset values')
                pred = items[0]['pred_onset']
                alert = items[0].get('pred_alert', pred)
            clips.append(
                dict(
                    pred=pred,
                    alert=alert,
                    gt=self._clip_gt(clip_id, items),
                    num_frames=items[0].get('num_frames'),
                    fps=items[0].get('fps', 30.0),
                    groups=merge_groups((it.get('groups') for it in items),
                                        f'clip {clip_id!r}')))
        return self.score_with_breakdowns(clips, [c['groups'] for c in clips])
