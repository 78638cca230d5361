# Copyright (c) mmbleed contributors. All rights reserved.
"""tools/analysis_tools/tracker_latency.py runs every tracker config over the same frames and
counts one step per frame after the first (the speed numbers themselves are not asserted)."""
import json
import os.path as osp

from tool_helpers import explain, python_tool


def test_tracker_latency_counts_the_steps(tiny_esd, tmp_path):
    root = osp.join(osp.dirname(tiny_esd), 'tracking')
    out = python_tool('tools/analysis_tools/tracker_latency.py',
                      'configs/baselines/static-point_synthetic-esd-small.py',
                      'configs/baselines/lucas-kanade_synthetic-esd-small.py',
                      '--root', root, '--split', 'train', '--clips', '2', '--frames', '10',
                      '--points', '4', '--refresh', '5', '--out-json', str(tmp_path / 'l.json'))
    assert out.returncode == 0, explain(out)
    rows = json.load(open(tmp_path / 'l.json'))['rows']
    assert [r['tracker'] for r in rows] == ['StaticPointTracker', 'PyramidalLKTracker']
    assert all(r['steps'] == 2 * 9 and r['median_ms'] > 0 for r in rows)
    assert 'MemoryRefresh every 5' in out.stdout
