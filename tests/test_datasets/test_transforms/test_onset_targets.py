# Copyright (c) mmbleed contributors. All rights reserved.
"""LoadOnsetFrameTargets: MDCFM's per-frame labels from the dense GT, or the fallback."""
import numpy as np

from mmbleed.datasets.synthetic.scenarios import SCENARIOS
from mmbleed.datasets.transforms import LoadOnsetFrameTargets


def write_dense_gt(path, num_frames=6, onset=3):
    active = np.zeros((num_frames, len(SCENARIOS)), bool)
    active[1, SCENARIOS.index('water flushing')] = True
    active[2, SCENARIOS.index('camera jitter')] = True
    active[4, SCENARIOS.index('instrument interference')] = True
    mask = np.zeros((num_frames, 4, 16), bool)
    mask[5, :2, :8] = True  # a quarter of frame 5 is blood
    np.savez(path, bleeding=np.arange(num_frames) >= onset, scenario_active=active,
             blood_mask=np.packbits(mask, axis=-1), frame_size=np.array([16, 4], np.int32))


def test_labels_from_dense_gt(tmp_path):
    path = str(tmp_path / 'gt.npz')
    write_dense_gt(path)
    results = LoadOnsetFrameTargets()(
        dict(frame_indices=[0, 1, 2, 3, 4, 5], gt_onset=3, dense_gt=path, img_shape=(2, 8)))
    # colour: water at 1, bleeding from 3; motion: jitter at 2, instrument at 4
    np.testing.assert_array_equal(results['gt_frame_changes'],
                                  [[0, 0], [1, 0], [0, 1], [1, 0], [1, 1], [1, 0]])
    masks = results['gt_blood_masks']
    assert masks.shape == (6, 1, 2, 8)  # resized to the model input
    assert masks[:5].sum() == 0
    np.testing.assert_allclose(masks[5, 0], [[1, 1, 1, 1, 0, 0, 0, 0], [0] * 8])


def test_fallback_without_dense_gt():
    results = LoadOnsetFrameTargets()(dict(frame_indices=[10, 11, 12], gt_onset=11))
    targets = results['gt_frame_changes']
    np.testing.assert_array_equal(targets[:, 0], [0, 1, 1])  # at or after the onset
    assert np.isnan(targets[:, 1]).all()  # motion unknown: left out of the loss
    assert 'gt_blood_masks' not in results
    negative = LoadOnsetFrameTargets()(dict(frame_indices=[0, 1], gt_onset=-1))
    np.testing.assert_array_equal(negative['gt_frame_changes'][:, 0], [0, 0])


def test_blood_masks_follow_the_flip_of_the_frames(tmp_path):
    """After RandomFlip the masks are flipped as the frames were: blood stays on the red."""
    path = str(tmp_path / 'gt.npz')
    write_dense_gt(path)
    base = dict(frame_indices=[0, 1, 2, 3, 4, 5], gt_onset=3, dense_gt=path, img_shape=(2, 8))
    expected = {
        'horizontal': [[0, 0, 0, 0, 1, 1, 1, 1], [0] * 8],
        'vertical': [[0] * 8, [1, 1, 1, 1, 0, 0, 0, 0]],
        'diagonal': [[0] * 8, [0, 0, 0, 0, 1, 1, 1, 1]],
        'horizontal,horizontal': [[1, 1, 1, 1, 0, 0, 0, 0], [0] * 8],  # flipped twice
    }
    for direction, mask in expected.items():
        results = LoadOnsetFrameTargets()(dict(base, flip=True, flip_direction=direction))
        np.testing.assert_allclose(results['gt_blood_masks'][5, 0], mask, err_msg=direction)
