# Copyright (c) mmbleed contributors. All rights reserved.
"""The §4.3 pseudo-label pipeline: SIFT matches near the source, tracking, Kalman + RTS
smoothing to the matched end point, and the tool that writes them beside (never over) the
annotations, scored against the generator's dense tracks."""
import json
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from mmbleed.datasets import TrackingDataset
from mmbleed.datasets.pseudo_track_labeler import (PseudoTrackLabeler, kalman_rts_smooth,
                                                   sift_matches)
from mmbleed.models.trackers import PyramidalLKTracker

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = osp.join(REPO, 'tools', 'dataset_converters', 'make_pseudo_tracks.py')


def textured(h=160, w=200, seed=0):
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.uniform(0, 255, (h, w)).astype(np.float32), (0, 0), 2.0)
    img = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)


def shifted(img, dx, dy):
    mat = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, mat, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REFLECT)


def test_kalman_rts_smoothing_reduces_noise_and_ends_at_the_match():
    rng = np.random.default_rng(0)
    t = np.arange(31)
    truth = np.stack([100 + 1.5 * t, 80 - 0.7 * t], 1)
    noisy = truth + rng.normal(0, 2.0, truth.shape)
    noisy[0] = truth[0]
    measured = np.ones(31, bool)
    smooth = kalman_rts_smooth(noisy, measured, truth[-1])
    raw_err = np.linalg.norm(noisy - truth, axis=1)[1:].mean()
    smooth_err = np.linalg.norm(smooth - truth, axis=1)[1:].mean()
    assert smooth_err < 0.6 * raw_err
    assert np.linalg.norm(smooth[-1] - truth[-1]) < 1.0
    # frames the tracker judged occluded give no measurement: the garbage there is ignored
    measured[10:20] = False
    noisy[10:20] = 0.0
    bridged = kalman_rts_smooth(noisy, measured, truth[-1])
    assert np.linalg.norm(bridged[10:20] - truth[10:20], axis=1).max() < 3.0


def test_sift_matches_stay_near_the_source_and_follow_the_motion():
    first = textured()
    last = shifted(first, 6.0, -4.0)
    source = (100.0, 80.0)
    start, end = sift_matches(first, last, source, (106.0, 76.0), radius=40, max_points=12)
    assert 3 <= len(start) <= 12
    assert (np.linalg.norm(start - source, axis=1) <= 40.5).all()
    assert np.median(np.abs(end - start - [6.0, -4.0])) < 0.5
    # a flat frame has no keypoints: no match, no error
    flat = np.full_like(first, 128)
    start, end = sift_matches(flat, flat, source, source)
    assert start.shape == (0, 2) and end.shape == (0, 2)


def test_labeler_tracks_smooths_and_reports_none_without_matches():
    first = textured(seed=1)
    frames = [shifted(first, 0.5 * t, 0.25 * t) for t in range(11)]
    labeler = PseudoTrackLabeler(PyramidalLKTracker(), radius=40, max_points=10)
    seg = labeler.label(frames, (100, 80), (105, 82.5))
    k = len(seg.raw)
    assert 3 <= k <= 10 and seg.smoothed.shape == (k, 11, 2) and seg.visible.shape == (k, 11)
    truth = seg.raw[:, :1] + np.stack([0.5 * np.arange(11), 0.25 * np.arange(11)], 1)[None]
    assert np.linalg.norm(seg.smoothed - truth, axis=-1).mean() < 0.5
    assert seg.visible[:, -1].all()
    flat = [np.full_like(first, 90)] * 3
    assert labeler.label(flat, (100, 80), (100, 80)) is None
    with pytest.raises(ValueError, match='at least 2 frames'):
        labeler.label(frames[:1], (100, 80), (100, 80))


def run_tool(*args):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True,
                          cwd=REPO)


def test_tool_writes_beside_the_annotations_and_scores_against_dense_truth(tiny_esd, tmp_path):
    root = osp.join(osp.dirname(tiny_esd), 'tracking')
    ann = osp.join(root, 'annotations', 'train.json')
    before = open(ann, 'rb').read()
    report = tmp_path / 'report.json'
    res = run_tool(root, '--split', 'train', '--tracker-config',
                   'configs/baselines/lucas-kanade_synthetic-esd-small.py',
                   '--report-json', str(report))
    assert res.returncode == 0, res.stderr
    out = osp.join(root, 'pseudo_labels', 'train.json')
    content = json.load(open(out))
    assert content['metainfo']['kind'] == 'pseudo_tracks' and content['data_list']
    assert open(ann, 'rb').read() == before
    numbers = json.load(open(report))
    errors = numbers['errors']
    assert errors['tracked']['num'] > 0
    # the reference: 8 dense tracks a clip here (64 in the v2 data, 0.05 px there)
    assert errors['reference_leave_one_out']['mean_px'] < 3.0
    # the matched end point pulls the smoothed track back where the tracker drifted
    assert errors['end_smoothed']['mean_px'] < errors['end_tracked']['mean_px']
    assert errors['end_smoothed']['mean_px'] <= errors['end_matched']['mean_px'] + 1.0
    # the dataset reads them: every segment starts at an annotated frame, 31 frames long
    dataset = TrackingDataset(ann_file='annotations/train.json', data_root=root, mode='short',
                              pseudo_label_file='pseudo_labels/train.json', pipeline=[])
    with_pseudo = [dataset[i]['pseudo_points'] for i in range(len(dataset))]
    assert any(p.shape[0] > 0 for p in with_pseudo)
    for seg in content['data_list']:
        assert len(seg['points'][0]) == 31 and seg['start'] % 30 == 0


def test_tool_refuses_to_write_over_annotations(tiny_esd, tmp_path):
    root = osp.join(osp.dirname(tiny_esd), 'tracking')
    ann = osp.join(root, 'annotations', 'val.json')
    before = open(ann, 'rb').read()
    res = run_tool(root, '--split', 'val', '--out', ann)
    assert res.returncode == 1 and 'never into' in res.stderr
    other = tmp_path / 'notes.json'
    other.write_text('{"expert": true}')
    res = run_tool(root, '--split', 'val', '--out', str(other))
    assert res.returncode == 1 and 'not overwritten' in res.stderr
    assert open(ann, 'rb').read() == before and other.read_text() == '{"expert": true}'
    res = run_tool(root, '--split', 'val', '--tracker-config', str(tmp_path / 'none.py'))
    assert res.returncode == 1 and res.stderr.count('\n') == 1, res.stderr
