# Copyright (c) mmbleed contributors. All rights reserved.
"""Geometric transforms move images, masks, flows and points together, exactly.

Pixel convention: point coordinates put pixel centres at integer values, so a horizontal
flip maps x -> w - 1 - x and a resize by s maps x -> (x + 0.5) * s - 0.5.
"""
import numpy as np
import pytest

from mmbleed.datasets.transforms import CenterCrop, RandomFlip, RandomResizedCrop, Resize
from mmbleed.registry import TRANSFORMS

H, W = 40, 60


def _map(mat, pts):
    pts = np.asarray(pts, np.float64)
    return pts @ np.asarray(mat)[:, :2].T + np.asarray(mat)[:, 2]


def _blob(point, h=H, w=W, sigma=2.5):
    ys, xs = np.mgrid[0:h, 0:w]
    g = np.exp(-((xs - point[0])**2 + (ys - point[1])**2) / (2 * sigma**2))
    return (255 * g).astype(np.float32)


def _centroid(img, radius=6):
    img = img if img.ndim == 2 else img[..., 0]
    y, x = np.unravel_index(img.argmax(), img.shape)
    y0, y1 = max(0, y - radius), min(img.shape[0], y + radius + 1)
    x0, x1 = max(0, x - radius), min(img.shape[1], x + radius + 1)
    patch = img[y0:y1, x0:x1].astype(np.float64)
    gy, gx = np.mgrid[y0:y1, x0:x1]
    return np.array([(patch * gx).sum() / patch.sum(), (patch * gy).sum() / patch.sum()])


def _sample(point=(17.0, 11.0)):
    """A sample with every field kind; a bright pixel and a red-mask peak at ``point``."""
    x, y = int(point[0]), int(point[1])
    img = np.zeros((H, W, 3), np.uint8)
    img[y, x] = 255
    imgs = [img, img.copy()]
    mask = np.zeros((H, W), np.float32)
    mask[y, x] = 1.0
    flow = np.zeros((H, W, 2), np.float32)
    flow[...] = (1.5, -2.0)
    return dict(
        img=img, imgs=imgs, pseudo_imgs=[img.copy()], hsv_imgs=[img.copy(), img.copy()],
        red_mask=mask, red_masks=[mask, mask.copy()], flows=[flow],
        gt_point=np.array(point, np.float32),
        gt_points=np.array([point, [np.nan, np.nan], [5.0, 6.0]], np.float32),
        pseudo_points=np.array([[point[0] + 1, point[1]]], np.float32),
        img_shape=(H, W), ori_shape=(H, W), scale_factor=(1.0, 1.0),
        input_to_original=np.eye(2, 3))


def _bright(img):
    img = img if img.ndim == 2 else img[..., 0]
    y, x = np.unravel_index(img.argmax(), img.shape)
    return np.array([x, y], np.float64)


@pytest.mark.parametrize('direction,expected', [
    ('horizontal', (W - 1 - 17, 11)),
    ('vertical', (17, H - 1 - 11)),
    ('diagonal', (W - 1 - 17, H - 1 - 11)),
])
def test_flip_moves_pixel_and_point(direction, expected):
    res = RandomFlip(prob=1.0, direction=direction)(_sample())
    np.testing.assert_array_equal(res['gt_point'], expected)
    for key in ('img', 'red_mask'):
        np.testing.assert_array_equal(_bright(res[key]), expected)
    for key in ('imgs', 'pseudo_imgs', 'hsv_imgs', 'red_masks'):
        for arr in res[key]:
            np.testing.assert_array_equal(_bright(arr), expected)
    assert res['img'] is res['imgs'][0] and res['red_mask'] is res['red_masks'][0]
    sx = -1 if direction in ('horizontal', 'diagonal') else 1
    sy = -1 if direction in ('vertical', 'diagonal') else 1
    np.testing.assert_array_equal(res['flows'][0][0, 0], [1.5 * sx, -2.0 * sy])
    assert np.isnan(res['gt_points'][1]).all()
    np.testing.assert_allclose(_map(res['input_to_original'], res['gt_point']), (17, 11))
    np.testing.assert_allclose(_map(res['input_to_original'], res['gt_points'][2]), (5, 6))
    assert res['flip'] is True and res['flip_direction'] == direction
    assert res['img_shape'] == (H, W) and res['scale_factor'] == (1.0, 1.0)


def test_flip_prob_zero_and_random_choice():
    res = RandomFlip(prob=0.0)(_sample())
    np.testing.assert_array_equal(res['gt_point'], (17, 11))
    assert res['flip'] is False and res['flip_direction'] is None
    seen = {RandomFlip(prob=1.0, direction=['horizontal', 'vertical'], seed=s)(
        _sample())['flip_direction'] for s in range(10)}
    assert seen == {'horizontal', 'vertical'}


def test_resize_scales_points_and_inverts_exactly():
    res = Resize(scale=(90, 20))(_sample())  # sx = 1.5, sy = 0.5
    sx, sy = 1.5, 0.5
    expected = ((17 + 0.5) * sx - 0.5, (11 + 0.5) * sy - 0.5)
    np.testing.assert_allclose(res['gt_point'], expected, atol=1e-5)
    np.testing.assert_allclose(res['pseudo_points'][0], ((18.5) * sx - 0.5, 11.5 * sy - 0.5),
                               atol=1e-5)
    assert res['img'].shape == (20, 90, 3) and res['red_mask'].shape == (20, 90)
    assert all(a.shape == (20, 90, 3) for a in res['imgs'] + res['pseudo_imgs'])
    assert res['img_shape'] == (20, 90) and res['scale_factor'] == (sx, sy)
    np.testing.assert_allclose(res['flows'][0][5, 5], [1.5 * sx, -2.0 * sy], atol=1e-5)
    np.testing.assert_allclose(_map(res['input_to_original'], res['gt_points']),
                               _sample()['gt_points'], atol=1e-5)


def test_resize_blob_follows_point():
    point = (23.3, 17.6)
    res = Resize(scale=(120, 100))(dict(img=_blob(point)[..., None], gt_point=np.array(point)))
    assert np.linalg.norm(_centroid(res['img'], 20) - res['gt_point']) < 0.1
    res = Resize(scale=(30, 20))(dict(img=_blob(point, sigma=4)[..., None],
                                      gt_point=np.array(point)))
    assert np.linalg.norm(_centroid(res['img'], 4) - res['gt_point']) < 0.1


def test_resize_keep_ratio():
    res = Resize(scale=(30, 30), keep_ratio=True)(_sample())
    assert res['img_shape'] == (20, 30) and res['scale_factor'] == (0.5, 0.5)


def test_composition_maps_back_to_original():
    pipeline = [Resize(scale=(48, 64)), RandomFlip(prob=1.0, direction='diagonal'),
                CenterCrop(crop_size=(40, 50)), Resize(scale=(32, 32))]
    res = _sample((30.0, 25.0))
    for t in pipeline:
        res = t(res)
    np.testing.assert_allclose(_map(res['input_to_original'], res['gt_point']), (30, 25),
                               atol=1e-4)
    np.testing.assert_allclose(res['scale_factor'], (48 / W * 32 / 40, 64 / H * 32 / 50))
    assert res['img_shape'] == (32, 32)


def test_center_crop_shifts_points():
    res = CenterCrop(crop_size=(40, 30))(_sample())
    x0, y0 = (W - 40) // 2, (H - 30) // 2
    np.testing.assert_array_equal(res['gt_point'], (17 - x0, 11 - y0))
    np.testing.assert_array_equal(_bright(res['img']), (17 - x0, 11 - y0))
    assert res['img_shape'] == (30, 40) and res['flows'][0].shape == (30, 40, 2)


def test_random_resized_crop_keeps_point_inside():
    point = (50.0, 5.0)  # near a corner
    for seed in range(20):
        t = RandomResizedCrop(scale=(32, 32), area_range=(0.2, 0.6), margin=3, seed=seed)
        res = t(dict(img=_blob(point)[..., None], gt_point=np.array(point, np.float32),
                     input_to_original=np.eye(2, 3)))
        x0, y0, x1, y1 = res['crop_bbox']
        assert x0 + 3 <= point[0] <= x1 - 1 - 3 and y0 + 3 <= point[1] <= y1 - 1 - 3
        assert res['img'].shape[:2] == (32, 32)
        np.testing.assert_allclose(_map(res['input_to_original'], res['gt_point']), point,
                                   atol=1e-4)
        assert np.linalg.norm(_centroid(res['img'], 4) - res['gt_point']) < 0.5


def test_random_resized_crop_falls_back_to_whole_image():
    t = RandomResizedCrop(scale=(30, 20), area_range=(0.1, 0.2), margin=25, seed=0)
    res = t(_sample())
    assert res['crop_bbox'] == (0, 0, W, H)
    np.testing.assert_allclose(res['scale_factor'], (0.5, 0.5))


def test_build_from_registry():
    t = TRANSFORMS.build(dict(type='mmbleed.Resize', scale=(10, 10)))
    assert isinstance(t, Resize)
