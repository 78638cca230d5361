# Copyright (c) mmbleed contributors. All rights reserved.
"""tools/analysis_tools/hand_crafted_baselines.py reads the converter's output via the library."""
import importlib.util
from pathlib import Path

REPO = Path(__file__).parents[2]


def _tool():
    path = REPO / 'tools/analysis_tools/hand_crafted_baselines.py'
    spec = importlib.util.spec_from_file_location('hand_crafted_baselines', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reads_frame_folders_and_converted_points(converted_root, monkeypatch):
    tool = _tool()
    seen = {}
    scan = tool.scan_clip

    def spy(frames, points):
        frames = list(frames)
        seen[len(seen)] = (len(frames), dict(points))
        return scan(frames, points)

    monkeypatch.setattr(tool, 'scan_clip', spy)
    res = tool.evaluate(converted_root, split='all')
    # every visible annotated point of the 6 bleeding clips, P003/C000's frame folder too
    assert res['red_mask_num_points'] == 14
    assert res['red_mask_num_onset_points'] == 6
    assert (res['num_positive_clips'], res['num_negative_clips']) == (6, 1)
    assert all(n == 40 for n, _ in seen.values())  # every frame decoded, frame folder too
    points = [p for _, pts in seen.values() for p in pts.values()]
    assert (30.0, 20.0) in points  # annotations/*.json (mmbleed pixels), not LabelMe's 30.5


def test_missing_annotations_is_one_line(raw_root, capsys):
    assert _tool().main([raw_root]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('error: ') and 'raw_to_mmbleed.py' in err[0]


def test_cli_prints_the_same_keys(converted_root):
    res = _tool().evaluate(converted_root, split='test')
    assert set(res) == {
        'red_mask_err50_all_visible', 'red_mask_err50_onset', 'red_mask_num_points',
        'red_mask_num_onset_points', 'red_mask_err_avg', 'frame_diff_red_mask_thr',
        'frame_diff_red_mask_train_acc8', 'frame_diff_red_mask_acc8',
        'frame_diff_red_mask_false_alarm_neg', 'num_positive_clips', 'num_negative_clips',
        'frame_diff_rgb_thr', 'frame_diff_rgb_train_acc8', 'frame_diff_rgb_acc8',
        'frame_diff_rgb_false_alarm_neg'}
