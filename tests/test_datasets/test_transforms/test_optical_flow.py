# Copyright (c) mmbleed contributors. All rights reserved.
"""ComputeOpticalFlow recovers a shift; PropagatePseudoPoints follows a moving texture."""
import cv2
import numpy as np
import pytest

from mmbleed.datasets.transforms import ComputeOpticalFlow, PropagatePseudoPoints

H, W, PAD = 72, 96, 40


def _texture(seed=0):
    rng = np.random.RandomState(seed)
    base = rng.randint(0, 256, (H + 2 * PAD, W + 2 * PAD)).astype(np.float32)
    base = cv2.GaussianBlur(base, (0, 0), 2.0)
    base = cv2.normalize(base, None, 0, 255, cv2.NORM_MINMAX)
    return np.repeat(base[..., None], 3, axis=2).astype(np.uint8)


def _view(base, dx, dy):
    """The frame whose content moved by (+dx, +dy) pixels (integer)."""
    return base[PAD - dy:PAD - dy + H, PAD - dx:PAD - dx + W].copy()


@pytest.mark.parametrize('method', ['dis', 'farneback'])
def test_flow_recovers_shift(method):
    base = _texture()
    imgs = [_view(base, 0, 0), _view(base, 3, -2), _view(base, 5, -1)]
    results = ComputeOpticalFlow(method=method)(dict(imgs=imgs))
    flows = results['flows']
    assert len(flows) == 2
    assert flows[0].shape == (H, W, 2) and flows[0].dtype == np.float32
    for flow, expected in zip(flows, [(3, -2), (2, 1)]):
        inner = flow[12:-12, 12:-12].reshape(-1, 2)
        np.testing.assert_allclose(np.median(inner, axis=0), expected, atol=0.3)


def test_farneback_cfg_and_bad_method():
    t = ComputeOpticalFlow(method='farneback', farneback_cfg=dict(winsize=9))
    assert t.estimator.farneback_cfg['winsize'] == 9
    with pytest.raises(ValueError):
        ComputeOpticalFlow(method='raft')


@pytest.mark.parametrize('window_radius', [None, 20])
def test_pseudo_points_follow_translating_texture(window_radius):
    base = _texture(1)
    step = np.array([2, 1])
    img = _view(base, 0, 0)
    pseudo = [_view(base, *(step * k)) for k in range(1, 6)]
    start = np.array([40.0, 30.0], np.float32)
    results = PropagatePseudoPoints(window_radius=window_radius)(
        dict(img=img, pseudo_imgs=pseudo, gt_point=start, gt_visible=True))
    pts, valid = results['pseudo_points'], results['pseudo_valid']
    assert pts.shape == (5, 2) and pts.dtype == np.float32 and valid.dtype == bool
    assert valid.all()
    expected = start + step[None] * np.arange(1, 6)[:, None]
    assert np.abs(pts - expected).max() < 0.5


def test_hidden_source_gives_no_pseudo_labels():
    base = _texture(2)
    results = PropagatePseudoPoints()(dict(img=_view(base, 0, 0),
                                           pseudo_imgs=[_view(base, 1, 0)] * 3,
                                           gt_point=np.array([20.0, 20.0]), gt_visible=False))
    assert np.isnan(results['pseudo_points']).all() and not results['pseudo_valid'].any()


def test_point_leaving_the_frame_is_invalid_and_stops():
    base = _texture(3)
    step = np.array([6, 0])
    pseudo = [_view(base, *(step * k)) for k in range(1, 5)]
    results = PropagatePseudoPoints()(dict(img=_view(base, 0, 0), pseudo_imgs=pseudo,
                                           gt_point=np.array([W - 10.0, 30.0])))
    valid = results['pseudo_valid']
    assert valid[0] and not valid[-1]
    first_bad = int(np.argmin(valid))
    assert not valid[first_bad:].any()
    assert np.isnan(results['pseudo_points'][first_bad:]).all()


def test_existing_pseudo_points_are_kept():
    existing = np.zeros((2, 2), np.float32)
    results = PropagatePseudoPoints()(dict(img=np.zeros((8, 8, 3), np.uint8),
                                           pseudo_imgs=[np.zeros((8, 8, 3), np.uint8)] * 2,
                                           gt_point=np.array([1.0, 1.0]),
                                           pseudo_points=existing))
    assert results['pseudo_points'] is existing


def test_max_steps_leaves_the_evidence_frames_unlabelled():
    base = _texture(1)
    step = np.array([2, 1])
    pseudo = [_view(base, *(step * k)) for k in range(1, 6)]
    start = np.array([40.0, 30.0], np.float32)
    results = PropagatePseudoPoints(max_steps=3)(
        dict(img=_view(base, 0, 0), pseudo_imgs=pseudo, gt_point=start, gt_visible=True))
    pts, valid = results['pseudo_points'], results['pseudo_valid']
    assert pts.shape == (5, 2) and valid.tolist() == [True, True, True, False, False]
    assert np.isnan(pts[3:]).all()
    assert np.abs(pts[:3] - (start + step[None] * np.arange(1, 4)[:, None])).max() < 0.5
    with pytest.raises(ValueError, match='max_steps'):
        PropagatePseudoPoints(max_steps=-1)
