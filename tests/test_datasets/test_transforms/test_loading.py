# Copyright (c) mmbleed contributors. All rights reserved.
"""LoadFrames from an mp4 and from a PNG folder."""
import os.path as osp

import cv2
import numpy as np
import pytest

from mmbleed.datasets.transforms import LoadFrames

W, H, N = 32, 24, 6
COLOURS = [(i * 40, 255 - i * 40, 128) for i in range(N)]  # BGR per frame


def _frames():
    return [np.full((H, W, 3), c, np.uint8) for c in COLOURS]


@pytest.fixture
def video(tmp_path):
    path = str(tmp_path / 'clip.mp4')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 30.0, (W, H))
    assert writer.isOpened()
    for f in _frames():
        writer.write(f)
    writer.release()
    return path


@pytest.fixture
def frame_dir(tmp_path):
    d = tmp_path / 'frames'
    d.mkdir()
    for i, f in enumerate(_frames()):
        cv2.imwrite(str(d / f'{i:06d}.png'), f)
    return str(d)


def test_load_from_video(video):
    results = LoadFrames()(dict(video=video, frame_indices=[1, 3], pseudo_frame_indices=[4, 5],
                                gt_point=[10.0, 5.0]))
    imgs = results['imgs']
    assert len(imgs) == 2 and imgs[0].shape == (H, W, 3) and imgs[0].dtype == np.uint8
    assert results['img'] is imgs[0]
    for img, idx in zip(imgs + results['pseudo_imgs'], [1, 3, 4, 5]):
        # lossy codec: the mean colour is close to the written one
        np.testing.assert_allclose(img.reshape(-1, 3).mean(0), COLOURS[idx], atol=6)
    assert results['img_shape'] == (H, W) and results['ori_shape'] == (H, W)
    np.testing.assert_array_equal(results['input_to_original'], np.eye(2, 3))
    assert results['scale_factor'] == (1.0, 1.0) and results['flip'] is False
    np.testing.assert_array_equal(results['ori_gt_point'], [10.0, 5.0])
    assert results['ori_gt_point'] is not results['gt_point']


def test_load_from_frame_dir_relative_to_data_root(frame_dir):
    root, rel = osp.split(frame_dir)
    results = LoadFrames(to_float32=True)(dict(frame_dir=rel, data_root=root,
                                               frame_indices=[5, 0, 2]))
    assert [img.dtype for img in results['imgs']] == [np.float32] * 3
    for img, idx in zip(results['imgs'], [5, 0, 2]):
        np.testing.assert_array_equal(img, _frames()[idx])
    assert 'pseudo_imgs' not in results


def test_missing_source_or_indices():
    with pytest.raises(KeyError):
        LoadFrames()(dict(frame_indices=[0]))
    with pytest.raises(KeyError):
        LoadFrames()(dict(video='x.mp4', frame_indices=[]))
