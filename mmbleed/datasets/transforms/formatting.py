# Copyright (c) mmbleed contributors. All rights reserved.
"""Pack a pipeline's results into model inputs and a :class:`BleedDataSample`.

The boundary between the data pipeline and every mmbleed model (BleedOrigin paper, §4.1–4.3;
mmpose's ``PackPoseInputs`` idea): images become tensors, annotations and geometry become
the data sample. Ground-truth points are packed in **original pixels** (DESIGN.md §4) and,
for the losses, also in model-input pixels.
"""
from typing import Dict, Optional, Sequence, Union

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmbleed.registry import TRANSFORMS
from mmbleed.structures import BleedDataSample
from mmbleed.utils.geometry import apply_affine_to_points


def image_to_tensor(img: Union[np.ndarray, Sequence[np.ndarray]]) -> torch.Tensor:
    """``(H, W[, C])`` → ``(C, H, W)``; a sequence of them → ``(T, C, H, W)`` (dtype kept)."""
    if isinstance(img, np.ndarray):
        if img.ndim == 2:
            img = img[..., None]
        return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))
    return torch.stack([image_to_tensor(one) for one in img])


def _to_original(points: np.ndarray, input_to_original: Optional[np.ndarray]) -> np.ndarray:
    if input_to_original is None:
        return np.asarray(points, dtype=np.float32)
    return apply_affine_to_points(points, input_to_original).astype(np.float32)


@TRANSFORMS.register_module()
class PackBleedInputs(BaseTransform):
    """Pack images into ``inputs`` and everything else into a ``BleedDataSample``.

    Packed results: ``dict(inputs=Tensor, data_samples=BleedDataSample)`` where ``inputs`` is
    ``img`` as a ``(3, H, W)`` tensor, or ``imgs`` as ``(T, 3, H, W)`` when ``pack_frames``
    (dtype kept: uint8 from :class:`LoadFrames`; normalisation is the data preprocessor's).

    Data sample fields (each only when its source key exists):

    - ``gt_point`` ``(2,)`` / ``gt_points`` ``(T, 2)`` / ``query_point`` ``(2,)``
      np.float32, **original pixels** (the ``ori_*`` copies from :class:`LoadFrames`, else
      mapped back with ``input_to_original``); ``gt_input_point`` / ``gt_input_points`` /
      ``query_input_point``: the same in model-input pixels (for the losses).
    - ``gt_keys`` copied as given by the dataset (``gt_visible``, ``gt_onset``,
      ``gt_onset_offset``, ``gt_onset_in_window``, ``annotated``, ``pseudo_valid``,
      ``pseudo_visible`` by default).
    - ``gt_heatmaps`` ``(1, H', W')`` / ``gt_heatmap_weights`` ``(1,)`` float tensors
      (:class:`GenerateHeatmapTarget`), ``pseudo_heatmaps`` ``(n, H', W')`` /
      ``pseudo_weights`` ``(n,)`` tensors.
    - ``pseudo_input_points`` (model-input px) and ``pseudo_points`` (original px), np
      arrays shaped as ``results['pseudo_points']`` (``(n, 2)`` or ``(M, T, 2)``).
    - dense extras (``extra_keys``, ``results key -> field``), as tensors: by default
      ``red_mask`` ``(1, H, W)``, ``red_masks`` ``(T, 1, H, W)``, ``hsv_img`` ``(3, H, W)``,
      ``hsv_imgs`` ``(T, 3, H, W)``, ``flows`` ``(T - 1, 2, H, W)``, ``pseudo_imgs`` →
      ``pseudo_inputs`` ``(n, 3, H, W)``.

    Meta information: the ``meta_keys`` present in ``results``; ``frame_idx`` defaults to
    ``frame_indices[0]``.

    Args:
        meta_keys (Sequence[str]): Keys copied into ``metainfo``.
        pack_frames (bool): Pack ``imgs`` as ``(T, 3, H, W)`` instead of ``img``.
            Defaults to False.
        extra_keys (dict, optional): ``results`` key → data-sample field of dense extras;
            ``None`` uses the defaults listed above.
        gt_keys (Sequence[str]): Keys copied unchanged into the data sample.
    """

    DEFAULT_EXTRA_KEYS = {
        'red_mask': 'red_mask',
        'red_masks': 'red_masks',
        'hsv_img': 'hsv_img',
        'hsv_imgs': 'hsv_imgs',
        'flows': 'flows',
        'pseudo_imgs': 'pseudo_inputs',
    }
    # point key -> data-sample field of the model-input copy (the key itself holds original px)
    POINT_KEYS = {
        'gt_point': 'gt_input_point',
        'gt_points': 'gt_input_points',
        'query_point': 'query_input_point',
    }
    # results key -> data-sample field, packed as tensors
    TARGET_KEYS = {
        'heatmaps': 'gt_heatmaps',
        'heatmap_weights': 'gt_heatmap_weights',
        'pseudo_heatmaps': 'pseudo_heatmaps',
        'pseudo_weights': 'pseudo_weights',
    }

    def __init__(self,
                 meta_keys: Sequence[str] = ('clip_id', 'frame_idx', 'frame_indices',
                                             'pseudo_frame_indices', 'ori_shape', 'img_shape',
                                             'scale_factor', 'flip', 'flip_direction',
                                             'input_to_original', 'crop_bbox', 'video',
                                             'frame_dir', 'num_frames', 'fps', 'patient',
                                             'site', 'scenarios', 'track_mode',
                                             'window_start', 'valid_len', 'drop'),
                 pack_frames: bool = False,
                 extra_keys: Optional[Dict[str, str]] = None,
                 gt_keys: Sequence[str] = ('gt_visible', 'gt_onset', 'gt_onset_offset',
                                           'gt_onset_in_window', 'annotated', 'pseudo_valid',
                                           'pseudo_visible')) -> None:
        self.meta_keys = tuple(meta_keys)
        self.gt_keys = tuple(gt_keys)
        self.pack_frames = pack_frames
        self.extra_keys = dict(self.DEFAULT_EXTRA_KEYS if extra_keys is None else extra_keys)

    def _pack_points(self, sample: BleedDataSample, results: dict, i2o) -> None:
        for key, input_field in self.POINT_KEYS.items():
            if results.get(key) is None:
                continue
            input_pts = np.asarray(results[key], dtype=np.float32)
            ori = results.get(f'ori_{key}')
            ori = (np.asarray(ori, dtype=np.float32)
                   if ori is not None else _to_original(input_pts, i2o))
            setattr(sample, key, ori)
            setattr(sample, input_field, input_pts)
        if results.get('pseudo_points') is not None:
            pts = np.asarray(results['pseudo_points'], dtype=np.float32)
            sample.pseudo_input_points = pts
            sample.pseudo_points = _to_original(pts, i2o)
        for key in self.gt_keys:
            if results.get(key) is not None:
                sample.set_field(results[key], key)

    def transform(self, results: dict) -> dict:
        if self.pack_frames:
            inputs = image_to_tensor(results['imgs'])
        else:
            inputs = image_to_tensor(results['img'])

        sample = BleedDataSample()
        i2o = results.get('input_to_original')
        self._pack_points(sample, results, i2o)
        for key, field in self.TARGET_KEYS.items():
            if results.get(key) is not None:
                sample.set_field(torch.from_numpy(np.asarray(results[key], np.float32)), field)
        for key, field in self.extra_keys.items():
            value = results.get(key)
            if value is None or (isinstance(value, (list, tuple)) and len(value) == 0):
                continue
            sample.set_field(image_to_tensor(value), field)

        meta = {k: results[k] for k in self.meta_keys if k in results}
        if 'frame_idx' not in meta and results.get('frame_indices') is not None:
            meta['frame_idx'] = int(results['frame_indices'][0])
        sample.set_metainfo(meta)
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(meta_keys={self.meta_keys}, '
                f'pack_frames={self.pack_frames})')
