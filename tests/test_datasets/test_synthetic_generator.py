# Copyright (c) mmbleed contributors. All rights reserved.
"""Tests of the synthetic ESD generator (small preset, tiny counts, CPU)."""
import csv
import glob
import json
import os.path as osp
import subprocess
import sys
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmbleed.datasets.synthetic import SCENARIOS, SITE_PRESETS, ClipSpec, \
    generate_synthetic_esd, render_clip_frames, split_patients

REPO = Path(__file__).parents[2]
HEADER = ['patient', 'clip', 'split', 'site', 'scenarios', 'onset_frame']
NPZ = {
    'source_xy': (np.float32, lambda T, N: (T, 2)),
    'source_visible': (np.bool_, lambda T, N: (T,)),
    'bleeding': (np.bool_, lambda T, N: (T,)),
    'tracks_xy': (np.float32, lambda T, N: (T, N, 2)),
    'tracks_visible': (np.bool_, lambda T, N: (T, N)),
    'scenario_active': (np.bool_, lambda T, N: (T, 6)),
    'source_hidden_by': (np.uint8, lambda T, N: (T,)),
    'blood_mask': (np.uint8, lambda T, N: (T, 272, 40)),  # bit-packed along the width
    'frame_size': (np.int32, lambda T, N: (2,)),
}
SMALL = dict(preset='small', det_frames=24, onset_range=12, track_frames=(31, 32), num_tracks=16,
             convert=False, progress=False)


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synthetic_esd'))
    res = generate_synthetic_esd(out, seed=3, num_patients=6, det_positive=(4, 1, 1),
                                 det_negative=(4, 1, 1), track_clips=(4, 1, 1), **SMALL)
    return out, res


def _rows(root):
    with open(osp.join(root, 'clips.csv'), newline='') as f:
        reader = csv.reader(f)
        header = next(reader)
        return header, [dict(zip(header, r)) for r in reader]


def _spec(scenarios=('clear view',), onset=20, T=48, seed=(5, 1, 0), site='gastric antrum'):
    return ClipSpec('P000', 'D000', site, T, onset, seed, num_tracks=16, scenarios=scenarios)


def test_raw_layout_follows_contract(dataset):
    out, res = dataset
    assert res['num_clips'] == 18
    for kind in ('detection', 'tracking'):
        root = osp.join(out, kind)
        header, rows = _rows(root)
        assert header == HEADER
        assert len(rows) == 12 if kind == 'detection' else len(rows) == 6
        assert not glob.glob(osp.join(root, '**', '.*tmp*'), recursive=True)
        for r in rows:
            assert r['clip'][0] == ('D' if kind == 'detection' else 'T')
            assert r['split'] in ('train', 'val', 'test')
            assert r['site'] in SITE_PRESETS
            assert set(r['scenarios'].split(';')) <= set(SCENARIOS)
            cap = cv2.VideoCapture(osp.join(root, 'videos', r['patient'], f"{r['clip']}.mp4"))
            T = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
            ok, frame = cap.read()
            cap.release()
            assert ok and frame.shape == (272, 320, 3)
            gt = np.load(osp.join(root, 'dense_gt', r['patient'], f"{r['clip']}.npz"))
            assert set(gt.files) == set(NPZ) | {'source_region'}
            assert gt['source_region'].dtype.kind == 'U'
            for name, (dtype, shape) in NPZ.items():
                assert gt[name].dtype == dtype, name
                assert gt[name].shape == shape(T, 16), name
            jsons = sorted(glob.glob(osp.join(root, 'labelme', r['patient'], r['clip'], '*.json')))
            frames = [int(osp.basename(j)[:6]) for j in jsons]
            if kind == 'detection':
                assert T == 24
                if r['onset_frame']:
                    assert int(r['onset_frame']) == 12
                    assert frames == [12, 22]
                    assert not gt['bleeding'][:12].any() and gt['bleeding'][12:].all()
                else:
                    assert frames == [] and not gt['bleeding'].any()
            else:
                assert 31 <= T <= 32 and r['onset_frame'] == '0'
                assert frames == [0, 30, T - 1] if T - 1 != 30 else [0, 30]
            for j, t in zip(jsons, frames):
                with open(j) as f:
                    lm = json.load(f)
                assert {'version', 'flags', 'shapes', 'imagePath', 'imageData', 'imageHeight',
                        'imageWidth'} <= set(lm)
                assert lm['imageData'] is None and (lm['imageHeight'], lm['imageWidth']) == (272, 320)
                (shape, ) = [s for s in lm['shapes'] if s['label'] == 'bleeding_source']
                assert shape['shape_type'] == 'point'
                # LabelMe's convention: mmbleed coordinate + 0.5 (docs/data_format.md §1)
                np.testing.assert_allclose(shape['points'][0], gt['source_xy'][t] + 0.5,
                                           atol=1e-3)
                assert bool(shape['flags'].get('occluded', False)) == (not gt['source_visible'][t])


def test_splits_are_by_patient_4_1_1(dataset):
    out, res = dataset
    for kind in ('detection', 'tracking'):
        _, rows = _rows(osp.join(out, kind))
        per_patient = {}
        for r in rows:
            per_patient.setdefault(r['patient'], set()).add(r['split'])
        assert all(len(s) == 1 for s in per_patient.values())
        assert Counter(s.pop() for s in per_patient.values()) == {'train': 4, 'val': 1, 'test': 1}
    assert Counter(split_patients(12, 0)) == {'train': 8, 'val': 2, 'test': 2}
    assert Counter(split_patients(60, 1)) == {'train': 40, 'val': 10, 'test': 10}
    with pytest.raises(ValueError, match='at least 3 patients'):
        split_patients(2, 0)


def test_labelme_round_trip_is_exact(dataset):
    """generator -> LabelMe (+0.5) -> converter (-0.5) gives back dense_gt source_xy."""
    from mmbleed.datasets import convert_raw_layout
    out, _ = dataset
    root = osp.join(out, 'detection')
    convert_raw_layout(root, show_progress=False)
    checked = 0
    for split in ('train', 'val', 'test'):
        with open(osp.join(root, 'annotations', f'{split}.json')) as f:
            clips = json.load(f)['data_list']
        for clip in clips:
            if not clip['annotations']:
                continue
            with np.load(osp.join(root, clip['dense_gt'])) as gt:
                source_xy, visible = gt['source_xy'], gt['source_visible']
            for ann in clip['annotations']:
                t = ann['frame']
                np.testing.assert_allclose(ann['point'], source_xy[t], atol=1e-3, rtol=0)
                assert ann['visible'] == bool(visible[t])
                checked += 1
    assert checked == 12  # 6 bleeding clips, frames 12 and 22


@pytest.mark.parametrize('kwargs, message', [
    (dict(num_patients=2), 'num_patients must be at least 3'),
    (dict(onset_range=24), r'onset_range \(MIN, MAX\) = \(24, 24\) must lie inside the 24-frame'),
    (dict(onset_range=(-1, 5)), 'onset_range .* must lie inside'),
    (dict(onset_range=(10, 5)), 'onset_range .* must lie inside'),
    (dict(det_positive=(1, 2)), r'det_positive \(train, val, test\) must be 1 or 3 integers'),
    (dict(det_positive=2.5), 'det_positive .* must be 1 or 3 integers, got 2.5'),
    (dict(det_positive='3'), 'det_positive .* must be 1 or 3 integers'),
    (dict(onset_range=(1, 2, 3)), r'onset_range \(MIN, MAX\) must be 1 or 2 integers'),
    (dict(track_frames=(31, 40, 50)), r'track_frames \(MIN, MAX\) must be 1 or 2 integers'),
    (dict(track_annotate_every=0), 'track_annotate_every must be >= 1'),
    (dict(track_frames=(40, 31)), r'track_frames \(MIN, MAX\) = \(40, 31\)'),
    (dict(track_frames=(0, 31)), 'must satisfy 1 <= MIN <= MAX'),
    (dict(det_positive=-1), 'det_positive must be >= 0'),
    (dict(det_positive=0, det_negative=0, track_clips=0), 'no clips'),
    (dict(scenarios=('smoke', )), "unknown scenarios \\['smoke'\\]"),
])
def test_bad_arguments_rejected_before_rendering(tmp_path, kwargs, message):
    args = dict(SMALL, num_patients=3, det_positive=1, det_negative=0, track_clips=1)
    args.update(kwargs)
    out = tmp_path / 'out'
    with pytest.raises(ValueError, match=message):
        generate_synthetic_esd(str(out), **args)
    assert not out.exists()  # nothing written


def _cli(*args):
    return subprocess.run(
        [sys.executable, str(REPO / 'tools/dataset_converters/generate_synthetic_esd.py'),
         *args], capture_output=True, text=True, cwd=str(REPO))


def test_cli_one_line_errors(tmp_path):
    proc = _cli('--out', str(tmp_path / 'a'), '--num-patients', '2', '--num-workers', '0')
    assert proc.returncode == 1
    assert 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        'error: num_patients must be at least 3, got 2: splits are by patient (4:1:1) and '
        'val and test need one patient each']
    assert not (tmp_path / 'a').exists()
    expert = tmp_path / 'hospital' / 'tracking' / 'clips.csv'
    expert.parent.mkdir(parents=True)
    expert.write_text('expert')
    proc = _cli('--out', str(tmp_path / 'hospital'), '--num-patients', '3', '--det-positive',
                '1', '--det-negative', '0', '--track-clips', '0', '--det-frames', '4',
                '--onset-range', '2', '2', '--num-workers', '0', '--no-convert')
    assert proc.returncode == 1
    assert 'Traceback' not in proc.stderr
    (line, ) = proc.stderr.strip().splitlines()
    assert line.startswith(f"error: {tmp_path / 'hospital' / 'tracking'}: not empty and not "
                           'written by the synthetic ESD generator'), line
    assert expert.read_text() == 'expert'


def test_deterministic_per_seed(tmp_path):
    kw = dict(num_patients=3, det_positive=1, det_negative=0, track_clips=0, **SMALL)
    kw['det_frames'], kw['onset_range'], kw['num_tracks'] = 12, 6, 8
    a = generate_synthetic_esd(str(tmp_path / 'a'), seed=7, **kw)
    b = generate_synthetic_esd(str(tmp_path / 'b'), seed=7, **kw)
    c = generate_synthetic_esd(str(tmp_path / 'c'), seed=8, **kw)
    files = sorted(osp.relpath(p, a['detection']) for p in
                   glob.glob(osp.join(a['detection'], '**', '*.*'), recursive=True)
                   if p.endswith(('.npz', '.json', '.csv')))
    assert any(f.endswith('.npz') for f in files) and any(f.endswith('.json') for f in files)
    for f in files:
        with open(osp.join(a['detection'], f), 'rb') as fa, \
                open(osp.join(b['detection'], f), 'rb') as fb:
            assert fa.read() == fb.read(), f
    ga = np.load(osp.join(a['detection'], 'dense_gt', 'P000', 'D000.npz'))
    gc = np.load(osp.join(c['detection'], 'dense_gt', 'P000', 'D000.npz'))
    assert not np.allclose(ga['tracks_xy'], gc['tracks_xy'])


def test_detection_only_converts_and_leaves_tracking_empty(tmp_path):
    # `--track-clips 0` (more onset frames for the source module): the detection root is
    # converted, the empty tracking root keeps its clips.csv header and is not converted
    kw = dict(SMALL, convert=True)
    kw['det_frames'], kw['onset_range'], kw['num_tracks'] = 12, 6, 8
    res = generate_synthetic_esd(str(tmp_path), seed=2, num_patients=6, det_positive=(1, 1, 1),
                                 det_negative=0, track_clips=0, **kw)
    assert set(res['converted']) == {'detection'}
    for split in ('train', 'val', 'test'):
        ann = json.loads((tmp_path / 'detection' / 'annotations' / f'{split}.json').read_text())
        assert len(ann['data_list']) == 1
    header, rows = _rows(res['tracking'])
    assert header == HEADER and rows == []
    assert not (tmp_path / 'tracking' / 'annotations').exists()


def test_onset_subtle_then_growing():
    spec = _spec()
    frames, gt = render_clip_frames(spec)
    clean, gt0 = render_clip_frames(spec, bleeding=False)
    np.testing.assert_array_equal(gt['source_xy'], gt0['source_xy'])
    assert not gt['bleeding'][:20].any() and gt['bleeding'][20:].all()
    assert not gt0['bleeding'].any()

    def blood_pixels(t, r=40):
        x, y = np.round(gt['source_xy'][t]).astype(int)
        a = frames[t][max(0, y - r):y + r, max(0, x - r):x + r].astype(int)
        b = clean[t][max(0, y - r):y + r, max(0, x - r):x + r].astype(int)
        redder = (a[..., 2] - a[..., 1]) - (b[..., 2] - b[..., 1])
        return int(((np.abs(a - b).sum(-1) > 30) & (redder > -10)).sum())

    for t in range(20):  # nothing before the onset
        np.testing.assert_array_equal(frames[t], clean[t])
    counts = [blood_pixels(t) for t in (20, 22, 30, 40, 47)]
    assert counts[0] < 30, counts  # barely visible at the onset
    assert counts[-1] > 150 and counts[-1] > 5 * max(counts[0], 1), counts
    assert counts[2] < counts[3] <= counts[4] * 1.2, counts


def test_scenarios_recorded_and_change_pixels():
    base, gt_base = render_clip_frames(_spec(T=40), bleeding=False)
    assert gt_base['scenario_active'][:, 0].all() and not gt_base['scenario_active'][:, 1:].any()
    assert gt_base['scenarios'] == ('clear view', )
    for i, name in enumerate(SCENARIOS[1:], start=1):
        frames, gt = render_clip_frames(_spec((name, ), T=40), bleeding=False)
        act = gt['scenario_active']
        assert gt['scenarios'] == (name, )
        assert act[:, i].any(), name
        np.testing.assert_array_equal(act[:, 0], ~act[:, 1:].any(1))
        on = np.nonzero(act[:, i])[0]
        changed = [(np.abs(frames[t].astype(int) - base[t].astype(int)).sum(-1) > 30).mean()
                   for t in on]
        assert max(changed) > 0.02, (name, changed)
        if name == 'water flushing':
            peak = on[len(on) // 3]
            hsv_on = cv2.cvtColor(frames[peak], cv2.COLOR_BGR2HSV).astype(float)
            hsv_off = cv2.cvtColor(base[peak], cv2.COLOR_BGR2HSV).astype(float)
            inside = base[peak].sum(-1) > 30
            assert hsv_on[..., 2][inside].mean() > hsv_off[..., 2][inside].mean() + 10
            assert hsv_on[..., 1][inside].mean() < hsv_off[..., 1][inside].mean() - 10


def test_water_flushing_clears_blood_then_it_returns():
    spec = _spec(('water flushing', ), onset=0, T=90, seed=(5, 2, 4))
    _, gt = render_clip_frames(spec)
    flush = gt['scenario_active'][:, 4]
    assert flush.any()
    # the source is hidden at the flush's peak and seen again later
    assert not gt['source_visible'][flush].all()


def test_source_inside_and_moves_with_tissue():
    spec = _spec(('camera jitter', ), T=40, site='gastric body')
    frames, gt = render_clip_frames(spec, bleeding=False)
    xy = gt['source_xy']
    assert (xy >= 0).all() and (xy[:, 0] <= 319).all() and (xy[:, 1] <= 271).all()
    assert np.ptp(xy, axis=0).max() > 2  # the camera moves
    # the tissue patch around the source is found again where source_xy says it is
    r = 12
    for t0, t1 in ((5, 8), (20, 22), (30, 33)):
        x0, y0 = np.round(xy[t0]).astype(int)
        tmpl = frames[t0][y0 - r:y0 + r + 1, x0 - r:x0 + r + 1]
        x1, y1 = np.round(xy[t1]).astype(int)
        s = 3 * r
        win = frames[t1][y1 - s:y1 + s + 1, x1 - s:x1 + s + 1]
        res = cv2.matchTemplate(win, tmpl, cv2.TM_CCOEFF_NORMED)
        _, _, _, (mx, my) = cv2.minMaxLoc(res)
        found = np.array([x1 - s + mx + r, y1 - s + my + r])
        assert np.hypot(*(found - xy[t1])) <= 3.0, (t0, t1, found, xy[t1])
    # dense tracks start inside the view and are mostly visible
    assert gt['tracks_visible'][0].mean() > 0.8


def test_refuses_to_write_over_a_raw_layout_it_did_not_make(tmp_path):
    from mmbleed.datasets.synthetic import generate_synthetic_esd
    expert = tmp_path / 'hospital' / 'detection' / 'labelme' / 'P000' / 'C000'
    expert.mkdir(parents=True)
    (expert / '000120.json').write_text('{"expert": true}')
    with pytest.raises(FileExistsError, match='not written by the synthetic ESD generator'):
        generate_synthetic_esd(str(tmp_path / 'hospital'), num_patients=3, det_positive=1,
                               det_negative=0, track_clips=0, det_frames=12, onset_range=6,
                               convert=False, progress=False)
    assert (expert / '000120.json').read_text() == '{"expert": true}'
