# Copyright (c) mmbleed contributors. All rights reserved.
"""ComputeRedMask: highest on a red patch, equal to red_mask_map."""
import numpy as np

from mmbleed.datasets.transforms import ComputeRedMask
from mmbleed.utils import red_mask_map


def _scene():
    img = np.full((24, 32, 3), 120, np.uint8)  # grey tissue
    img[5:9, 20:26] = (30, 40, 220)  # BGR red patch
    img[15:20, 3:8] = (200, 60, 60)  # blue patch
    return img


def test_red_mask_peaks_on_red_patch():
    img = _scene()
    results = ComputeRedMask()(dict(img=img))
    mask = results['red_mask']
    assert mask.shape == (24, 32) and mask.dtype == np.float32
    y, x = np.unravel_index(mask.argmax(), mask.shape)
    assert 5 <= y < 9 and 20 <= x < 26
    assert mask[5:9, 20:26].min() > mask[15:20, 3:8].max()
    assert mask[0, 0] == 0.0  # grey is not red
    np.testing.assert_array_equal(mask, red_mask_map(img))


def test_red_masks_for_frames_and_shared_first():
    imgs = [_scene(), _scene()[:, ::-1].copy()]
    results = ComputeRedMask()(dict(imgs=imgs, img=imgs[0]))
    assert len(results['red_masks']) == 2
    assert results['red_mask'] is results['red_masks'][0]
    np.testing.assert_array_equal(results['red_masks'][1], red_mask_map(imgs[1]))


def test_rgb_order():
    img = _scene()[..., ::-1].copy()
    mask = ComputeRedMask(channel_order='rgb')(dict(img=img))['red_mask']
    np.testing.assert_array_equal(mask, red_mask_map(_scene()))
