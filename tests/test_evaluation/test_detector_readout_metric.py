# Copyright (c) mmbleed contributors. All rights reserved.
"""DetectorReadoutMetric: onset and source readouts of a box detector (paper §5.2)."""
import math

import numpy as np
import pytest
import torch

from mmbleed.evaluation import DetectorReadoutMetric, PointMetric


def frame(clip_id, t, num_frames, gt_onset, score=None, centre=(0.0, 0.0), gt_point=None,
          scenarios=('clear view', )):
    """One frame's sample as DetDataSample.to_dict() gives it: a 4x4 box on ``centre``."""
    if score is None:
        pred = dict(bboxes=torch.zeros(0, 4), scores=torch.zeros(0))
    else:
        x, y = centre
        pred = dict(bboxes=torch.tensor([[x - 2, y - 2, x + 2, y + 2], [0, 0, 4, 4]]),
                    scores=torch.tensor([score, score / 2]))
    return dict(clip_id=clip_id, frame_idx=t, num_frames=num_frames, gt_onset=gt_onset,
                fps=30.0, ori_shape=(100, 200), site='cardia', scenarios=list(scenarios),
                gt_point=np.full(2, np.nan) if gt_point is None else np.asarray(gt_point),
                gt_visible=gt_point is not None, pred_instances=pred)


def samples():
    bleeding = [  # onset at frame 2, source (10, 10) visible there
        frame('A', 0, 5, 2, 0.05),
        frame('A', 1, 5, 2, 0.2),
        frame('A', 2, 5, 2, 0.3, centre=(12.0, 10.0), gt_point=(10.0, 10.0)),
        frame('A', 3, 5, 2, 0.5),
        frame('A', 4, 5, 2, 0.9),
    ]
    negative = [frame('B', 0, 3, -1), frame('B', 1, 3, -1, 0.15), frame('B', 2, 3, -1, 0.02)]
    return bleeding + negative[::-1]  # any order


def evaluate(thrs, data=None):
    metric = DetectorReadoutMetric(score_thrs=thrs, breakdown=())
    metric.process(None, samples() if data is None else data)
    return metric.compute_metrics(metric.results)


def test_readouts_by_hand():
    res = evaluate((0.25, 0.1, 0.5))
    # 0.25: onset at frame 2 (exact), the negative clip never reaches it
    assert res['onset@0.25/Acc@0'] == 1.0 and res['onset@0.25/false_alarm_rate'] == 0.0
    # 0.1: frame 1 (one early), and the negative clip's 0.15 is a false alarm
    assert res['onset@0.1/Acc@0'] == 0.0 and res['onset@0.1/Acc@1'] == 1.0
    assert res['onset@0.1/MAE'] == 1.0 and res['onset@0.1/false_alarm_rate'] == 1.0
    assert res['onset@0.1/alert_delay_median'] == -1.0
    # 0.5: frame 3 (one late)
    assert res['onset@0.5/Acc@0'] == 0.0 and res['onset@0.5/Acc@1'] == 1.0
    # source at the true onset frame: the best box's centre (12, 10), 2 px off
    for tag in ('0.25', '0.1'):
        assert res[f'source@{tag}/Err_avg'] == pytest.approx(2.0)
        assert res[f'source@{tag}/Err<=10'] == 1.0 and res[f'source@{tag}/miss_rate'] == 0.0
    # 0.5: the onset frame's best score 0.3 is below it: no answer, wrong everywhere
    assert res['source@0.5/Err<=100'] == 0.0 and res['source@0.5/PCK@10%'] == 0.0
    assert res['source@0.5/miss_rate'] == 1.0 and math.isnan(res['source@0.5/Err_avg'])
    assert res['source@0.5/num_points'] == 1


def test_breakdowns_by_scenario():
    metric = DetectorReadoutMetric(score_thrs=(0.25, ))
    metric.process(None, samples())
    res = metric.compute_metrics(metric.results)
    assert res['onset@0.25/scenario/clear view/Acc@8'] == 1.0
    assert res['source@0.25/site/cardia/num_points'] == 1


def test_needs_every_frame():
    data = [s for s in samples() if not (s['clip_id'] == 'A' and s['frame_idx'] == 3)]
    with pytest.raises(ValueError, match="clip 'A': the onset readout needs every frame"):
        evaluate((0.25, ), data)


def test_needs_clip_keys():
    sample = samples()[0]
    del sample['gt_onset']
    with pytest.raises(KeyError, match='gt_onset'):
        evaluate((0.25, ), [sample])
    with pytest.raises(ValueError, match='score_thrs'):
        DetectorReadoutMetric(score_thrs=(1.5, ))


def test_point_metric_counts_missed_points_as_wrong():
    metric = PointMetric(breakdown=())
    metric.process(None, [
        dict(gt_point=[10.0, 10.0], pred_point=[10.0, 13.0], ori_shape=(100, 100)),
        dict(gt_point=[50.0, 50.0], pred_missing=True, ori_shape=(100, 100)),
    ])
    res = metric.compute_metrics(metric.results)
    assert res['Err<=10'] == 0.5 and res['PCK@5%'] == 0.5 and res['delta_avg'] < 0.5
    assert res['Err_avg'] == 3.0 and res['miss_rate'] == 0.5 and res['num_points'] == 2
