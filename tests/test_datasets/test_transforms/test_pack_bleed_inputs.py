# Copyright (c) mmbleed contributors. All rights reserved.
"""PackBleedInputs shapes and fields; a whole source-stage pipeline from PNG frames."""
import cv2
import numpy as np
import torch
from mmengine.dataset import Compose

from mmbleed.datasets.transforms import PackBleedInputs
from mmbleed.structures import BleedDataSample

H, W = 36, 48


def _results(num=3):
    imgs = [np.full((H, W, 3), 10 * i, np.uint8) for i in range(num)]
    return dict(
        clip_id='P000/C000', frame_indices=[5, 6, 7][:num], img=imgs[0], imgs=imgs,
        ori_shape=(72, 96), img_shape=(H, W), scale_factor=(0.5, 0.5), flip=False,
        input_to_original=np.array([[2.0, 0, 0.5], [0, 2.0, 0.5]]),
        gt_point=np.array([10.0, 8.0], np.float32), gt_visible=True, gt_onset=6,
        red_mask=np.zeros((H, W), np.float32), flows=[np.zeros((H, W, 2), np.float32)] * 2,
        heatmaps=np.zeros((1, 9, 12), np.float32), heatmap_weights=np.ones(1, np.float32))


def test_pack_single_frame():
    packed = PackBleedInputs()(_results())
    inputs, sample = packed['inputs'], packed['data_samples']
    assert isinstance(sample, BleedDataSample)
    assert inputs.shape == (3, H, W) and inputs.dtype == torch.uint8
    # no ori copy: mapped back through input_to_original
    np.testing.assert_allclose(sample.gt_point, [20.5, 16.5])
    np.testing.assert_allclose(sample.gt_input_point, [10.0, 8.0])
    assert sample.gt_visible is True and sample.gt_onset == 6
    assert sample.gt_heatmaps.shape == (1, 9, 12) and sample.gt_heatmap_weights.shape == (1, )
    assert sample.red_mask.shape == (1, H, W) and sample.flows.shape == (2, 2, H, W)
    meta = sample.metainfo
    assert meta['clip_id'] == 'P000/C000' and meta['frame_idx'] == 5
    assert meta['ori_shape'] == (72, 96) and meta['img_shape'] == (H, W)
    assert meta['scale_factor'] == (0.5, 0.5) and meta['flip'] is False
    assert meta['input_to_original'].shape == (2, 3)


def test_pack_frames_and_ori_copy():
    results = _results()
    results['ori_gt_point'] = np.array([21.0, 17.0], np.float32)
    packed = PackBleedInputs(pack_frames=True, extra_keys=dict(red_mask='prior'))(results)
    assert packed['inputs'].shape == (3, 3, H, W)
    sample = packed['data_samples']
    np.testing.assert_array_equal(sample.gt_point, [21.0, 17.0])
    assert 'prior' in sample and 'flows' not in sample


def test_source_pipeline_end_to_end(tmp_path):
    """LoadFrames -> pseudo labels -> crop/flip/jitter -> red mask -> targets -> pack."""
    rng = np.random.RandomState(0)
    big = cv2.GaussianBlur(rng.randint(0, 256, (H + 20, W + 20, 3)).astype(np.float32),
                           (0, 0), 2)
    big = cv2.normalize(big, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    for i in range(4):  # texture moving by (+1, 0) per frame
        cv2.imwrite(str(tmp_path / f'{i:06d}.png'), big[10:10 + H, 10 - i:10 - i + W])
    pipeline = Compose([
        dict(type='mmbleed.LoadFrames'),
        dict(type='mmbleed.PropagatePseudoPoints'),
        dict(type='mmbleed.RandomResizedCrop', scale=(32, 32), margin=4, seed=0),
        dict(type='mmbleed.RandomFlip', prob=1.0, seed=0),
        dict(type='mmbleed.ColorJitter', seed=0),
        dict(type='mmbleed.ComputeRedMask'),
        dict(type='mmbleed.GenerateHeatmapTarget',
             encoder=dict(type='mmbleed.GaussianHeatmap', input_size=(32, 32),
                          heatmap_size=(16, 16), sigma=1.0)),
        dict(type='mmbleed.PackBleedInputs'),
    ])
    packed = pipeline(dict(clip_id='P/C', frame_dir=str(tmp_path), frame_indices=[0],
                           frame_idx=0, pseudo_frame_indices=[1, 2, 3],
                           gt_point=np.array([20.0, 15.0], np.float32), gt_visible=True))
    sample = packed['data_samples']
    assert packed['inputs'].shape == (3, 32, 32)
    np.testing.assert_array_equal(sample.gt_point, [20.0, 15.0])  # original pixels
    i2o = sample.metainfo['input_to_original']
    np.testing.assert_allclose(sample.gt_input_point @ i2o[:, :2].T + i2o[:, 2], [20, 15],
                               atol=1e-4)
    assert sample.pseudo_valid.all()
    np.testing.assert_allclose(sample.pseudo_points, [[21, 15], [22, 15], [23, 15]], atol=0.5)
    assert sample.gt_heatmaps.shape == (1, 16, 16)
    assert sample.pseudo_heatmaps.shape == (3, 16, 16)
    assert sample.pseudo_inputs.shape == (3, 3, 32, 32)
    assert sample.red_mask.shape == (1, 32, 32)
    assert sample.metainfo['flip'] is True
