# Copyright (c) mmbleed contributors. All rights reserved.
"""tools/analysis_tools/hand_crafted_baselines.py: the shortcut rules and their report."""
import importlib.util
import json
import os.path as osp
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

REPO = Path(__file__).parents[2]


@pytest.fixture(scope='module')
def tool():
    path = REPO / 'tools/analysis_tools/hand_crafted_baselines.py'
    spec = importlib.util.spec_from_file_location('hand_crafted_baselines', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TISSUE = (140, 150, 170)  # BGR, Red-Mask (2R - G - B) / 510 ~ 0.1


def tissue(h=80, w=100):
    return np.full((h, w, 3), TISSUE, np.uint8)


def disk(img, centre, radius, colour):
    yy, xx = np.mgrid[:img.shape[0], :img.shape[1]]
    img[(xx - centre[0])**2 + (yy - centre[1])**2 <= radius**2] = colour
    return img


def texture(h=120, w=160, seed=0):
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.uniform(0, 255, (h, w)).astype(np.float32), (0, 0), 2.0)
    img = (img - img.min()) / (img.max() - img.min()) * 255
    return img.astype(np.uint8)


def shifted(img, dx, dy):
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)


# ----------------------------------------------------------------------------- source rules
def test_frame_centre(tool):
    assert tool.frame_centre((48, 64, 3)) == (31.5, 23.5)
    assert tool.frame_centre((272, 320)) == (159.5, 135.5)


def test_brightest_region_finds_the_centre_of_a_white_square(tool):
    img = np.full((100, 120, 3), 90, np.uint8)
    img[:, :10] = 0  # outside the round view
    img[30:50, 60:80] = 255  # 20x20 white square, centre (69.5, 39.5)
    img[80:83, 20:23] = 255  # a smaller highlight elsewhere
    x, y = tool.brightest_region_centroid(img)
    assert abs(x - 69.5) < 0.5 and abs(y - 39.5) < 0.5


def test_darkest_red_blob_picks_the_darker_of_two_red_blobs(tool):
    img = tissue()
    disk(img, (25, 30), 12, (30, 30, 230))  # bright red, larger
    disk(img, (75, 50), 7, (10, 10, 110))  # dark red
    x, y = tool.darkest_red_blob_centroid(img)
    assert abs(x - 75) < 1 and abs(y - 50) < 1
    # without red blobs: the frame centre
    assert tool.darkest_red_blob_centroid(tissue()) == tool.frame_centre((80, 100))


def test_red_mask_argmax_finds_the_reddest_spot(tool):
    img = disk(tissue(), (60, 20), 4, (0, 0, 255))
    x, y = tool.red_mask_argmax(img)
    assert abs(x - 60) <= 1 and abs(y - 20) <= 1


# ----------------------------------------------------------------------------- onset rules
def _red_clip(grow_from=None, n=60):
    """Frames with a red patch: static, or growing from frame ``grow_from``."""
    for t in range(n):
        r = 6.0 + (0.7 * (t - grow_from + 1) if grow_from is not None and t >= grow_from
                   else 0.0)
        yield t, disk(tissue(), (50, 40), r, (20, 20, 200))


def test_red_area_growth_fires_where_a_red_patch_starts_growing(tool):
    key = 'red>0.2'
    growing, _ = tool.scan_detection_clip(_red_clip(grow_from=25), {})
    static, _ = tool.scan_detection_clip(_red_clip(), {})
    assert growing[key][0] > 0.005  # the patch is there from the start
    assert tool.red_growth_onset(growing[key], delta=0.002, window=5, run=3) == 25
    assert tool.red_growth_onset(static[key], delta=0.002, window=5, run=3) is None
    assert np.allclose(static[key], static[key][0])


def test_first_exceeding_and_growth_score(tool):
    score = np.array([-np.inf, 0.1, 0.5, 0.2, 0.9])
    assert tool.first_exceeding(score, [0.0, 0.1, 0.5, 0.9]).tolist() == [1, 2, 4, -1]
    area = np.array([0.1] * 5 + [0.2, 0.3, 0.3, 0.3])
    s = tool.red_growth_score(area, window=2, run=2)
    assert np.isinf(s[:2]).all() and np.isinf(s[-1])
    assert s[5] == pytest.approx(0.1)  # min(0.2 - 0.1, 0.3 - 0.15)
    assert s[4] == pytest.approx(0.0)


def test_constant_onset_is_the_median_of_the_given_onsets(tool):
    assert tool.constant_onset([40, 50, None, 70, 60, 45]) == 50
    assert tool.constant_onset([10, 11]) == 11  # 10.5 rounds half up
    with pytest.raises(ValueError):
        tool.constant_onset([None])


# ----------------------------------------------------------------------------- tracking rules
def test_the_tool_tracks_with_the_shared_lucas_kanade_tracker(tool):
    """The tool keeps no tracker of its own: its Lucas-Kanade rule is
    ``mmbleed.models.trackers.PyramidalLKTracker`` (whose behaviour is tested in
    tests/test_models/test_trackers.py), and a tracker given to it is the one it runs."""
    from mmbleed.models.trackers import PyramidalLKTracker
    assert tool.PyramidalLKTracker is PyramidalLKTracker
    assert not hasattr(tool, 'PyramidalLK')
    assert tool.lk_params(PyramidalLKTracker()) == \
        'window 21, 3 levels, forward-backward <= 1 px (fixed)'

    class Recording(PyramidalLKTracker):
        steps = 0

        def _step(self, frame):
            Recording.steps += 1
            return super()._step(frame)

    img = cv2.cvtColor(texture(), cv2.COLOR_GRAY2BGR)
    frames = [(t, shifted(img, 2 * t, 0)) for t in range(5)]
    out = tool.scan_tracking_clip(iter(frames), 5, 1, (50.0, 40.0), tracker=Recording())
    assert Recording.steps == 3  # frames 2, 3, 4 after the query frame 1
    assert np.abs(out['pyramidal Lucas-Kanade'][4] - [56.0, 40.0]).max() < 1.0


def test_static_point_stays_put(tool):
    img = cv2.cvtColor(texture(), cv2.COLOR_GRAY2BGR)
    frames = [(t, shifted(img, 3 * t, 0)) for t in range(6)]
    out = tool.scan_tracking_clip(iter(frames), 6, 2, (50.0, 40.0), eval_frames=[4, 5])
    assert set(out) == set(tool.TRACK_RULES)
    assert np.array_equal(out['static point'], np.tile([50.0, 40.0], (6, 1)))
    lk = out['pyramidal Lucas-Kanade']
    assert np.array_equal(lk[:3], np.tile([50.0, 40.0], (3, 1)))  # up to the query
    assert np.abs(lk[5] - [59.0, 40.0]).max() < 1.0


def test_track_scores_equal_track_metric(tool):
    from mmbleed.evaluation.metrics import TrackMetric
    rng = np.random.default_rng(0)
    records, preds, samples = [], [], []
    for n in (31, 45):
        gt = rng.uniform(0, 100, (n, 2))
        annotated = np.zeros(n, bool)
        annotated[::10] = True
        annotated[-1] = True
        gt[~annotated] = np.nan
        visible = rng.uniform(size=n) > 0.2
        visible[0] = True
        pred = gt + rng.normal(0, 8, (n, 2))
        pred[np.isnan(pred)] = 0.0
        rec = dict(gt=gt, visible=visible, evaluated=annotated & (np.arange(n) > 0),
                   size=np.array([120.0, 100.0]))
        records.append(rec)
        preds.append(pred)
        samples.append(dict(pred_points=pred, gt_points=gt, gt_visible=visible,
                            annotated=annotated, ori_shape=(100, 120)))
    metric = TrackMetric()
    metric.process({}, samples)
    expected = metric.compute_metrics(metric.results)
    got = tool.score_tracks(records, preds)
    for key in ('Err<=10', 'Err<=50', 'Err_avg', 'PCK@5%', 'delta_avg', 'num_points'):
        assert got[key] == pytest.approx(expected[key]), key


# ----------------------------------------------------------------------------- the tool
def test_reads_frame_folders_and_converted_points(tool, converted_root, monkeypatch):
    seen = []
    scan = tool.scan_detection_clip

    def spy(frames, points):
        frames = list(frames)
        seen.append((len(frames), dict(points)))
        return scan(frames, points)

    monkeypatch.setattr(tool, 'scan_detection_clip', spy)
    res = tool.shortcut_report(converted_root, split='val', progress=False)
    assert res['stages'] == ['onset', 'source']
    # 5 train clips (tuning, P003/C000 a frame folder) + 1 val clip, each decoded once
    assert len(seen) == 6 and all(n == 40 for n, _ in seen)
    points = [p for _, pts in seen for p in pts.values()]
    assert (30.0, 20.0) in points  # annotations/*.json (mmbleed pixels), not LabelMe's 30.5
    assert res['sizes']['train'] == dict(detection_clips=5, bleeding_clips=4,
                                         negative_clips=1, onset_points=4,
                                         visible_points=8)
    assert res['sizes']['val']['visible_points'] == 4
    assert res['onset']['constant (train median)']['params'].startswith('frame 11 ')
    assert res['source']['onset frames']['frame centre']['num_points'] == 1
    assert res['source']['all visible']['frame centre']['num_points'] == 4
    assert set(res['onset']) == set(tool.ONSET_RULES)


def test_thresholds_come_from_the_tuning_split_only(tool, converted_root):
    val = tool.shortcut_report(converted_root, split='val', progress=False)
    test = tool.shortcut_report(converted_root, split='test', progress=False)
    for stage in ('onset', ):
        assert ({r: m['params'] for r, m in val[stage].items()} ==
                {r: m['params'] for r, m in test[stage].items()})
    # every onset rule, the HSV bleeding area included, found something to tune on train
    assert set(val['onset']) == set(tool.ONSET_RULES)
    assert all(m['params'] != 'nothing to tune on' for m in val['onset'].values())
    assert ({r: m['params'] for r, m in val['source']['onset frames'].items()} ==
            {r: m['params'] for r, m in test['source']['onset frames'].items()})
    with pytest.raises(ValueError, match='never tuned on the test split'):
        tool.shortcut_report(converted_root, tune_split='test', progress=False)


@pytest.mark.parametrize('args', [['--split', 'val', '--tune-split', 'val'],
                                  ['--split', 'train'],
                                  ['--split', 'train', '--tune-split', 'train']])
def test_tuning_on_the_evaluated_split_is_one_line(tool, converted_root, capsys, args):
    assert tool.main([converted_root] + args) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('error: ')
    assert 'never tuned on the evaluated split' in err[0]
    with pytest.raises(ValueError, match='evaluated split'):
        tool.shortcut_report(converted_root, split='val', tune_split='val', progress=False)


def test_track_stage_reads_no_detection_annotations(tool, converted_root, tmp_path, capsys):
    root = tmp_path / 'dataset'
    (root / 'detection').mkdir(parents=True)  # never converted: no annotations/
    shutil.copytree(converted_root, root / 'tracking', symlinks=True)
    res = tool.shortcut_report(str(root), stages=['track'], progress=False)
    assert res['stages'] == ['track'] and set(res['sizes']) == {'test'}
    assert res['track']['static point']['num_points'] == 1
    # nothing is tuned for tracking, so the evaluated split may be the default tuning split
    assert tool.main([str(root), '--stages', 'track', '--split', 'train']) == 0
    assert 'error' not in capsys.readouterr().err


def test_one_raw_root_as_tracking_root(tool, converted_root):
    res = tool.shortcut_report(converted_root, stages=['track'], progress=False)
    assert res['stages'] == ['track'] and 'onset' not in res and 'source' not in res
    # P005/C000: query at frame 0; frame 30 visible; frame 39 annotated without a point
    assert res['sizes']['test']['tracking_clips'] == 1
    assert res['sizes']['test']['tracking_points'] == 1
    static = res['track']['static point']
    assert static['num_points'] == 1
    assert static['Err_avg'] == pytest.approx(np.hypot(18 - 16, 17 - 16))
    assert [b['rule'] for b in res['bars']] == ['static point']


def test_missing_annotations_is_one_line(tool, raw_root, capsys):
    assert tool.main([raw_root]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('error: ') and 'raw_to_mmbleed.py' in err[0]


def test_missing_root_is_one_line(tool, tmp_path, capsys):
    assert tool.main([str(tmp_path / 'nowhere')]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('error: ') and 'nowhere' in err[0]


def test_missing_tracking_root_is_one_line(tool, tmp_path, capsys):
    (tmp_path / 'detection').mkdir()
    assert tool.main([str(tmp_path), '--stages', 'track']) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'tracking' in err[0]


def test_cli_writes_the_three_tables(tool, tiny_esd, tmp_path):
    root = osp.dirname(tiny_esd)  # holds detection/ and tracking/
    md, js = str(tmp_path / 'report.md'), str(tmp_path / 'report.json')
    assert tool.main([root, '--out-md', md, '--out-json', js]) == 0
    text = open(md, encoding='utf-8').read()
    for heading in ('## Split sizes', '## Onset (test', '## Source (test', '## Tracking (test'):
        assert heading in text
    for rule in tool.ONSET_RULES + tool.SOURCE_RULES + tool.TRACK_RULES:
        assert f'| {rule} |' in text
    assert 'tuned on **train** only' in text and f'--out-md {md}' in text
    assert text.count('PASS**') + text.count('FAIL**') + text.count('n/a**') == 1 + 4 + 1
    res = json.load(open(js, encoding='utf-8'))
    assert set(res['track']) == set(tool.TRACK_RULES)
    sizes = res['sizes']['test']
    assert sizes['tracking_clips'] + sizes['tracking_clips_without_query'] == 1
    assert sizes['tracking_points'] <= 1  # frame 30 of a 31-frame clip, if visible
    assert res['source']['onset frames']['frame centre']['num_points'] == \
        sizes['onset_points'] <= 2
    assert len(res['bars']) == 6


def test_hsv_bleeding_share_counts_red_saturated_pixels_in_the_view(tool):
    frame = np.zeros((20, 20, 3), np.uint8)
    frame[:, :] = (40, 100, 200)  # orange tissue: H 11, S 204, V 200
    frame[2:6, 2:7] = (0, 0, 180)  # 20 pure-red pixels (H 0, S 255, V 180)
    frame[0, 0:2] = (0, 53, 200)  # 2 pixels on the hue bound h_hi = 8 (H 8)
    frame[0, 2:4] = (53, 0, 200)  # 2 pixels on the bound 180 - 8 (H 172)
    frame[0, 4:6] = (0, 60, 200)  # 2 pixels just past it (H 9)
    frame[10:12, 10:13] = (60, 60, 250)  # 6 red specular pixels: H 0, S 194, V 250 > v_hi
    frame[15:17, 0:5] = (0, 0, 20)  # 10 dark red pixels: V 20 < v_lo, still in the view
    frame[:, 18:] = 0  # 40 black pixels outside the round view
    view = tool.view_mask(frame)
    assert np.count_nonzero(view) == 360 and not view[:, 18:].any()
    # the 20 pure-red pixels and the 4 on the hue bounds: tissue hue 11 > 8, H 9 > 8,
    # specular V > 220, dark V < 40
    assert tool.hsv_bleeding_share(frame, view, 8, 120, 40, 220) == pytest.approx(24 / 360)
    # a wider hue range takes the tissue too (all view pixels but specular and dark ones)
    assert tool.hsv_bleeding_share(frame, view, 14, 120, 40, 220) == pytest.approx(
        (360 - 6 - 10) / 360)
    assert tool.hsv_bleeding_share(frame, np.zeros_like(view), 8, 120, 40, 220) == 0.0


def test_hsv_area_onset_needs_m_frames_above_the_threshold(tool):
    share = np.array([0.0, 0.2, 0.0, 0.2, 0.3, 0.25, 0.1, 0.3])
    assert tool.hsv_area_onset(share, 0.15, run=1) == 1
    assert tool.hsv_area_onset(share, 0.15, run=3) == 3  # 3, 4, 5 all above 0.15
    assert tool.hsv_area_onset(share, 0.5, run=1) is None
    s = tool.run_min_score(share, 3)
    assert s[3] == pytest.approx(0.2) and np.isinf(s[-2:]).all()


def test_hsv_rule_tunes_range_and_run_on_the_tuning_clips(tool):
    n, onset = 40, 20
    good = tool.hsv_key(tool.HSV_RANGES[2])

    def clip(hsv, onset):
        sig = {'rgb': np.zeros(n), 'red mask': np.zeros(n)}
        sig.update({f'red>{tau:g}': np.zeros(n) for tau in tool.RED_TAUS})
        sig.update({tool.hsv_key(r): np.zeros(n) for r in tool.HSV_RANGES})
        sig[good] = hsv
        return dict(onset=onset, signals=sig)

    pos = np.zeros(n)
    pos[3] = 0.9  # a one-frame flash: m = 1 fires there, 15 frames early
    pos[onset:] = 0.5
    neg = np.zeros(n)
    neg[10:13] = 0.6  # a three-frame burst in a clip without bleeding: m = 3 false alarm
    tune = [clip(pos, onset), clip(pos.copy(), onset), clip(neg, None)]
    spec, params = tool.onset_rules(tune, k=0)['HSV bleeding area (UBE-style)']
    # only range 2 carries the signal; m = 3 and m = 5 both hit frame 20, m = 5 has no
    # false alarm on the clip without bleeding
    assert spec['range'] == tool.HSV_RANGES[2] and spec['run'] == 5
    assert spec['acc'] == 1.0 and spec['fa'] == 0.0 and 0.0 <= spec['thr'] < 0.5
    assert 'm=5' in params and 'H≤14 or ≥166' in params
    assert tool.predict_onset(spec, tune[0]['signals']) == onset
    assert tool.predict_onset(spec, tune[2]['signals']) is None
