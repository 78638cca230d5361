# Copyright (c) mmbleed contributors. All rights reserved.
"""tools/analysis_tools/refresh_curve.py (Fig. 13): every refresh setting over the long clips,
a table, the JSON and the plot; one line when no clip is long enough."""
import json
import os.path as osp

from tool_helpers import explain, python_tool


def test_refresh_curve_on_the_tiny_tracking_clips(tiny_esd, tmp_path):
    root = osp.join(osp.dirname(tiny_esd), 'tracking')
    out = python_tool('tools/analysis_tools/refresh_curve.py', root, '--split', 'train',
                      '--min-frames', '20', '--tracker-config',
                      'configs/baselines/lucas-kanade_synthetic-esd-small.py',
                      '--out-png', str(tmp_path / 'curve.png'),
                      '--out-json', str(tmp_path / 'curve.json'))
    assert out.returncode == 0, explain(out)
    rows = {r['setting']: r for r in json.load(open(tmp_path / 'curve.json'))['rows']}
    assert list(rows) == ['no refresh', 'every 30', 'every 60', 'every 390', 'adaptive']
    clips = len(json.load(open(tmp_path / 'curve.json'))['clips'])
    # 31-frame clips from frame 0: one refresh each at frame 30, none for the longer clocks
    assert rows['no refresh']['refreshes'] == rows['every 390']['refreshes'] == 0
    assert rows['every 30']['refreshes'] == clips
    assert rows['every 390']['err_avg_visible'] == rows['no refresh']['err_avg_visible']
    assert (tmp_path / 'curve.png').stat().st_size > 1000
    assert '| no refresh |' in out.stdout


def test_refresh_curve_says_when_no_clip_is_long_enough(tiny_esd):
    root = osp.join(osp.dirname(tiny_esd), 'tracking')
    out = python_tool('tools/analysis_tools/refresh_curve.py', root, '--split', 'val')
    assert out.returncode == 1 and 'longer than 300 frames' in out.stderr
    assert 'Traceback' not in out.stderr
