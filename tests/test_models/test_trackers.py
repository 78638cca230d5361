# Copyright (c) mmbleed contributors. All rights reserved.
"""The point-tracker interface and the classical trackers (static, Lucas-Kanade, MFT-style),
and their evaluation through ``init`` / ``step`` by :class:`OnlinePointTracker`."""
import json
import os.path as osp
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest
from mmengine.dataset import pseudo_collate

from mmbleed.datasets import TrackingDataset
from mmbleed.evaluation import TrackMetric
from mmbleed.models.trackers import (BasePointTracker, MFTFlowTracker, OnlinePointTracker,
                                     PyramidalLKTracker, StaticPointTracker, TrackStep)
from mmbleed.models.trackers.base_tracker import is_black
from mmbleed.registry import MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ALL = [StaticPointTracker, PyramidalLKTracker, MFTFlowTracker]
MOVING = [PyramidalLKTracker, MFTFlowTracker]
QUERY = np.array([[70.0, 60.0], [110.0, 35.0]])


def texture(h=120, w=160, seed=0):
    """A BGR tissue-like texture with fine and coarse structure (so pyramids see it)."""
    rng = np.random.default_rng(seed)
    fine = cv2.GaussianBlur(rng.uniform(0, 255, (h, w)).astype(np.float32), (0, 0), 2.0)
    coarse = cv2.GaussianBlur(rng.uniform(0, 255, (h, w)).astype(np.float32), (0, 0), 6.0)
    img = fine + 3 * coarse
    img = (img - img.min()) / (img.max() - img.min()) * 220 + 20
    return cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_GRAY2BGR)


def shifted(img, dx, dy):
    """``img`` translated by ``(dx, dy)``: content at ``p`` moves to ``p + (dx, dy)``."""
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)


def covered(frame, centre, other, radius=15):
    """``frame`` with the square patch around ``centre`` replaced by ``other``'s pixels."""
    out = frame.copy()
    x, y = int(round(centre[0])), int(round(centre[1]))
    out[y - radius:y + radius + 1, x - radius:x + radius + 1] = \
        other[y - radius:y + radius + 1, x - radius:x + radius + 1]
    return out


# ----------------------------------------------------------------------------- following
@pytest.mark.parametrize('cls', MOVING)
def test_trackers_follow_a_translated_texture(cls):
    img = texture()
    tracker = cls()
    first = tracker.init(img, QUERY)
    assert np.array_equal(first.points, QUERY) and first.visible.all()
    assert np.array_equal(first.confidence, [1.0, 1.0])
    dx, dy = 2.5, -1.5
    for t in range(1, 9):
        out = tracker.step(shifted(img, dx * t, dy * t))
        err = np.linalg.norm(out.points - (QUERY + [dx * t, dy * t]), axis=1)
        assert (err < 1.0).all(), (t, err)
        assert out.visible.all() and (out.confidence >= 0.5).all()
        assert tracker.frame_index == t


def test_static_point_stays_where_it_was_queried():
    img = texture()
    tracker = StaticPointTracker()
    tracker.init(img, QUERY)
    for t in range(1, 5):
        out = tracker.step(shifted(img, 2.5 * t, -1.5 * t))
        assert np.array_equal(out.points, QUERY)  # so it does not follow the motion
        assert np.linalg.norm(out.points - (QUERY + [2.5 * t, -1.5 * t]), axis=1).min() > 2
        assert out.visible.all() and np.array_equal(out.confidence, [1.0, 1.0])


# ----------------------------------------------------------------------------- losing a point
@pytest.mark.parametrize('cls', MOVING)
def test_a_point_whose_patch_is_replaced_is_not_visible(cls):
    """Point 0's patch is replaced by an unrelated texture in frame 2; point 1 is untouched."""
    img, other = texture(), texture(seed=1)
    tracker = cls()
    tracker.init(img, QUERY)
    one = tracker.step(shifted(img, 2, 1))
    assert one.visible.all()
    two = tracker.step(covered(shifted(img, 4, 2), QUERY[0] + [4, 2], other))
    assert not two.visible[0] and two.confidence[0] < 0.5
    assert two.visible[1] and two.confidence[1] >= 0.5
    assert np.linalg.norm(two.points[1] - (QUERY[1] + [4, 2])) < 1.0
    if cls is PyramidalLKTracker:  # the last accepted position is kept
        assert np.array_equal(two.points[0], one.points[0])


def test_lucas_kanade_is_lost_on_an_unrelated_frame_and_keeps_its_last_point():
    img = texture()
    tracker = PyramidalLKTracker()
    tracker.init(img, QUERY[:1])
    one = tracker.step(shifted(img, 2, 1))
    lost = tracker.step(texture(seed=1))
    assert one.visible[0] and not lost.visible[0]
    assert np.array_equal(lost.points, one.points)


def test_mft_finds_the_point_again_after_an_occlusion_through_the_query_frame():
    img, other = texture(), texture(seed=1)
    tracker = MFTFlowTracker()
    tracker.init(img, QUERY)
    for t in range(1, 9):
        shift = np.array([1.0 * t, 0.5 * t])
        frame = shifted(img, *shift)
        hidden = 2 <= t <= 4
        if hidden:
            frame = covered(frame, QUERY[0] + shift, other)
        out = tracker.step(frame)
        assert out.visible[0] != hidden, t
        assert out.visible[1]
        if not hidden:
            assert np.linalg.norm(out.points[0] - (QUERY[0] + shift)) < 1.0, t


def test_mft_memory_is_bounded():
    img = texture()
    tracker = MFTFlowTracker(deltas=(1, 2, 4))
    tracker.init(img, QUERY)
    for t in range(1, 12):
        tracker.step(shifted(img, 0.5 * t, 0))
    assert list(tracker._memory) == [7, 8, 9, 10, 11]  # the query frame is kept apart


# ----------------------------------------------------------------------------- bad input
def _error(fn, *args) -> str:
    with pytest.raises(ValueError) as info:
        fn(*args)
    message = str(info.value)
    assert '\n' not in message
    return message


@pytest.mark.parametrize('cls', ALL)
def test_bad_input_gives_one_clear_line(cls):
    img = texture()
    tracker = cls()
    assert 'step() before init()' in _error(tracker.step, img)
    msg = _error(tracker.init, img, [[10.0, 10.0], [160.0, 50.0]])
    assert msg.startswith('frame 0: query point 1 (160, 50) lies outside the 160x120 frame')
    assert 'outside' in _error(tracker.init, img, [[-0.6, 10.0]])
    assert 'no query points' in _error(tracker.init, img, np.zeros((0, 2)))
    assert 'no query points' in _error(tracker.init, img, [])
    assert 'must have shape (K, 2), got (2,)' in _error(tracker.init, img, [70.0, 60.0])
    assert 'query point 0 is not finite' in _error(tracker.init, img, [[np.nan, 3.0]])
    msg = _error(tracker.init, img.astype(np.float32), QUERY)
    assert msg.startswith('frame 0: expected an (H, W, 3) uint8 BGR image, got shape '
                          '(120, 160, 3) dtype float32')
    assert 'got list' in _error(tracker.init, img.tolist(), QUERY)
    # the frame's edges (pixel centres at integers) are inside
    tracker.init(img, [[-0.5, -0.5], [159.5, 119.5]])
    tracker.init(img, QUERY)
    tracker.step(shifted(img, 1, 0))
    msg = _error(tracker.step, cv2.resize(img, (80, 60)))
    assert msg.startswith("frame 2: size 80x60 differs from the first frame's 160x120")
    assert _error(tracker.step, img[..., 0]).startswith(
        'frame 2: expected an (H, W, 3) uint8 BGR image, got shape (120, 160)')
    out = tracker.step(shifted(img, 2, 0))  # a refused frame does not count
    assert tracker.frame_index == 2 and out.points.shape == (2, 2)


# ----------------------------------------------------------------------------- black frames
def test_what_counts_as_black():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 12, (120, 160, 3)).astype(np.uint8)
    assert is_black(np.zeros((120, 160, 3), np.uint8), 16)
    assert is_black(noise, 16)  # sensor noise on a black frame
    assert not is_black(texture() // 6, 16)  # dark, but there is something to see


@pytest.mark.parametrize('cls', ALL)
def test_black_first_frame_holds_the_query_until_a_frame_shows_something(cls):
    img, black = texture(), np.zeros((120, 160, 3), np.uint8)
    tracker = cls()
    for out in (tracker.init(black, QUERY), tracker.step(black), tracker.step(img)):
        # held at the query, not visible, confidence 0 (the last one is the new anchor)
        assert np.array_equal(out.points, QUERY)
        assert not out.visible.any() and not out.confidence.any()
    out = tracker.step(shifted(img, 2, 1))
    assert out.visible.all()
    expected = QUERY if cls is StaticPointTracker else QUERY + [2, 1]
    assert np.linalg.norm(out.points - expected, axis=1).max() < 1.0


@pytest.mark.parametrize('cls', ALL)
def test_a_black_frame_later_is_skipped(cls):
    img, black = texture(), np.zeros((120, 160, 3), np.uint8)
    tracker = cls()
    tracker.init(img, QUERY)
    one = tracker.step(shifted(img, 2, 1))
    dark = tracker.step(black)
    assert np.array_equal(dark.points, one.points)
    assert not dark.visible.any() and not dark.confidence.any()
    out = tracker.step(shifted(img, 4, 2))  # tracked on from the last real frame
    expected = QUERY if cls is StaticPointTracker else QUERY + [4, 2]
    assert out.visible.all() and np.linalg.norm(out.points - expected, axis=1).max() < 1.0


# ----------------------------------------------------------------------------- interface
def test_every_tracker_is_registered_and_builds_from_a_config():
    for cls in ALL:
        tracker = MODELS.build(dict(type=cls.__name__))
        assert isinstance(tracker, BasePointTracker)
    out = TrackStep.held(QUERY)
    assert out.points is not QUERY and not out.visible.any()


# ----------------------------------------------------------------------------- evaluation
NUM_FRAMES, SHIFT = 31, np.array([1.5, 0.5])
SOURCE = np.array([60.0, 50.0])


@pytest.fixture(scope='module')
def clip_root(tmp_path_factory):
    """A raw root with one test clip (frame folder): a texture translated by ``SHIFT`` a
    frame, the source at ``SOURCE + t * SHIFT`` annotated at frames 0, 15 and 30."""
    root = tmp_path_factory.mktemp('track_clip')
    frame_dir = root / 'frames' / 'P000' / 'C000'
    frame_dir.mkdir(parents=True)
    img = texture()
    for t in range(NUM_FRAMES):
        cv2.imwrite(str(frame_dir / f'{t:06d}.png'), shifted(img, *(t * SHIFT)))
    anns = [dict(frame=t, point=(SOURCE + t * SHIFT).tolist(), visible=True)
            for t in (0, 15, 30)]
    clip = dict(clip_id='P000/C000', patient='P000', clip='C000', split='test', video=None,
                frame_dir='frames/P000/C000', num_frames=NUM_FRAMES, height=120, width=160,
                fps=30.0, site='gastric antrum', scenarios=['camera jitter'],
                onset_frame=0, annotations=anns, dense_gt=None)
    (root / 'annotations').mkdir()
    content = dict(metainfo=dict(dataset_name='tiny', split='test'), data_list=[clip])
    (root / 'annotations' / 'test.json').write_text(json.dumps(content))
    return str(root)


def _track_dataset(root, resize=None):
    pipeline = [dict(type='mmbleed.LoadFrames')]
    if resize:
        pipeline.append(dict(type='mmbleed.Resize', scale=resize))
    pipeline.append(dict(type='mmbleed.PackBleedInputs', pack_frames=True))
    return TrackingDataset(ann_file='annotations/test.json', data_root=root, mode='long',
                           test_mode=True, pipeline=pipeline)


@pytest.mark.parametrize('resize', [None, (80, 60)])
def test_online_tracker_predictions_are_in_original_pixels_and_scored(clip_root, resize):
    model = OnlinePointTracker(tracker=dict(type='PyramidalLKTracker'))
    data = pseudo_collate([_track_dataset(clip_root, resize)[0]])
    (sample, ) = model.test_step(data)
    truth = SOURCE + np.arange(NUM_FRAMES)[:, None] * SHIFT
    assert sample.pred_points.shape == (NUM_FRAMES, 2)
    assert sample.pred_visible.shape == (NUM_FRAMES, ) and sample.pred_visible.dtype == bool
    assert sample.pred_confidence.shape == (NUM_FRAMES, )
    assert np.allclose(sample.pred_points[0], SOURCE, atol=1e-4)  # the query, frame 0
    # original pixels: at half size without the mapping back, errors would reach ~30 px
    tol = 1.0 if resize is None else 2.0
    assert np.abs(sample.pred_points - truth).max() < tol

    metric = TrackMetric()
    metric.process(None, [sample.to_dict()])
    res = metric.compute_metrics(metric.results)
    assert res['num_points'] == 2 and res['num_tracks'] == 1  # frames 15, 30
    assert res['Err<=10'] == 1.0 and res['Err_avg'] < tol and res['OA'] == 1.0
    assert 'scenario/camera jitter/Err_avg' in res


def test_online_tracker_runs_through_init_and_step_only(clip_root):
    calls = []

    class Recording(StaticPointTracker):

        def init(self, frame, points):
            calls.append(('init', frame.shape, np.asarray(points).tolist()))
            return super().init(frame, points)

        def step(self, frame):
            calls.append(('step', frame.shape))
            return super().step(frame)

    model = OnlinePointTracker(tracker=Recording())
    (sample, ) = model.test_step(pseudo_collate([_track_dataset(clip_root)[0]]))
    assert calls[0] == ('init', (120, 160, 3), [SOURCE.tolist()])
    assert calls[1:] == [('step', (120, 160, 3))] * (NUM_FRAMES - 1)
    assert np.allclose(sample.pred_points, SOURCE)
    with pytest.raises(RuntimeError, match='nothing to train'):
        model.forward(None, [sample], mode='loss')
    # a clip of one frame: the query frame alone, nothing stepped
    calls.clear()
    one = model.track([texture()], QUERY)
    assert [c[0] for c in calls] == ['init']
    assert one['points'].shape == (1, 2, 2) and one['visible'].all()


def test_tools_test_evaluates_the_lucas_kanade_config(clip_root, tmp_path):
    out = subprocess.run([
        sys.executable, 'tools/test.py', 'configs/baselines/lucas-kanade_synthetic-esd-small.py',
        '--work-dir', str(tmp_path), '--cfg-options',
        f'test_dataloader.dataset.data_root={clip_root}/'
    ], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-4000:]
    found = re.search(r'track/Err<=10: ([0-9.]+)', log)
    assert found and float(found.group(1)) == 1.0, log[-4000:]
    assert 'track/num_points: 2' in log


@pytest.mark.parametrize('name', ['lucas-kanade', 'mft-dis', 'static-point'])
def test_baseline_configs_build_their_tracker(name):
    from mmengine.config import Config
    cfg = Config.fromfile(
        osp.join(REPO_ROOT, 'configs', 'baselines', f'{name}_synthetic-esd-small.py'))
    assert cfg.train_dataloader is None and cfg.val_dataloader is None
    assert cfg.test_dataloader.dataset.mode == 'long'
    assert cfg.test_evaluator.type == 'TrackMetric'
    model = MODELS.build(cfg.model)
    assert isinstance(model, OnlinePointTracker)
    assert not list(model.parameters())  # nothing to load: tools/test.py CONFIG
