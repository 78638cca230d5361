# Copyright (c) mmbleed contributors. All rights reserved.
"""tools/analysis_tools/onset_threshold_sweep.py: Eq. 2 at several thresholds, by hand and
through a detector on generated clips."""
import importlib.util
import json
import os.path as osp

import pytest
from tool_helpers import REPO_ROOT

_spec = importlib.util.spec_from_file_location(
    'onset_threshold_sweep',
    osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'onset_threshold_sweep.py'))
sweep = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sweep)

CONFIG = osp.join(REPO_ROOT, 'configs', 'detect',
                  'bleedorigin-detect_mdg-tiny_synthetic-esd-small.py')


def test_scores_by_hand():
    # windows of N = 40 starting at frames 0 and 10; the bleeding clip's onset is frame 30
    bleeding = dict(gt=30, num_frames=50, fps=30.0, starts=[0, 10], valid=[40, 40],
                    thetas=[0.5, 0.5], confs=[0.6, 0.9])
    free = dict(gt=None, num_frames=50, fps=30.0, starts=[0, 10], valid=[40, 40],
                thetas=[0.5, 0.5], confs=[0.6, 0.4])
    low = sweep.score_threshold([bleeding, free], 40, 0.5)
    # both windows of the bleeding clip pass: earliest of 0 + 20 and 10 + 20 = 20, 10 frames
    # early; the alert at the first window's last frame, 39 (9 frames late); the free clip
    # fires (its first window)
    assert low['Acc@8'] == 0.0 and low['Acc@16'] == 1.0 and low['MAE'] == 10.0
    assert low['alert_delay_median'] == 9.0
    assert low['false_alarm_rate'] == 1.0
    high = sweep.score_threshold([bleeding, free], 40, 0.7)
    # only the second window passes: onset 30 exactly, alert at its last frame 49
    assert high['Acc@0'] == 1.0 and high['MAE'] == 0.0
    assert high['alert_delay_median'] == 19.0
    assert high['false_alarm_rate'] == 0.0
    none = sweep.score_threshold([bleeding, free], 40, 0.95)
    assert none['miss_rate'] == 1.0 and none['Acc@16'] == 0.0


def test_sweep_on_generated_clips(tiny_esd, tmp_path, capsys):
    from mmengine.runner import save_checkpoint
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmbleed.registry import MODELS
    from mmbleed.utils import register_all_modules
    register_all_modules()
    init_default_scope('mmbleed')
    window = ['model.window=20', 'model.head.window=20', 'model.loss.window=20']
    cfg = Config.fromfile(CONFIG)
    cfg.model.window = cfg.model.head.window = cfg.model.loss.window = 20
    model = MODELS.build(cfg.model)
    model.init_weights()
    ckpt = str(tmp_path / 'untrained.pth')
    save_checkpoint(model.state_dict(), ckpt)
    out = str(tmp_path / 'sweep.json')
    rc = sweep.main([
        CONFIG, ckpt, '--split', 'train', '--thresholds', '0', '1', '--out-json', out,
        '--cfg-options', f'test_dataloader.dataset.data_root={tiny_esd}', *window
    ])
    report = json.load(open(out))
    assert rc == 0 and len(report['clips']) == 8
    # threshold 0: every window passes, the alert at the first window's end (frame 19, one
    # frame before the onset at 20); threshold 1: none passes
    assert report['scores']['0.0']['alert_delay_median'] == pytest.approx(-1.0)
    assert report['scores']['0.0']['miss_rate'] == 0.0
    assert report['scores']['1.0']['miss_rate'] == 1.0
    clip = report['clips'][0]
    assert len(clip['confs']) == 40 - 20 + 1 and clip['starts'][0] == 0
    assert '| 0 |' in capsys.readouterr().out
