# Copyright (c) mmbleed contributors. All rights reserved.
"""Gaussian heat-map targets of the source point and its pseudo-labels (BleedOrigin, §4.2).

The source module's loss is ``0.5 * MSE(H, H_gt) + 0.5 * mean MSE(H, H_pseudo) + Huber(P,
P_gt)``; this transform makes ``H_gt`` and ``H_pseudo`` with the codec the decoder uses.
"""
from typing import Union

import numpy as np
from mmcv.transforms import BaseTransform

from mmbleed.registry import TASK_UTILS, TRANSFORMS


@TRANSFORMS.register_module()
class GenerateHeatmapTarget(BaseTransform):
    """Encode ``gt_point`` and ``pseudo_points`` (model-input pixels) into heat maps.

    Put it after every geometric transform, so the points are in model-input pixels.

    Required keys: ``gt_point`` ``(2,)`` and/or ``pseudo_points`` ``(n, 2)``.
    Optional keys: ``gt_visible`` (bool), ``pseudo_valid`` (or ``pseudo_visible``) ``(n,)``
    bool, ``img_shape``. Pseudo points of another shape are flattened to ``(-1, 2)``.
    Added keys: ``heatmaps`` ``(1, H, W)`` float32, ``heatmap_weights`` ``(1,)`` float32,
    ``pseudo_heatmaps`` ``(n, H, W)`` float32, ``pseudo_weights`` ``(n,)`` float32.

    Args:
        encoder (dict | GaussianHeatmap): The codec, e.g.
            ``dict(type='mmbleed.GaussianHeatmap', input_size=(256, 256),
            heatmap_size=(64, 64), sigma=2.0)``, built from ``TASK_UTILS``.
        check_input_size (bool): Raise if ``img_shape`` differs from the codec's
            ``input_size`` (a missing ``Resize`` would silently shift targets).
            Defaults to True.
    """

    def __init__(self, encoder: Union[dict, object], check_input_size: bool = True) -> None:
        self.encoder = TASK_UTILS.build(encoder) if isinstance(encoder, dict) else encoder
        self.check_input_size = check_input_size

    def transform(self, results: dict) -> dict:
        if self.check_input_size and 'img_shape' in results:
            h, w = results['img_shape'][:2]
            if (int(w), int(h)) != tuple(self.encoder.input_size):
                raise ValueError(f'img_shape (h, w)={(h, w)} does not match the codec '
                                 f'input_size (w, h)={self.encoder.input_size}')
        if results.get('gt_point') is not None:
            visible = results.get('gt_visible', True)
            visible = np.asarray(visible if visible is not None else True, dtype=np.float32)
            encoded = self.encoder.encode(
                np.asarray(results['gt_point']).reshape(1, 2), visible.reshape(-1)[:1])
            results['heatmaps'] = encoded['heatmaps']
            results['heatmap_weights'] = encoded['weights']
        if results.get('pseudo_points') is not None:
            points = np.asarray(results['pseudo_points']).reshape(-1, 2)
            valid = results.get('pseudo_valid', results.get('pseudo_visible'))
            valid = (np.ones(len(points), dtype=np.float32)
                     if valid is None else np.asarray(valid, dtype=np.float32).reshape(-1))
            encoded = self.encoder.encode(points, valid)
            results['pseudo_heatmaps'] = encoded['heatmaps']
            results['pseudo_weights'] = encoded['weights']
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(encoder={self.encoder!r})'
