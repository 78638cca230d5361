# Copyright (c) mmbleed contributors. All rights reserved.
import math

import numpy as np
import pytest

from mmbleed.evaluation.functional import (error_rates, occlusion_accuracy, pck,
                                           point_errors, tapvid_delta_avg)


def test_point_errors():
    err = point_errors([[3, 4], [0, 0]], [[0, 0], [0, 0]])
    np.testing.assert_allclose(err, [5.0, 0.0])


def test_error_rates_hand_computed_and_inclusive():
    gt = np.zeros((6, 2))
    # errors 0, 10, 25, 30, 100, 150 (exactly at 10, 25 and 100 px count)
    pred = np.array([[0, 0], [10, 0], [0, 25], [18, 24], [60, 80], [0, 150]])
    res = error_rates(pred, gt)
    assert res['Err<=10'] == pytest.approx(2 / 6)
    assert res['Err<=25'] == pytest.approx(3 / 6)
    assert res['Err<=50'] == pytest.approx(4 / 6)
    assert res['Err<=75'] == pytest.approx(4 / 6)
    assert res['Err<=100'] == pytest.approx(5 / 6)
    assert res['Err_avg'] == pytest.approx(315 / 6)
    assert res['num_points'] == 6


def test_error_rates_skips_nan_gt():
    pred = np.array([[0, 0], [5, 0], [1000, 1000]])
    gt = np.array([[0, 0], [0, 0], [np.nan, np.nan]])
    res = error_rates(pred, gt, thresholds=(1, ))
    assert res['num_points'] == 2
    assert res['Err<=1'] == 0.5
    assert res['Err_avg'] == 2.5
    empty = error_rates(np.zeros((0, 2)), np.zeros((0, 2)))
    assert empty['num_points'] == 0 and math.isnan(empty['Err_avg'])


@pytest.mark.parametrize('func', [error_rates, point_errors])
def test_invalid_predictions_raise(func):
    with pytest.raises(ValueError, match='NaN'):
        func([[np.nan, 0]], [[0, 0]])
    with pytest.raises(ValueError, match='shape'):
        func(np.zeros((2, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match='shape'):
        func(np.zeros((2, 3)), np.zeros((2, 3)))


def test_pck_non_square_image():
    # a 512 x 256 (w x h) frame: x is normalised by 512, y by 256
    gt = np.full((4, 2), 100.0)
    pred = gt + np.array([
        [20, 0],  # 20 / 512 = 0.039 -> within 5% and 10%
        [0, 20],  # 20 / 256 = 0.078 -> within 10% only
        [0, 2],  # 2 / 256 = 0.0078 -> within all
        [100, 0],  # 0.195 -> none
    ])
    res = pck(pred, gt, image_sizes=(512, 256))
    assert res == {'PCK@2%': 0.25, 'PCK@5%': 0.5, 'PCK@10%': 0.75}
    # per-sample sizes: the same offsets on a square 1024 frame are all within 5%
    res = pck(pred[:3], gt[:3], image_sizes=np.full((3, 2), 1024.0), fractions=(0.05, ))
    assert res == {'PCK@5%': 1.0}


def test_pck_strict_boundary_and_nan():
    gt = np.zeros((4, 2))
    # 1/16 of the side: 32 px of 512 wide, 16 px of 256 high -> exactly at the threshold
    pred = np.array([[32, 0], [0, 16], [31, 0], [0, 15]])
    res = pck(pred, gt, image_sizes=(512, 256), fractions=(0.0625, ))
    assert res == {'PCK@6.25%': 0.5}
    gt_nan = np.array([[0, 0], [np.nan, np.nan]])
    res = pck(np.zeros((2, 2)), gt_nan, image_sizes=(10, 10), fractions=(0.1, ))
    assert res == {'PCK@10%': 1.0}
    with pytest.raises(ValueError, match='NaN'):
        pck([[np.nan, 0]], [[0, 0]], image_sizes=(10, 10))


def test_tapvid_delta_rescaled_strict_visible_only():
    # a 512 x 128 frame: x scaled by 0.5, y by 2 to reach 256 x 256
    gt = np.full((4, 2), 50.0)
    pred = gt + np.array([
        [2, 0],  # 1 px at 256
        [0, 1],  # 2 px
        [16, 0],  # 8 px
        [0, 4],  # 8 px, but GT is invisible -> ignored
    ])
    visible = np.array([True, True, True, False])
    res = tapvid_delta_avg(pred, gt, visible, image_size=(512, 128))
    # strict <: d=1 is not within 1, d=2 not within 2, d=8 not within 8
    assert res['delta@1'] == 0.0
    assert res['delta@2'] == pytest.approx(1 / 3)
    assert res['delta@4'] == pytest.approx(2 / 3)
    assert res['delta@8'] == pytest.approx(2 / 3)
    assert res['delta@16'] == 1.0
    assert res['delta_avg'] == pytest.approx(8 / 15)
    assert res['num_tracks'] == 1


def test_tapvid_delta_per_track_mean_nan_gt_and_mask():
    size = (256, 256)
    gt = np.zeros((3, 3, 2))
    pred = np.zeros((3, 3, 2))
    visible = np.ones((3, 3), dtype=bool)
    gt[0, 1:] = np.nan  # track 0: only frame 0 annotated, error 0
    pred[1, 1:] = 100.0  # track 1: errors 0, 141, 141
    visible[2] = False  # track 2: never visible -> left out
    res = tapvid_delta_avg(pred, gt, visible, size, thresholds=(1, ))
    # per track (1 + 1/3) / 2, not pooled 2 / 4
    assert res['delta@1'] == pytest.approx(2 / 3)
    assert res['num_tracks'] == 2
    # excluding frame 0 (the query) leaves track 1's two wrong frames only
    eval_mask = np.array([[False, True, True]] * 3)
    res = tapvid_delta_avg(pred, gt, visible, size, thresholds=(1, ), eval_mask=eval_mask)
    assert res['delta@1'] == 0.0 and res['num_tracks'] == 1
    with pytest.raises(ValueError):
        tapvid_delta_avg(pred, gt, visible[:, :2], size)
    pred[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match='NaN'):
        tapvid_delta_avg(pred, gt, visible, size)


def test_occlusion_accuracy():
    pred = np.array([True, False, True, True])
    gt = np.array([True, True, True, False])
    assert occlusion_accuracy(pred, gt) == 0.5
    assert occlusion_accuracy(pred, gt, eval_mask=[False, True, True, True]) == \
        pytest.approx(1 / 3)
    # per-track mean: (1/1 + 0/2) / 2
    pred2 = np.array([[True, True], [True, True]])
    gt2 = np.array([[True, False], [False, False]])
    mask2 = np.array([[True, False], [True, True]])
    assert occlusion_accuracy(pred2, gt2, mask2) == 0.5
    assert math.isnan(occlusion_accuracy(pred, gt, eval_mask=np.zeros(4, bool)))
