# Copyright (c) mmbleed contributors. All rights reserved.
"""tools/analysis_tools/onset_streaming.py: streaming equals offline through the real
ingest path (mp4 decoding, the test pipeline's Resize) on generated clips."""
import importlib.util
import json
import os.path as osp

from tool_helpers import REPO_ROOT

_spec = importlib.util.spec_from_file_location(
    'onset_streaming', osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'onset_streaming.py'))
onset_streaming = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(onset_streaming)

CONFIG = osp.join(REPO_ROOT, 'configs', 'detect',
                  'bleedorigin-detect_mdg-tiny_synthetic-esd-small.py')


def test_streaming_matches_offline_on_generated_clips(tiny_esd, tmp_path, capsys):
    out = str(tmp_path / 'streaming.json')
    # untrained weights, windows of 20 frames (the clips have 40); a threshold just under
    # the untrained confidences makes windows fire, so onsets and alerts are compared
    rc = onset_streaming.main([
        CONFIG, '--split', 'train', '--max-clips', '3', '--out-json', out, '--cfg-options',
        f'test_dataloader.dataset.data_root={tiny_esd}', 'model.window=20',
        'model.head.window=20', 'model.loss.window=20', 'model.conf_thr=0.0'
    ])
    report = json.load(open(out))
    assert rc == 0 and report['mismatched'] == []
    assert len(report['clips']) == 3
    for clip in report['clips']:
        assert clip['stream_onset'] == clip['offline_onset'] is not None
        assert clip['stream_alert'] == clip['offline_alert'] == 19  # the first window's end
    assert report['latency']['frames'] == 3 * 40
    assert 'streaming == offline (onset and alert frame) on 3' in capsys.readouterr().out
