# Copyright (c) mmbleed contributors. All rights reserved.
"""ColorJitter: same change on every frame, points untouched, reproducible with a seed."""
import numpy as np
import pytest

from mmbleed.datasets.transforms import ColorJitter


def _results():
    rng = np.random.RandomState(0)
    frame = rng.randint(0, 256, (16, 20, 3), dtype=np.uint8)
    imgs = [frame, frame.copy(), rng.randint(0, 256, (16, 20, 3), dtype=np.uint8)]
    return dict(img=imgs[0], imgs=imgs, pseudo_imgs=[frame.copy()],
                gt_point=np.array([3.5, 7.0], np.float32),
                gt_points=np.array([[1.0, 2.0], [np.nan, np.nan]], np.float32))


def test_points_unchanged_and_frames_consistent():
    res = ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4, hue=0.1, seed=0)(_results())
    np.testing.assert_array_equal(res['gt_point'], [3.5, 7.0])
    np.testing.assert_array_equal(res['gt_points'], [[1.0, 2.0], [np.nan, np.nan]])
    imgs = res['imgs']
    assert not np.array_equal(imgs[0], _results()['imgs'][0])
    # identical input frames stay identical: the sample is jittered with one set of factors
    np.testing.assert_array_equal(imgs[0], imgs[1])
    np.testing.assert_array_equal(imgs[0], res['pseudo_imgs'][0])
    assert res['img'] is imgs[0] and imgs[0].dtype == np.uint8


def test_deterministic_with_seed():
    cfg = dict(brightness=0.3, contrast=0.3, saturation=0.3, hue=0.05)
    a = ColorJitter(**cfg, seed=7)(_results())
    b = ColorJitter(**cfg, seed=7)(_results())
    c = ColorJitter(**cfg, seed=8)(_results())
    for x, y in zip(a['imgs'], b['imgs']):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a['imgs'][2], c['imgs'][2])
    np.random.seed(3)
    d = ColorJitter(**cfg)(_results())
    np.random.seed(3)
    e = ColorJitter(**cfg)(_results())
    np.testing.assert_array_equal(d['img'], e['img'])


def test_identity_when_disabled():
    res = ColorJitter(brightness=0, contrast=0, saturation=0, hue=0, seed=0)(_results())
    np.testing.assert_array_equal(res['imgs'][2], _results()['imgs'][2])
    res = ColorJitter(prob=0.0, seed=0)(_results())
    np.testing.assert_array_equal(res['img'], _results()['img'])


def test_brightness_scales_pixels():
    img = np.full((4, 4, 3), 100, np.uint8)
    t = ColorJitter(brightness=0.5, contrast=0, saturation=0, hue=0, seed=0)
    factor = np.random.RandomState(0)
    factor.rand()
    factor.permutation(4)
    expected = round(100 * factor.uniform(0.5, 1.5))
    np.testing.assert_array_equal(t(dict(img=img))['img'], np.full((4, 4, 3), expected))


def test_bad_args():
    with pytest.raises(ValueError):
        ColorJitter(hue=0.7)
    with pytest.raises(ValueError):
        ColorJitter(brightness=1.5)
