# Copyright (c) mmbleed contributors. All rights reserved.
import math

import numpy as np
import pytest

from mmbleed.evaluation.functional import error_rates, pck, point_errors, tapvid_metrics


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
    # one video, one track on a 512 x 128 frame: x scaled by 0.5, y by 2 to reach 256 x 256
    gt = np.full((4, 2), 50.0)
    pred = gt + np.array([
        [2, 0],  # 1 px at 256
        [0, 1],  # 2 px
        [16, 0],  # 8 px
        [0, 4],  # 8 px, but GT is invisible -> ignored
    ])
    visible = np.array([True, True, True, False])
    res = tapvid_metrics(pred[None, None], gt[None, None], visible[None, None],
                         image_size=(512, 128))
    # strict <: d=1 is not within 1, d=2 not within 2, d=8 not within 8
    assert res['delta@1'] == 0.0
    assert res['delta@2'] == pytest.approx(1 / 3)
    assert res['delta@4'] == pytest.approx(2 / 3)
    assert res['delta@8'] == pytest.approx(2 / 3)
    assert res['delta@16'] == 1.0
    assert res['delta_avg'] == pytest.approx(8 / 15)
    assert res['num_videos'] == 1 and 'AJ' not in res


def tapnet_by_hand():
    """Two videos (256 x 256), threshold 4 only. Video 0 has two tracks of 3 frames, video 1
    one track (padded to 2 tracks, the padding masked out)."""
    gt = np.zeros((2, 2, 3, 2))
    pred = np.zeros((2, 2, 3, 2))
    visible = np.ones((2, 2, 3), bool)
    pred_visible = np.ones((2, 2, 3), bool)
    evaluated = np.ones((2, 2, 3), bool)
    # video 0, track 0: frame 0 is the query (not evaluated); frame 1 error 1 (within),
    # frame 2 error 10 (not within), both predicted visible
    evaluated[0, 0, 0] = False
    pred[0, 0, 1, 0], pred[0, 0, 2, 0] = 1.0, 10.0
    # video 0, track 1: frames 1-2 evaluated; frame 1 error 0 visible but predicted hidden,
    # frame 2 hidden in the ground truth and predicted visible
    evaluated[0, 1, 0] = False
    pred_visible[0, 1, 1] = False
    visible[0, 1, 2] = False
    # video 1: one track, frame 1 error 2 (within), frame 2 error 20 (far), both predicted
    # visible; track 1 is padding
    evaluated[1, 0, 0] = False
    pred[1, 0, 1, 1], pred[1, 0, 2, 1] = 2.0, 20.0
    evaluated[1, 1] = False
    return pred, gt, visible, pred_visible, evaluated


def test_tapvid_metrics_pool_per_video_as_tapnet():
    pred, gt, visible, pred_visible, evaluated = tapnet_by_hand()
    res = tapvid_metrics(pred, gt, visible, (256, 256), pred_visible=pred_visible,
                         eval_mask=evaluated, thresholds=(4, ))
    # tapnet, video 0: visible evaluated points {t0f1 within, t0f2 far, t1f1 within} ->
    # pts_within 2/3; video 1: {f1 within, f2 far} -> 1/2; benchmark = mean over videos
    assert res['delta@4'] == pytest.approx((2 / 3 + 1 / 2) / 2)
    # averaging per track instead would give (1/2 + 1/1 + 1/2) / 3 = 2/3
    assert res['delta@4'] != pytest.approx(2 / 3)
    # occlusion accuracy, video 0: evaluated {t0f1 ok, t0f2 ok, t1f1 wrong, t1f2 wrong} = 2/4;
    # video 1: {f1 ok, f2 ok} = 1
    assert res['OA'] == pytest.approx((2 / 4 + 1) / 2)
    # Jaccard, video 0: true positives {t0f1} = 1; ground-truth visible = 3; false positives
    # (predicted visible and hidden or too far) {t0f2, t1f2} = 2 -> 1 / (3 + 2);
    # video 1: {f1} / (2 + {f2}) = 1/3
    assert res['jaccard@4'] == pytest.approx((1 / 5 + 1 / 3) / 2)
    assert res['AJ'] == res['jaccard@4']
    assert res['num_videos'] == 2


def test_tapvid_metrics_nan_ground_truth_and_bad_shapes():
    pred, gt, visible, pred_visible, evaluated = tapnet_by_hand()
    # a hidden frame needs no point: still scored by OA and Jaccard
    gt[0, 1, 2] = np.nan
    res = tapvid_metrics(pred, gt, visible, (256, 256), pred_visible=pred_visible,
                         eval_mask=evaluated, thresholds=(4, ))
    assert res['OA'] == pytest.approx((2 / 4 + 1) / 2)
    assert res['jaccard@4'] == pytest.approx((1 / 5 + 1 / 3) / 2)
    gt[0, 0, 2] = np.nan  # visible without a point: not annotated, leaves video 0 with
    # {t0f1, t1f1}, both within
    res = tapvid_metrics(pred, gt, visible, (256, 256), eval_mask=evaluated, thresholds=(4, ))
    assert res['delta@4'] == pytest.approx((1 + 1 / 2) / 2)
    # a video with nothing visible to score is left out of the mean
    visible[1] = False
    res = tapvid_metrics(pred, gt, visible, (256, 256), eval_mask=evaluated, thresholds=(4, ))
    assert res['num_videos'] == 1 and res['delta@4'] == 1.0
    with pytest.raises(ValueError, match='visible must have shape'):
        tapvid_metrics(pred, gt, visible[:, :, :2], (256, 256))
    with pytest.raises(ValueError, match='videos, tracks, frames'):
        tapvid_metrics(pred[0], gt[0], visible[0], (256, 256))
    pred[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match='NaN'):
        tapvid_metrics(pred, gt, visible, (256, 256))
    empty = tapvid_metrics(np.zeros((0, 1, 1, 2)), np.zeros((0, 1, 1, 2)),
                           np.zeros((0, 1, 1), bool), np.zeros((0, 2)), thresholds=(4, ))
    assert math.isnan(empty['delta@4']) and empty['num_videos'] == 0
