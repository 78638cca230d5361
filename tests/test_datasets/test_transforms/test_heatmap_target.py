# Copyright (c) mmbleed contributors. All rights reserved.
"""GenerateHeatmapTarget encodes the GT and pseudo points with the configured codec."""
import numpy as np
import pytest

from mmbleed.datasets.transforms import GenerateHeatmapTarget

ENCODER = dict(type='mmbleed.GaussianHeatmap', input_size=(64, 48), heatmap_size=(32, 24),
               sigma=1.5)


def test_gt_and_pseudo_targets():
    t = GenerateHeatmapTarget(encoder=ENCODER)
    # scale 2, pixel centres: input (20.5, 8.5) -> heat map ((20.5 + .5) / 2 - .5, ...) = (10, 4)
    res = t(dict(img_shape=(48, 64), gt_point=np.array([20.5, 8.5], np.float32),
                 gt_visible=True,
                 pseudo_points=np.array([[22.5, 8.5], [np.nan, np.nan], [40.5, 30.5]],
                                        np.float32),
                 pseudo_valid=np.array([True, False, False])))
    hm, w = res['heatmaps'], res['heatmap_weights']
    assert hm.shape == (1, 24, 32) and w.tolist() == [1.0]
    assert hm[0, 4, 10] == pytest.approx(1.0)
    phm, pw = res['pseudo_heatmaps'], res['pseudo_weights']
    assert phm.shape == (3, 24, 32)
    np.testing.assert_array_equal(pw, [1, 0, 0])
    assert phm[0, 4, 11] == pytest.approx(1.0)
    assert phm[1:].max() == 0


def test_hidden_source_has_zero_weight():
    res = GenerateHeatmapTarget(encoder=ENCODER)(
        dict(gt_point=np.array([10.0, 10.0]), gt_visible=False))
    assert res['heatmap_weights'].tolist() == [0.0] and res['heatmaps'].max() == 0
    assert 'pseudo_heatmaps' not in res


def test_input_size_mismatch_raises():
    with pytest.raises(ValueError, match='input_size'):
        GenerateHeatmapTarget(encoder=ENCODER)(dict(img_shape=(64, 48),
                                                    gt_point=np.zeros(2)))
