# Copyright (c) mmbleed contributors. All rights reserved.
"""ConvertHSV matches cv2.cvtColor."""
import cv2
import numpy as np

from mmbleed.datasets.transforms import ConvertHSV


def test_hsv_matches_cv2():
    rng = np.random.RandomState(0)
    imgs = [rng.randint(0, 256, (12, 16, 3), dtype=np.uint8) for _ in range(3)]
    results = ConvertHSV()(dict(imgs=imgs, img=imgs[0]))
    assert len(results['hsv_imgs']) == 3
    for img, hsv in zip(imgs, results['hsv_imgs']):
        np.testing.assert_array_equal(hsv, cv2.cvtColor(img, cv2.COLOR_BGR2HSV))
    assert results['hsv_img'] is results['hsv_imgs'][0]


def test_rgb_full_range():
    img = np.random.RandomState(1).randint(0, 256, (8, 8, 3), dtype=np.uint8)
    results = ConvertHSV(channel_order='rgb', full_range=True)(dict(img=img))
    np.testing.assert_array_equal(results['hsv_img'], cv2.cvtColor(img, cv2.COLOR_RGB2HSV_FULL))
    assert 'hsv_imgs' not in results


def test_pure_red_has_hue_zero():
    img = np.zeros((2, 2, 3), np.uint8)
    img[..., 2] = 255  # BGR red
    hsv = ConvertHSV()(dict(img=img))['hsv_img']
    np.testing.assert_array_equal(hsv[0, 0], [0, 255, 255])
