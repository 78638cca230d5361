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


def test_track_metric_pools_the_tracks_of_a_clip_as_tapnet():
    # clip A: 2 tracks of 3 frames (dense tracks), query frame 0; track 0 errors {1, 10},
    # track 1 errors {0, 0}; clip B: 1 track, error {20, 20}; 256 x 256, thresholds 4 px
    gt_a = np.zeros((2, 3, 2))
    pred_a = gt_a.copy()
    pred_a[0, 1, 0], pred_a[0, 2, 0] = 1.0, 10.0
    a = dict(pred_points=pred_a, gt_points=gt_a, gt_visible=np.ones((2, 3), bool),
             pred_visible=np.array([[1, 1, 1], [1, 0, 1]], bool), ori_shape=(256, 256))
    b = dict(pred_points=[[0, 0], [20, 0], [20, 0]], gt_points=np.zeros((3, 2)),
             gt_visible=[True, True, True], pred_visible=[True, True, True],
             ori_shape=(256, 256))
    metric = TrackMetric(err_thresholds=(4, ), delta_thresholds=(4, ), breakdown=())
    metric.process(None, [a, b])
    res = metric.evaluate(2)
    assert res['track/num_tracks'] == 3 and res['track/num_points'] == 6
    # Err pools all points: within 4 px {A0f1, A1f1, A1f2} of 6
    assert res['track/Err<=4'] == pytest.approx(3 / 6)
    # TAP-Vid per clip: A 3/4, B 0/2 -> mean 3/8 (per track it would be (1/2 + 1 + 0) / 3)
    assert res['track/delta@4'] == pytest.approx(3 / 8)
    # OA: A {A1f1 predicted hidden but visible} wrong of 4 -> 3/4; B 2/2
    assert res['track/OA'] == pytest.approx((3 / 4 + 1) / 2)
    # Jaccard: A true positives {A0f1, A1f2} = 2 over 4 visible + 1 false positive {A0f2};
    # B 0 over 2 + 2
    assert res['track/jaccard@4'] == pytest.approx((2 / 5 + 0) / 2)
    assert res['track/AJ'] == res['track/jaccard@4']


def test_track_metric_without_pred_visible_and_with_gt_annotated():
    metric = TrackMetric(err_thresholds=(1, ))
    metric.process(None, [
        dict(pred_points=np.zeros((3, 2)), gt_points=[[0, 0], [0, 0], [nan, nan]],
             gt_visible=[True, True, False], gt_annotated=[True, True, True],
             ori_shape=(10, 10)),
    ])
    res = metric.evaluate(1)
    assert 'track/OA' not in res and 'track/AJ' not in res
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


def grouped_tracks():
    """Three 256 x 256 tracks, frame 0 the query; errors along x."""
    def make(errors, site=None, scenarios=None, pred_visible=None):
        n = len(errors) + 1
        gt = [[100.0, 100.0]] * n
        pred = [[100.0, 100.0]] + [[100.0 + e, 100.0] for e in errors]
        s = track(pred, gt, [True] * n, pred_visible)
        if site is not None:
            s.set_metainfo(dict(site=site, scenarios=scenarios))
        return s

    return [
        make([3, 30], 'gastric antrum', ['camera jitter', 'water flushing'],
             pred_visible=[True, True, False]),  # OA 1/2
        make([60], 'esophagus', ['camera jitter']),
        make([8]),  # no site / scenarios: overall only
    ]


def test_track_metric_breakdown(monkeypatch):
    from mmbleed.evaluation.metrics import breakdown_mixin
    logged = []
    monkeypatch.setattr(breakdown_mixin, 'print_log', lambda msg, **kw: logged.append(msg))
    samples = grouped_tracks()
    evaluator = Evaluator(
        dict(type='mmbleed.TrackMetric',
             breakdown_keys=('Err<=50', 'Err_avg', 'PCK@5%', 'delta_avg', 'num_points',
                             'OA')))
    evaluator.process(data_samples=samples)
    res = evaluator.evaluate(len(samples))
    # overall: errors 3, 30, 60, 8; delta per track: A {3, 30}, B {60}, C {8}
    assert res['track/Err<=50'] == 0.75 and res['track/Err_avg'] == 25.25
    assert res['track/PCK@5%'] == 0.5  # closer than 12.8 px
    assert res['track/delta_avg'] == pytest.approx(1 / 6)
    assert res['track/num_points'] == 4 and res['track/num_tracks'] == 3
    assert res['track/OA'] == 0.5

    def group(name):
        prefix = f'track/{name}/'
        return {k[len(prefix):]: v for k, v in res.items() if k.startswith(prefix)}

    jitter = group('scenario/camera jitter')  # tracks A and B
    assert jitter['Err<=50'] == pytest.approx(2 / 3)
    assert jitter['Err_avg'] == 31.0 and jitter['num_points'] == 3
    assert jitter['PCK@5%'] == pytest.approx(1 / 3)
    assert jitter['delta_avg'] == pytest.approx(0.15)  # (0.25 at 4, 8, 16 px) / 5
    assert jitter['OA'] == 0.5  # only A predicts visibility
    flushing = group('scenario/water flushing')  # track A
    assert flushing == {'Err<=50': 1.0, 'Err_avg': 16.5, 'PCK@5%': 0.5,
                        'delta_avg': pytest.approx(0.3), 'num_points': 2, 'OA': 0.5}
    assert group('site/gastric antrum') == flushing
    # B has no pred_visible: no OA for its site
    assert group('site/esophagus') == {'Err<=50': 0.0, 'Err_avg': 60.0, 'PCK@5%': 0.0,
                                       'delta_avg': 0.0, 'num_points': 1}
    assert len(logged) == 2
    rows = [ln for ln in logged[0].splitlines() if ln.startswith('| ')]
    assert [r.split('|')[1].strip() for r in rows] == [
        'scenario', 'all', 'camera jitter', 'water flushing']
    assert [c.strip() for c in rows[0].split('|')[2:-1]] == [
        'Err<=50', 'Err_avg', 'PCK@5%', 'delta_avg', 'num_points', 'OA', 'num_tracks']
    assert [c.strip() for c in rows[2].split('|')[2:-1]][-1] == '2'  # num_tracks


def test_track_metric_breakdown_off_and_no_groups():
    samples = grouped_tracks()
    old = TrackMetric(breakdown=())
    old.process(None, [s.to_dict() for s in samples])
    old_keys = set(old.evaluate(len(samples)))
    assert not any('/scenario/' in k or '/site/' in k for k in old_keys)
    metric = TrackMetric()
    metric.process(None, [s.to_dict() for s in samples])
    extra = set(metric.evaluate(len(samples))) - old_keys
    # default headline keys, no OA
    assert extra == {f'track/{g}/{k}'
                     for g in ('scenario/camera jitter', 'scenario/water flushing',
                               'site/gastric antrum', 'site/esophagus')
                     for k in ('Err<=50', 'Err_avg', 'PCK@5%', 'delta_avg', 'num_points')}
    metric = TrackMetric()  # on, but no sample has site / scenarios
    metric.process(None, [s.to_dict() for s in samples[-1:]])
    assert not any('/scenario/' in k or '/site/' in k for k in metric.evaluate(1))
