# Copyright (c) mmbleed contributors. All rights reserved.
import math

import numpy as np
import pytest
from mmengine.evaluator import Evaluator

from mmbleed.evaluation import TrackMetric
from mmbleed.structures import BleedDataSample

nan = np.nan


def track(pred, gt, visible, pred_visible=None, ori_shape=(256, 256)):
    s = BleedDataSample(metainfo=dict(clip_id='P0/C0', frame_idx=0, ori_shape=ori_shape))
    s.pred_points = np.asarray(pred, dtype=np.float32)
    s.gt_points = np.asarray(gt, dtype=np.float32)
    s.gt_visible = np.asarray(visible, dtype=bool)
    if pred_visible is not None:
        s.pred_visible = np.asarray(pred_visible)
    return s


def test_track_metric_end_to_end():
    # track A (256 x 256, 5 frames): frame 0 is the query (error 500, must be ignored),
    # frames 1 and 3 not annotated, frame 2 error 3, frame 4 error 30
    a = track(
        pred=[[0, 0], [9, 9], [13, 10], [9, 9], [130, 110]],
        gt=[[500, 0], [nan, nan], [10, 10], [nan, nan], [100, 110]],
        visible=[True, True, True, True, True],
        pred_visible=[0.1, 0.9, 0.9, 0.2, 0.3])  # scores, thresholded at 0.5
    # track B (512 x 128 (w x h), 3 frames): frame 1 error 8 px along x (4 px at 256),
    # frame 2 annotated but hidden
    b = track(
        pred=[[0, 0], [58, 50], [70, 70]],
        gt=[[0, 0], [50, 50], [60, 60]],
        visible=[True, True, False],
        pred_visible=[True, True, True],
        ori_shape=(128, 512))
    evaluator = Evaluator(dict(type='mmbleed.TrackMetric'))
    evaluator.process(data_samples=[a])
    evaluator.process(data_samples=[b])
    res = evaluator.evaluate(2)
    # scored points: A2 (3 px), A4 (30 px), B1 (8 px)
    assert res['track/num_points'] == 3
    assert res['track/num_tracks'] == 2
    assert res['track/Err<=10'] == pytest.approx(2 / 3)
    assert res['track/Err<=25'] == pytest.approx(2 / 3)
    assert res['track/Err<=50'] == 1.0
    assert res['track/Err_avg'] == pytest.approx(41 / 3)
    # PCK (unit square): A2 3/256 = 0.0117, A4 30/256 = 0.117, B1 8/512 = 0.0156
    assert res['track/PCK@2%'] == pytest.approx(2 / 3)
    assert res['track/PCK@10%'] == pytest.approx(2 / 3)
    # delta at 256: A: {3, 30} per track; B: {4}; averaged over the two tracks
    assert res['track/delta@4'] == pytest.approx((1 / 2 + 0) / 2)
    assert res['track/delta@8'] == pytest.approx((1 / 2 + 1) / 2)
    assert res['track/delta@1'] == 0.0
    # OA over annotated frames after the query:
    # A: frames 2 (vis, pred 0.9 ok), 4 (vis, pred 0.3 wrong) -> 1/2
    # B: frames 1 (ok), 2 (hidden, predicted visible: wrong) -> 1/2
    assert res['track/OA'] == pytest.approx(0.5)


def test_track_metric_without_pred_visible_and_with_gt_annotated():
    metric = TrackMetric(err_thresholds=(1, ))
    metric.process(None, [
        dict(pred_points=np.zeros((3, 2)), gt_points=[[0, 0], [0, 0], [nan, nan]],
             gt_visible=[True, True, False], gt_annotated=[True, True, True],
             ori_shape=(10, 10)),
    ])
    res = metric.evaluate(1)
    assert 'track/OA' not in res
    assert res['track/num_points'] == 1 and res['track/Err<=1'] == 1.0


def test_track_metric_errors_and_empty():
    metric = TrackMetric()
    with pytest.raises(ValueError, match='NaN'):
        metric.process(None, [
            dict(pred_points=[[nan, 0], [0, 0]], gt_points=np.zeros((2, 2)),
                 gt_visible=[True, True], ori_shape=(10, 10))
        ])
    with pytest.raises(ValueError):
        metric.process(None, [
            dict(pred_points=np.zeros((3, 2)), gt_points=np.zeros((2, 2)),
                 gt_visible=[True, True], ori_shape=(10, 10))
        ])
    with pytest.raises(KeyError):
        metric.process(None, [dict(pred_points=np.zeros((2, 2)))])
    res = metric.compute_metrics([])
    assert res['num_points'] == 0 and math.isnan(res['delta_avg'])
