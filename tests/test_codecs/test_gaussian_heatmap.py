# Copyright (c) mmbleed contributors. All rights reserved.
"""GaussianHeatmap codec: targets with hand-computed values, sub-pixel round trips."""
import numpy as np
import pytest

from mmbleed.codecs import GaussianHeatmap
from mmbleed.registry import TASK_UTILS


def test_build_from_config():
    codec = TASK_UTILS.build(
        dict(type='mmbleed.GaussianHeatmap', input_size=(256, 192), heatmap_size=(64, 48),
             sigma=2.0))
    assert isinstance(codec, GaussianHeatmap)
    np.testing.assert_allclose(codec.scale_factor, [4.0, 4.0])


def test_peak_is_one_at_the_point_same_resolution():
    codec = GaussianHeatmap((40, 30), (40, 30), sigma=2.0)
    out = codec.encode(np.array([20.0, 12.0]))
    hm, w = out['heatmaps'], out['weights']
    assert hm.shape == (1, 30, 40) and hm.dtype == np.float32
    assert w.shape == (1, ) and w[0] == 1.0
    assert hm[0, 12, 20] == pytest.approx(1.0)
    assert np.unravel_index(hm[0].argmax(), hm[0].shape) == (12, 20)
    # one pixel away: exp(-1 / (2 sigma^2)); (1, 1) away: exp(-2 / (2 sigma^2))
    assert hm[0, 12, 21] == pytest.approx(np.exp(-1 / 8))
    assert hm[0, 13, 21] == pytest.approx(np.exp(-2 / 8))


def test_scale_uses_pixel_centres():
    # heat-map pixel 10 covers input pixels 40..43, whose centre is 41.5
    codec = GaussianHeatmap((128, 96), (32, 24), sigma=1.5)
    np.testing.assert_allclose(codec.input_to_heatmap([41.5, 21.5]), [10.0, 5.0])
    np.testing.assert_allclose(codec.heatmap_to_input([10.0, 5.0]), [41.5, 21.5])
    hm = codec.encode(np.array([41.5, 21.5]))['heatmaps']
    assert hm[0, 5, 10] == pytest.approx(1.0)
    pts = np.array([[3.3, 90.1], [127.4, 0.2]])
    np.testing.assert_allclose(codec.heatmap_to_input(codec.input_to_heatmap(pts)), pts)


@pytest.mark.parametrize('refine', ['quadratic', 'centroid'])
def test_round_trip_sub_pixel(refine):
    codec = GaussianHeatmap((256, 192), (64, 48), sigma=2.0, refine=refine)
    rng = np.random.RandomState(0)
    # interior points for both; the quadratic refinement also handles the border
    margin = 0 if refine == 'quadratic' else 30
    pts = np.stack([rng.uniform(-0.5 + margin, 255.5 - margin, 50),
                    rng.uniform(-0.5 + margin, 191.5 - margin, 50)], axis=1)
    enc = codec.encode(pts)
    dec, scores = codec.decode(enc['heatmaps'])
    assert dec.shape == (50, 2) and scores.shape == (50, )
    err = np.linalg.norm(dec - pts, axis=1)
    assert err.max() < 0.5
    np.testing.assert_allclose(scores, enc['heatmaps'].reshape(50, -1).max(1))


def test_decode_without_refinement_is_the_argmax_centre():
    codec = GaussianHeatmap((64, 64), (16, 16), sigma=1.0, refine='none')
    hm = np.zeros((16, 16), np.float32)
    hm[3, 7] = 0.8
    pts, scores = codec.decode(hm)
    np.testing.assert_allclose(pts, [[(7 + 0.5) * 4 - 0.5, (3 + 0.5) * 4 - 0.5]])
    np.testing.assert_allclose(scores, [0.8])


def test_weights_for_hidden_nan_and_outside_points():
    codec = GaussianHeatmap((64, 48), (32, 24), sigma=2.0)
    pts = np.array([[10.0, 10.0], [20.0, 20.0], [np.nan, 5.0], [70.0, 10.0], [-0.4, 47.4]])
    out = codec.encode(pts, visible=np.array([1, 0, 1, 1, 1], bool))
    np.testing.assert_array_equal(out['weights'], [1, 0, 0, 0, 1])
    assert out['heatmaps'][[1, 2, 3]].max() == 0
    assert out['heatmaps'][0].max() > 0.9
    with pytest.raises(ValueError):
        codec.encode(pts, visible=np.ones(2))


def test_blurred_noisy_prediction_decodes_near_peak():
    codec = GaussianHeatmap((128, 128), (32, 32), sigma=2.0, blur_kernel_size=5)
    target = np.array([50.3, 70.9])
    hm = codec.encode(target)['heatmaps']
    hm = hm + np.random.RandomState(1).normal(0, 0.01, hm.shape).astype(np.float32)
    pts, _ = codec.decode(hm)
    assert np.linalg.norm(pts[0] - target) < 1.0
