# Copyright (c) mmbleed contributors. All rights reserved.
import math

import pytest
import torch
from mmengine.evaluator import Evaluator

from mmbleed.evaluation import OnsetMetric
from mmbleed.structures import BleedDataSample


def clip_sample(clip_id, gt_onset, pred_onset):
    sample = BleedDataSample(metainfo=dict(clip_id=clip_id))
    sample.gt_onset = gt_onset
    sample.pred_onset = pred_onset
    return sample


def window_sample(clip_id, gt_onset, start, theta, conf):
    sample = BleedDataSample(metainfo=dict(clip_id=clip_id, frame_idx=start))
    sample.gt_onset = gt_onset
    sample.pred_theta = torch.tensor([theta])
    sample.pred_confidence = torch.tensor(conf)
    return sample


def test_clip_mode_end_to_end():
    # errors 0, 3, 9, missed; plus two clips without bleeding, one false alarm
    samples = [
        clip_sample('P0/C0', 100, 100),
        clip_sample('P0/C1', 100, 103),
        clip_sample('P1/C0', 100, 91),
        clip_sample('P1/C1', 100, -1),
        clip_sample('P2/C0', -1, -1),
        clip_sample('P2/C1', -1, 40),
    ]
    evaluator = Evaluator(dict(type='mmbleed.OnsetMetric'))
    evaluator.process(data_samples=samples[:3])
    evaluator.process(data_samples=samples[3:])
    res = evaluator.evaluate(len(samples))
    assert res['onset/Acc@0'] == 0.25
    assert res['onset/Acc@1'] == 0.25
    assert res['onset/Acc@2'] == 0.25
    assert res['onset/Acc@4'] == 0.5
    assert res['onset/Acc@8'] == 0.5
    assert res['onset/Acc@16'] == 0.75
    assert res['onset/MAE'] == 4.0
    assert res['onset/miss_rate'] == 0.25
    assert res['onset/num_missed'] == 1
    assert res['onset/num_clips'] == 4
    assert res['onset/false_alarm_rate'] == 0.5
    assert res['onset/num_negative'] == 2


def test_window_mode_end_to_end():
    samples = [
        # clip A, onset 60: the unconfident window would say 54; confident ones 60 and 66
        window_sample('A', 60, 0, 0.9, 0.4),
        window_sample('A', 60, 30, 0.5, 0.9),
        window_sample('A', 60, 60, 0.1, 0.99),
        # clip B, onset 40: no confident window -> missed
        window_sample('B', 40, 0, 0.7, 0.2),
        window_sample('B', 40, 30, 0.2, 0.5),
        # clip C, no bleeding, one confident window -> false alarm
        window_sample('C', -1, 0, 0.5, 0.8),
    ]
    evaluator = Evaluator(OnsetMetric(ks=(0, 8)))
    evaluator.process(data_samples=samples)
    res = evaluator.evaluate(len(samples))
    assert res['onset/Acc@0'] == 0.5
    assert res['onset/Acc@8'] == 0.5
    assert res['onset/MAE'] == 0.0
    assert res['onset/miss_rate'] == 0.5
    assert res['onset/false_alarm_rate'] == 1.0


def test_window_mode_dict_samples_and_padded_last_window():
    metric = OnsetMetric(window=60)
    # dicts (as Evaluator passes them), as OnsetDataset gives them: absolute gt_onset;
    # clip B is 40 frames long, its only window padded (valid_len 40)
    metric.process(None, [
        dict(clip_id='A', gt_onset=70, window_start=0, pred_theta=0.2, pred_score=0.1),
        dict(clip_id='A', gt_onset=70, window_start=30, pred_theta=0.7, pred_score=0.9),
        dict(clip_id='A', gt_onset=70, window_start=60, pred_theta=0.2, pred_score=0.9),
        dict(clip_id='B', gt_onset=39, window_start=0, valid_len=40, pred_theta=0.99,
             pred_score=0.9),
    ])
    res = metric.evaluate(4)
    # A: pred = min(30 + 42, 60 + 12) = 72, error 2
    # B: 0.99 * 60 = 59 would be past the clip; capped at its last frame 39, error 0
    assert res['onset/Acc@0'] == 0.5
    assert res['onset/Acc@1'] == 0.5
    assert res['onset/Acc@2'] == 1.0
    assert res['onset/MAE'] == 1.0
    assert math.isnan(res['onset/false_alarm_rate'])


def test_errors():
    metric = OnsetMetric()
    with pytest.raises(KeyError):
        metric.process(None, [dict(gt_onset=3, pred_onset=3)])
    with pytest.raises(KeyError):
        metric.process(None, [dict(clip_id='A', gt_onset=3)])
    with pytest.raises(ValueError, match='conflicting'):
        metric.compute_metrics([
            dict(clip_id='A', gt_onset=3.0, pred_onset=3.0),
            dict(clip_id='A', gt_onset=4.0, pred_onset=3.0),
        ])
