# Copyright (c) mmbleed contributors. All rights reserved.
"""The synthetic benchmark (v2): what the default dataset must hold, and the events that
make tracking need memory. Plans are checked without rendering; events on short clips."""
from collections import Counter

import numpy as np
import pytest

from mmbleed.datasets.synthetic import HIDDEN_BY, SCENARIOS, SITE_PRESETS, ClipSpec, \
    load_dense_gt, plan_clips, render_clip_frames
from mmbleed.datasets.synthetic.camera import EndoscopeView
from mmbleed.datasets.synthetic.generator import stratified_onsets
from mmbleed.datasets.synthetic.optics import EndoscopeOptics


@pytest.fixture(scope='module')
def default_plan():
    return plan_clips('small', seed=0)


def _split(plans, splits, kind, split):
    return [s for s in plans[kind] if splits[s.patient] == split]


def test_default_test_split_is_large_enough(default_plan):
    plans, splits = default_plan
    det = _split(plans, splits, 'detection', 'test')
    trk = _split(plans, splits, 'tracking', 'test')
    assert sum(s.onset is not None for s in det) >= 100
    assert sum(s.onset is None for s in det) >= 30
    assert len(trk) >= 40
    assert all(60 <= s.num_frames <= 400 for s in trk)
    assert any(s.num_frames > 300 for s in trk)
    # annotated tracking points after the query frame (what TrackMetric scores)
    assert sum(len([t for t in s.annotate if t > 0]) for s in trk) >= 400
    per_scenario = Counter(sc for s in det + trk for sc in s.scenarios)
    assert set(per_scenario) == set(SCENARIOS)
    assert min(per_scenario.values()) >= 15, per_scenario
    # every site is seen in the test split; a patient has one site
    assert {s.site for s in det} == set(SITE_PRESETS)
    assert all(len({s.site for s in plans['detection'] + plans['tracking']
                    if s.patient == p}) == 1 for p in splits)


def test_onsets_cover_the_range_evenly(default_plan):
    plans, splits = default_plan
    for split in ('train', 'test'):
        onsets = np.array([s.onset for s in _split(plans, splits, 'detection', split)
                           if s.onset is not None])
        assert onsets.min() >= 45 and onsets.max() <= 120
        # a constant guess (the median) is within ±4 frames of few onsets
        med = np.median(onsets)
        assert np.mean(np.abs(onsets - med) <= 4) <= 0.15
        # stratified: each quarter of the range holds a quarter of the onsets (±1)
        counts = np.histogram(onsets, bins=4, range=(45, 121))[0]
        assert counts.max() - counts.min() <= 2, counts
    assert stratified_onsets(np.random.default_rng(0), 1, 7, 7) == [7]
    many = stratified_onsets(np.random.default_rng(1), 76, 45, 120)
    assert sorted(many) == list(range(45, 121))  # one per frame when n equals the range


def test_tracking_clips_carry_memory_events(default_plan):
    plans, splits = default_plan
    trk = _split(plans, splits, 'tracking', 'test')
    hides = [e for s in trk for e in s.hide_events]
    assert len({c for c, _, _ in hides}) == 3  # water, instrument, blood
    for s in trk:
        for cause, a, b in s.hide_events:
            assert 10 <= b - a <= 60 and b + 12 <= s.num_frames
    excursions = [e for s in trk for e in s.excursions]
    assert any(d > 1 for _, _, d in excursions) and any(d < 1 for _, _, d in excursions)


def _hidden(gt, cause):
    return gt['source_hidden_by'] == HIDDEN_BY.index(cause)


@pytest.mark.parametrize('cause, name', [('instrument', 'instrument'), ('water', 'water')])
def test_hide_event_hides_the_source_then_it_is_seen_again(cause, name):
    spec = ClipSpec('P000', 'T000', 'gastric body', 70, 0, (3, 2, 1), num_tracks=8,
                    scenarios=('clear view', ), hide_events=((cause, 20, 45), ))
    _, gt = render_clip_frames(spec, bleeding=False)
    assert _hidden(gt, name)[20:45].mean() >= 0.8
    assert gt['source_visible'][:12].all()
    assert gt['source_visible'][55:].all()
    assert not gt['source_visible'][gt['source_hidden_by'] > 0].any()


def test_excursion_takes_the_source_out_of_view_and_back():
    spec = ClipSpec('P000', 'T000', 'cardia', 90, 0, (3, 2, 2), num_tracks=8,
                    scenarios=('clear view', ), excursions=((20, 70, 1.25), ))
    _, gt = render_clip_frames(spec, bleeding=False)
    view = EndoscopeView(320, 272)
    r = np.hypot(*(gt['source_xy'] - view.centre).T)
    out = _hidden(gt, 'out of view')
    assert out[40:50].all() and not out[:15].any() and not out[80:].any()
    assert r[45] > r[10] + 50


def test_blood_mask_and_hidden_cause_in_dense_gt(tmp_path):
    from mmbleed.datasets.synthetic.generator import write_clip
    spec = ClipSpec('P000', 'D000', 'duodenum', 40, 10, (4, 1, 0), num_tracks=4,
                    scenarios=('clear view', ), annotate=[10])
    write_clip(str(tmp_path), spec)
    gt = load_dense_gt(str(tmp_path / 'dense_gt' / 'P000' / 'D000.npz'))
    mask = gt['blood_mask']
    assert mask.shape == (40, 272, 320) and mask.dtype == bool
    assert not mask[:10].any()
    area = mask.sum((1, 2))
    assert area[39] > 50 and area[39] > area[14]
    # blood lies around the source once it has flowed
    x, y = np.round(gt['source_xy'][39]).astype(int)
    assert mask[39, max(0, y - 15):y + 16, max(0, x - 15):x + 16].any()
    assert gt['source_hidden_by'].shape == (40, )
    np.testing.assert_array_equal(gt['source_visible'], gt['source_hidden_by'] == 0)
    assert isinstance(gt['source_region'], str)


def test_optics_chromatic_aberration_grows_towards_the_edge():
    view = EndoscopeView(320, 272)
    optics = EndoscopeOptics(np.random.default_rng(0), view, 1.0)
    img = np.zeros((272, 320, 3), np.float32)
    img[130:142, 270:282] = 1.0  # a white square near the right edge
    img[130:142, 154:166] = 1.0  # and one at the centre
    out = optics.chromatic_aberration(img)

    def centroid_x(ch, x0, x1):
        w = out[120:152, x0:x1, ch]
        return float((w.sum(0) * np.arange(x0, x1)).sum() / w.sum())

    # red is magnified outwards, blue inwards: fringes at the edge, none at the centre
    assert centroid_x(2, 255, 300) - centroid_x(0, 255, 300) > 0.3 * optics.aberration
    assert abs(centroid_x(2, 140, 180) - centroid_x(0, 140, 180)) < 0.05


def test_labelme_file_of_a_source_outside_the_frame_has_no_point():
    from mmbleed.datasets.synthetic.generator import labelme_dict
    inside = labelme_dict(5, (10.0, 20.0), False, 320, 272, 'T000')
    (shape, ) = inside['shapes']
    assert shape['points'] == [[10.5, 20.5]] and shape['flags'] == {'occluded': True}
    for point in ((-3.0, 20.0), (10.0, 275.6), (320.0, 5.0)):
        assert labelme_dict(5, point, False, 320, 272, 'T000')['shapes'] == []
    # the edge of the frame in LabelMe's convention is still inside
    assert labelme_dict(5, (-0.5, 271.5), False, 320, 272, 'T000')['shapes']
