# Copyright (c) mmbleed contributors. All rights reserved.
"""Onset-detection arithmetic (BleedOrigin §4.1 for the window rule, §5.1 for Acc±k).

Pure Python/NumPy: no registry, no data samples. ``OnsetMetric`` calls these.
"""
import math
from numbers import Real
from typing import Dict, Optional, Sequence

import numpy as np

DEFAULT_KS = (0, 1, 2, 4, 8, 16)


def is_no_onset(t: Optional[Real]) -> bool:
    """Whether ``t`` means "no onset": ``None``, NaN or a negative frame (``-1``)."""
    if t is None:
        return True
    t = float(t)
    return math.isnan(t) or t < 0


def onset_accuracy(pred: Sequence[Optional[int]],
                   gt: Sequence[Optional[int]],
                   ks: Sequence[int] = DEFAULT_KS) -> Dict[str, float]:
    """Onset accuracy within ±k frames over clips (BleedOrigin §5.1).

    Clip ``i`` is *positive* when ``gt[i]`` is an onset frame and *negative* when it is
    ``None`` / negative (no bleeding). Over positive clips:

    - ``Acc@k``: share with ``|pred − gt| ≤ k`` (inclusive). A clip with no prediction
      (``None`` or negative) counts as wrong for every ``k``.
    - ``MAE``: mean ``|pred − gt|`` in frames over positive clips **that have** a prediction
      (NaN when none has).
    - ``num_missed`` / ``miss_rate``: positive clips without a prediction, count and share.

    Over negative clips (mmbleed's addition, not in the paper; clinically a false alert):

    - ``false_alarm_rate``: share of negative clips with a predicted onset.

    Shares are fractions in ``[0, 1]``; a share over zero clips is NaN.

    Args:
        pred: predicted onset frame per clip, ``None`` or negative for "no onset".
        gt: ground-truth onset frame per clip, ``None`` or negative for "no onset".
        ks: tolerances in frames. Defaults to ``(0, 1, 2, 4, 8, 16)``.

    Returns:
        dict with ``Acc@k`` for each k, ``MAE``, ``num_clips`` (positive clips),
        ``num_missed``, ``miss_rate``, ``num_negative`` and ``false_alarm_rate``.
    """
    if len(pred) != len(gt):
        raise ValueError(f'pred and gt must have the same length, got {len(pred)} '
                         f'and {len(gt)}')
    errors = []  # |pred - gt| of positive clips, NaN where missed
    num_negative = num_false_alarm = 0
    for p, g in zip(pred, gt):
        if is_no_onset(g):
            num_negative += 1
            num_false_alarm += int(not is_no_onset(p))
        elif is_no_onset(p):
            errors.append(math.nan)
        else:
            errors.append(abs(float(p) - float(g)))
    errors = np.asarray(errors, dtype=np.float64)
    predicted = ~np.isnan(errors)
    num_clips = len(errors)

    def share(count: int, total: int) -> float:
        return count / total if total > 0 else math.nan

    results: Dict[str, float] = {}
    for k in ks:
        hits = int(np.sum(errors[predicted] <= k))
        results[f'Acc@{k}'] = share(hits, num_clips)
    results['MAE'] = (float(errors[predicted].mean())
                      if predicted.any() else math.nan)
    num_missed = int(num_clips - predicted.sum())
    results['num_clips'] = num_clips
    results['num_missed'] = num_missed
    results['miss_rate'] = share(num_missed, num_clips)
    results['num_negative'] = num_negative
    results['false_alarm_rate'] = share(num_false_alarm, num_negative)
    return results


def window_onset(start: int, theta: float, valid_len: int, window: int) -> int:
    """One window's onset candidate of Eq. 2, ``start + ⌊θ·N⌋``, with the guards of
    :func:`earliest_onset_from_windows` (θ clipped to ``[0, 1]``, the offset kept inside the
    window's real frames, ``1e-6`` tolerance before the floor)."""
    offset = math.floor(min(max(float(theta), 0.0), 1.0) * window + 1e-6)
    return int(start) + min(offset, max(1, min(int(valid_len), window)) - 1)


def earliest_onset_from_windows(starts: Sequence[int],
                                thetas: Sequence[float],
                                confidences: Sequence[float],
                                window: int = 60,
                                conf_thr: float = 0.5,
                                valid_lens: Optional[Sequence[int]] = None
                                ) -> Optional[int]:
    """Reduce sliding-window predictions to one clip onset (BleedOrigin §4.1).

    A window starting at frame ``t`` predicts a normalised onset position ``θ ∈ [0, 1]`` and
    a confidence; the clip's onset is the earliest ``t + ⌊θ·N⌋`` over windows whose
    confidence is ``> conf_thr`` (strict), ``N = window``.

    Guards, documented because the paper is silent: ``θ`` is clipped to ``[0, 1]`` and
    ``⌊θ·N⌋`` to the window's last real frame (``N − 1``, or ``valid_len − 1`` for a window
    padded past the clip's end), so θ = 1 never points past the window or the clip; and a
    ``1e-6`` tolerance is added before the floor so that ``θ = k / N`` stored in float32
    still gives ``k``.

    Args:
        starts: first frame of each window (absolute, in the clip).
        thetas: predicted normalised onset position per window.
        confidences: predicted onset confidence per window.
        window: window length ``N`` in frames. Defaults to 60.
        conf_thr: confidence threshold. Defaults to 0.5.
        valid_lens: real (not padded) frames of each window; ``None``: all ``N``.

    Returns:
        int | None: the onset frame, or ``None`` when no window is confident.
    """
    if not len(starts) == len(thetas) == len(confidences):
        raise ValueError('starts, thetas and confidences must have the same length, got '
                         f'{len(starts)}, {len(thetas)} and {len(confidences)}')
    if window < 1:
        raise ValueError(f'window must be >= 1, got {window}')
    if valid_lens is None:
        valid_lens = [window] * len(starts)
    elif len(valid_lens) != len(starts):
        raise ValueError(f'valid_lens has {len(valid_lens)} entries for {len(starts)} windows')
    onset = None
    for start, theta, conf, valid in zip(starts, thetas, confidences, valid_lens):
        theta, conf = float(theta), float(conf)
        if math.isnan(theta) or math.isnan(conf):
            raise ValueError('NaN in window predictions')
        if not conf > conf_thr:
            continue
        candidate = window_onset(start, theta, valid, window)
        if onset is None or candidate < onset:
            onset = candidate
    return onset


def first_alert_from_windows(starts: Sequence[int],
                             confidences: Sequence[float],
                             conf_thr: float = 0.5,
                             valid_lens: Optional[Sequence[int]] = None,
                             window: int = 60) -> Optional[int]:
    """The frame at which a streaming detector raises its alert (BleedOrigin §4.1, Eq. 2).

    Windows are complete, and scored, at their last real frame ``start + valid_len − 1``;
    the alert goes up at the first confident window in that order.

    Returns:
        int | None: the alert frame, or None when no window is confident.
    """
    if len(starts) != len(confidences):
        raise ValueError(f'{len(starts)} starts but {len(confidences)} confidences')
    if valid_lens is None:
        valid_lens = [window] * len(starts)
    ends = [int(s) + max(1, min(int(v), window)) - 1
            for s, v, c in zip(starts, valid_lens, confidences) if float(c) > conf_thr]
    return min(ends) if ends else None


def alert_statistics(alerts: Sequence[Optional[int]],
                     gt: Sequence[Optional[int]],
                     num_frames: Sequence[int],
                     fps: Sequence[float]) -> Dict[str, float]:
    """False alarms and alert delay of a streaming onset detector (mmbleed's addition).

    - *Bleeding-free video* is every frame of a clip without bleeding and the frames
      before the onset of a clip with bleeding. An alert raised there is a false alarm:
      on a clip without bleeding, or at a frame before the true onset.
      ``false_alarms_per_min`` = false alarms / minutes of bleeding-free video (each clip
      raises at most one alert).
    - ``alert_delay_*``: ``alert − onset`` in frames over clips with bleeding and an alert
      (negative when raised early), median and mean, and the median in seconds
      (``alert_delay_median_s``, each clip's delay divided by its fps). NaN when no clip
      with bleeding has an alert.

    Args:
        alerts: per clip, the frame at which the alert was raised, None/negative for none.
        gt: per clip, the true onset, None/negative for a clip without bleeding.
        num_frames: per clip, its length in frames.
        fps: per clip, its frame rate.
    """
    if not len(alerts) == len(gt) == len(num_frames) == len(fps):
        raise ValueError('alerts, gt, num_frames and fps must have the same length')
    false_alarms, free_seconds = 0, 0.0
    delays, delays_s = [], []
    for alert, onset, frames, rate in zip(alerts, gt, num_frames, fps):
        rate = float(rate)
        if rate <= 0:
            raise ValueError(f'fps must be positive, got {rate}')
        no_alert = is_no_onset(alert)
        if is_no_onset(onset):
            free_seconds += int(frames) / rate
            false_alarms += int(not no_alert)
            continue
        free_seconds += min(int(onset), int(frames)) / rate
        if no_alert:
            continue
        false_alarms += int(alert < onset)
        delays.append(float(alert) - float(onset))
        delays_s.append((float(alert) - float(onset)) / rate)
    return dict(
        false_alarms_per_min=(false_alarms / (free_seconds / 60.0)
                              if free_seconds > 0 else math.nan),
        alert_delay_median=float(np.median(delays)) if delays else math.nan,
        alert_delay_mean=float(np.mean(delays)) if delays else math.nan,
        alert_delay_median_s=float(np.median(delays_s)) if delays_s else math.nan)
