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


OLD_ONSET_KEYS = {
    f'onset/{k}'
    for k in ('Acc@0', 'Acc@1', 'Acc@2', 'Acc@4', 'Acc@8', 'Acc@16', 'MAE', 'num_clips',
              'num_missed', 'miss_rate', 'num_negative', 'false_alarm_rate',
              'false_alarms_per_min', 'alert_delay_median', 'alert_delay_mean',
              'alert_delay_median_s')
}


def grouped_clip_samples():
    """Six clips, two sites, three scenarios; the last one without site or scenarios."""
    def make(clip_id, gt, pred, site=None, scenarios=None):
        meta = dict(clip_id=clip_id)
        if site is not None:
            meta.update(site=site, scenarios=scenarios)
        sample = BleedDataSample(metainfo=meta)
        sample.gt_onset = gt
        sample.pred_onset = pred
        return sample

    return [
        make('C1', 100, 100, 'gastric antrum', ['clear view']),  # error 0
        make('C2', 100, 106, 'gastric antrum', ['water flushing', 'camera jitter']),  # 6
        make('C3', 100, -1, 'esophagus', ['water flushing']),  # missed
        make('C4', -1, 50, 'esophagus', ['camera jitter']),  # false alarm
        make('C5', -1, -1, 'gastric antrum', ['water flushing']),  # correct rejection
        make('C6', 100, 110),  # error 10, no site / scenarios: overall only
    ]


def test_breakdown_by_scenario_and_site(monkeypatch):
    from mmbleed.evaluation.metrics import breakdown_mixin
    logged = []
    monkeypatch.setattr(breakdown_mixin, 'print_log', lambda msg, **kw: logged.append(msg))
    samples = grouped_clip_samples()
    evaluator = Evaluator(dict(type='mmbleed.OnsetMetric'))
    evaluator.process(data_samples=samples)
    res = evaluator.evaluate(len(samples))

    # overall numbers unchanged by the breakdown
    assert res['onset/num_clips'] == 4 and res['onset/num_negative'] == 2
    assert res['onset/Acc@4'] == 0.25 and res['onset/Acc@8'] == 0.5
    assert res['onset/MAE'] == pytest.approx(16 / 3)
    assert res['onset/false_alarm_rate'] == 0.5

    def group(name):
        prefix = f'onset/{name}/'
        return {k[len(prefix):]: v for k, v in res.items() if k.startswith(prefix)}

    # C1
    clear = group('scenario/clear view')
    assert clear['Acc@4'] == 1.0 and clear['Acc@8'] == 1.0 and clear['MAE'] == 0.0
    assert math.isnan(clear['false_alarm_rate'])
    assert clear['num_clips'] == 1 and clear['num_negative'] == 0
    # C2 (6), C3 (missed); C5 negative without alarm
    assert group('scenario/water flushing') == {
        'Acc@4': 0.0, 'Acc@8': 0.5, 'MAE': 6.0, 'false_alarm_rate': 0.0,
        'alert_delay_median': 6.0, 'num_clips': 2, 'num_negative': 1}
    # C2 counts in both of its scenarios; C4's false alarm counts here
    assert group('scenario/camera jitter') == {
        'Acc@4': 0.0, 'Acc@8': 1.0, 'MAE': 6.0, 'false_alarm_rate': 1.0,
        'alert_delay_median': 6.0, 'num_clips': 1, 'num_negative': 1}
    assert group('site/gastric antrum') == {
        'Acc@4': 0.5, 'Acc@8': 1.0, 'MAE': 3.0, 'false_alarm_rate': 0.0,
        'alert_delay_median': 3.0, 'num_clips': 2, 'num_negative': 1}
    esophagus = group('site/esophagus')
    assert esophagus['Acc@4'] == 0.0 and esophagus['Acc@8'] == 0.0
    assert math.isnan(esophagus['MAE'])
    assert esophagus['false_alarm_rate'] == 1.0
    assert math.isnan(esophagus['alert_delay_median'])  # its one bleeding clip was missed
    assert esophagus['num_clips'] == 1 and esophagus['num_negative'] == 1
    # nothing else was added
    assert set(res) - OLD_ONSET_KEYS == {
        f'onset/{axis}/{g}/{k}'
        for axis, groups in (('scenario', ('clear view', 'water flushing', 'camera jitter')),
                             ('site', ('gastric antrum', 'esophagus')))
        for g in groups
        for k in ('Acc@4', 'Acc@8', 'MAE', 'false_alarm_rate', 'alert_delay_median',
                  'num_clips', 'num_negative')
    }

    # one table per axis: a row for 'all' and one per group
    assert len(logged) == 2
    scenario_rows = [ln for ln in logged[0].splitlines() if ln.startswith('| ')]
    assert [row.split('|')[1].strip() for row in scenario_rows] == [
        'scenario', 'all', 'camera jitter', 'clear view', 'water flushing']
    assert 'onset by scenario' in logged[0]
    site_rows = [ln for ln in logged[1].splitlines() if ln.startswith('| ')]
    assert [row.split('|')[1].strip() for row in site_rows] == [
        'site', 'all', 'esophagus', 'gastric antrum']
    header = [c.strip() for c in site_rows[0].split('|')[2:-1]]
    assert header == ['Acc@4', 'Acc@8', 'MAE', 'false_alarm_rate', 'alert_delay_median',
                      'num_clips', 'num_negative']
    assert [c.strip() for c in site_rows[1].split('|')[2:-1]] == [
        '0.250', '0.500', '5.333', '0.500', '6.000', '4', '2']


def test_breakdown_off_and_without_groups(monkeypatch):
    from mmbleed.evaluation.metrics import breakdown_mixin
    logged = []
    monkeypatch.setattr(breakdown_mixin, 'print_log', lambda msg, **kw: logged.append(msg))
    samples = grouped_clip_samples()
    metric = OnsetMetric(breakdown=())
    metric.process(None, [s.to_dict() for s in samples])
    assert set(metric.evaluate(len(samples))) == OLD_ONSET_KEYS
    # breakdown on, but no sample has site / scenarios: the old keys, no table
    metric = OnsetMetric()
    metric.process(None, [s.to_dict() for s in samples[-1:]])
    assert set(metric.evaluate(1)) == OLD_ONSET_KEYS
    assert logged == []


def test_breakdown_window_mode_site_only_and_keys():
    metric = OnsetMetric(ks=(0, 2), breakdown='site', breakdown_keys=('Acc@2', 'MAE'))
    metric.process(None, [
        # clip A (colon): windows agree on the clip's groups; pred 30 + 6 = 36, error 1
        dict(clip_id='A', gt_onset=35, window_start=0, pred_theta=0.5, pred_score=0.1,
             site='colon', scenarios=['clear view']),
        dict(clip_id='A', gt_onset=35, window_start=30, pred_theta=0.1, pred_score=0.9,
             site='colon', scenarios=['clear view']),
        # clip B (rectum): pred 0 + 30 = 30, error 10
        dict(clip_id='B', gt_onset=40, window_start=0, pred_theta=0.5, pred_score=0.9,
             site='rectum', scenarios=['water flushing']),
    ])
    res = metric.evaluate(3)
    assert res['onset/Acc@2'] == 0.5 and res['onset/MAE'] == 5.5
    assert res['onset/site/colon/Acc@2'] == 1.0 and res['onset/site/colon/MAE'] == 1.0
    assert res['onset/site/rectum/Acc@2'] == 0.0 and res['onset/site/rectum/MAE'] == 10.0
    assert not any('/scenario/' in k for k in res)
    assert len([k for k in res if '/site/' in k]) == 4
    # defaults follow ks: no Acc@4 / Acc@8 when ks lacks them
    assert OnsetMetric(ks=(0, 4)).breakdown_keys == ('Acc@4', 'MAE', 'false_alarm_rate',
                                                     'alert_delay_median', 'num_clips', 'num_negative')
    with pytest.raises(ValueError, match='unknown breakdown keys'):
        OnsetMetric(ks=(0, ), breakdown_keys=('Acc@4', ))
    with pytest.raises(ValueError, match='unknown breakdown axes'):
        OnsetMetric(breakdown=('patient', ))
    with pytest.raises(ValueError, match='several sites'):
        metric.compute_metrics([
            dict(clip_id='A', gt_onset=3.0, pred_onset=3.0, groups=dict(site=['a'])),
            dict(clip_id='A', gt_onset=3.0, pred_onset=3.0, groups=dict(site=['b'])),
        ])
