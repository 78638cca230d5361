# Copyright (c) mmbleed contributors. All rights reserved.
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

from mmbleed.evaluation import PointMetric
from mmbleed.structures import BleedDataSample


def sample(pred, gt, visible=True, ori_shape=(256, 512)):
    s = BleedDataSample(metainfo=dict(ori_shape=ori_shape, clip_id='P0/C0', frame_idx=0))
    s.gt_point = gt
    s.gt_visible = visible
    s.pred_point = pred
    return s


def test_point_metric_end_to_end_non_square():
    # frames are 512 wide, 256 high (ori_shape is (h, w))
    samples = [
        sample([120, 100], [100, 100]),  # 20 px; 20/512 = 0.039; 10 px at 256 -> delta 16
        sample([100, 120], [100, 100]),  # 20 px; 20/256 = 0.078; 20 px at 256
        sample([100, 102], [100, 100]),  # 2 px; 0.0078; 2 px at 256 (not < 2)
        sample([200, 100], [100, 100]),  # 100 px (inclusive); 0.195; 50 px at 256
        sample([0, 0], [400, 200], visible=False),  # hidden source: skipped
    ]
    evaluator = Evaluator(dict(type='mmbleed.PointMetric'))
    evaluator.process(data_samples=samples)
    res = evaluator.evaluate(len(samples))
    assert res['source/num_points'] == 4
    assert res['source/Err<=10'] == 0.25
    assert res['source/Err<=25'] == 0.75
    assert res['source/Err<=50'] == 0.75
    assert res['source/Err<=75'] == 0.75
    assert res['source/Err<=100'] == 1.0
    assert res['source/Err_avg'] == pytest.approx(142 / 4)
    assert res['source/PCK@2%'] == 0.25
    assert res['source/PCK@5%'] == 0.5
    assert res['source/PCK@10%'] == 0.75
    assert res['source/delta@2'] == 0.0
    assert res['source/delta@4'] == 0.25
    assert res['source/delta@16'] == 0.5
    assert res['source/delta_avg'] == pytest.approx((0 + 0 + 0.25 + 0.25 + 0.5) / 5)


def test_point_metric_dicts_tensors_and_nan():
    metric = PointMetric(err_thresholds=(5, ), prefix='src')
    metric.process(None, [
        dict(pred_point=torch.tensor([3., 4.]), gt_point=np.array([0., 0.]),
             ori_shape=(100, 100)),
        dict(pred_point=[0, 0], gt_point=[np.nan, np.nan], ori_shape=(100, 100)),
        dict(pred_point=[0, 0], gt_point=None, ori_shape=(100, 100)),
    ])
    res = metric.evaluate(3)
    assert res['src/Err<=5'] == 1.0
    assert res['src/num_points'] == 1
    with pytest.raises(ValueError, match='NaN'):
        metric.compute_metrics([
            dict(pred=np.array([np.nan, 0.]), gt=np.zeros(2), size=np.ones(2))
        ])
    with pytest.raises(KeyError):
        metric.process(None, [dict(gt_point=[0, 0], ori_shape=(10, 10))])
