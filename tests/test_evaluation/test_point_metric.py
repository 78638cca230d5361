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


OLD_POINT_KEYS = {
    f'source/{k}'
    for k in ('Err<=10', 'Err<=25', 'Err<=50', 'Err<=75', 'Err<=100', 'Err_avg', 'PCK@2%',
              'PCK@5%', 'PCK@10%', 'delta@1', 'delta@2', 'delta@4', 'delta@8', 'delta@16',
              'delta_avg', 'miss_rate', 'num_points')
}


def grouped_point_samples():
    """Five points on 200 x 200 frames (PCK@5%: closer than 10 px)."""
    def make(error, site=None, scenarios=None):
        s = sample([100 + error, 100], [100, 100], ori_shape=(200, 200))
        if site is not None:
            s.set_metainfo(dict(site=site, scenarios=scenarios))
        return s

    return [
        make(3, 'gastric antrum', ['clear view']),
        make(30, 'gastric antrum', ['water flushing', 'light reflection']),
        make(60, 'esophagus', ['water flushing']),
        make(20, 'esophagus', ['clear view']),
        make(100),  # no site / scenarios: overall only
    ]


def test_point_metric_breakdown(monkeypatch):
    from mmbleed.evaluation.metrics import breakdown_mixin
    logged = []
    monkeypatch.setattr(breakdown_mixin, 'print_log', lambda msg, **kw: logged.append(msg))
    samples = grouped_point_samples()
    evaluator = Evaluator(dict(type='mmbleed.PointMetric'))
    evaluator.process(data_samples=samples)
    res = evaluator.evaluate(len(samples))
    assert res['source/Err<=25'] == 0.4 and res['source/Err<=50'] == 0.6
    assert res['source/Err_avg'] == pytest.approx(213 / 5)
    assert res['source/PCK@5%'] == 0.2 and res['source/num_points'] == 5

    def group(name):
        prefix = f'source/{name}/'
        return {k[len(prefix):]: v for k, v in res.items() if k.startswith(prefix)}

    assert group('scenario/clear view') == {
        'Err<=25': 1.0, 'Err<=50': 1.0, 'Err_avg': 11.5, 'PCK@5%': 0.5, 'num_points': 2}
    assert group('scenario/water flushing') == {
        'Err<=25': 0.0, 'Err<=50': 0.5, 'Err_avg': 45.0, 'PCK@5%': 0.0, 'num_points': 2}
    # the 30 px point counts in both of its scenarios
    assert group('scenario/light reflection') == {
        'Err<=25': 0.0, 'Err<=50': 1.0, 'Err_avg': 30.0, 'PCK@5%': 0.0, 'num_points': 1}
    assert group('site/gastric antrum') == {
        'Err<=25': 0.5, 'Err<=50': 1.0, 'Err_avg': 16.5, 'PCK@5%': 0.5, 'num_points': 2}
    assert group('site/esophagus') == {
        'Err<=25': 0.5, 'Err<=50': 0.5, 'Err_avg': 40.0, 'PCK@5%': 0.0, 'num_points': 2}
    assert len(set(res) - OLD_POINT_KEYS) == 5 * 5
    assert len(logged) == 2
    names = [ln.split('|')[1].strip() for ln in logged[0].splitlines() if ln.startswith('| ')]
    assert names == ['scenario', 'all', 'clear view', 'light reflection', 'water flushing']
    names = [ln.split('|')[1].strip() for ln in logged[1].splitlines() if ln.startswith('| ')]
    assert names == ['site', 'all', 'esophagus', 'gastric antrum']


def test_point_metric_breakdown_off_keys_and_no_groups():
    samples = grouped_point_samples()
    metric = PointMetric(breakdown=())
    metric.process(None, [s.to_dict() for s in samples])
    assert set(metric.evaluate(len(samples))) == OLD_POINT_KEYS
    metric = PointMetric()  # on, but no sample has site / scenarios
    metric.process(None, [s.to_dict() for s in samples[-1:]])
    assert set(metric.evaluate(1)) == OLD_POINT_KEYS
    # own headline keys; defaults follow the thresholds
    metric = PointMetric(breakdown=['scenario'], breakdown_keys=['Err_avg'])
    metric.process(None, [s.to_dict() for s in samples])
    extra = set(metric.evaluate(len(samples))) - OLD_POINT_KEYS
    assert extra == {f'source/scenario/{s}/Err_avg'
                     for s in ('clear view', 'light reflection', 'water flushing')}
    assert PointMetric(err_thresholds=(5, 50)).breakdown_keys == (
        'Err<=50', 'Err_avg', 'PCK@5%', 'num_points')
    with pytest.raises(ValueError, match='unknown breakdown keys'):
        PointMetric(breakdown_keys=['OA'])
