# Copyright (c) mmbleed contributors. All rights reserved.
"""A trainable heat-map point regressor: backbone → Heat-Map module → argmax (paper §4.2).

The single-frame core of BleedOrigin's source module: an mmpretrain backbone,
:class:`HeatmapHead`, a Gaussian heat-map target (``mmbleed.GaussianHeatmap`` codec) and its
decoding to one point per image, reported in the original frame's pixels. It trains on the
expert point's heat-map only (MSE); the paper's Red-Mask attention, pseudo-label heat-map term
and Huber point term belong to the full source module.
"""
from typing import Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.model import BaseModel

from mmbleed.registry import MODELS, TASK_UTILS
from mmbleed.structures import BleedDataSample
from .point_conversion import input_to_original


@MODELS.register_module()
class HeatmapPointRegressor(BaseModel):
    """Predict the bleeding source of each image as the peak of a heat-map.

    Args:
        backbone (dict): any MMEngine-registered backbone, e.g.
            ``dict(type='mmpretrain.ResNet', depth=18, out_indices=(1, ))``.
        head (dict): the heat-map head, e.g. ``dict(type='HeatmapHead', ...)``. Under
            another project's default scope, name mmbleed parts ``'mmbleed.X'``.
        codec (dict): heat-map codec; its ``decode`` turns heat-maps into points in
            model-input pixels.
        loss (dict): heat-map loss. Defaults to ``HeatmapMSELoss``.
        data_preprocessor (dict, optional): e.g. ``ImgDataPreprocessor`` with mean/std.
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 codec: dict,
                 loss: dict = dict(type='mmbleed.HeatmapMSELoss'),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.head = MODELS.build(head)
        self.loss_module = MODELS.build(loss)
        self.codec = TASK_UTILS.build(codec)

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[BleedDataSample]] = None,
                mode: str = 'tensor') -> Union[Dict, List, torch.Tensor]:
        heatmaps = self.head(self.backbone(inputs))
        if mode == 'tensor':
            return heatmaps
        if mode == 'loss':
            return self._loss(heatmaps, data_samples)
        if mode == 'predict':
            return self._predict(heatmaps, data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"')

    def _loss(self, heatmaps: torch.Tensor,
              data_samples: List[BleedDataSample]) -> Dict[str, torch.Tensor]:
        target = torch.stack([
            torch.as_tensor(np.asarray(s.gt_heatmaps), dtype=heatmaps.dtype)
            for s in data_samples
        ]).to(heatmaps.device)
        weights = torch.stack([
            torch.as_tensor(np.asarray(s.gt_heatmap_weights), dtype=heatmaps.dtype)
            for s in data_samples
        ]).to(heatmaps.device)
        return dict(loss_heatmap=self.loss_module(heatmaps, target, weights))

    def _predict(self, heatmaps: torch.Tensor,
                 data_samples: List[BleedDataSample]) -> List[BleedDataSample]:
        expected = tuple(self.codec.heatmap_size[::-1])
        if tuple(heatmaps.shape[-2:]) != expected:
            raise ValueError(
                f'the head made {tuple(heatmaps.shape[-2:])} (h, w) heat-maps but the '
                f'codec decodes {expected}: the model input must be the codec\'s input_size '
                f'{tuple(self.codec.input_size)} (w, h)')
        maps = heatmaps.detach().float().cpu().numpy()
        for sample, hm in zip(data_samples, maps):
            points, scores = self.codec.decode(hm)
            sample.pred_point = input_to_original(points[0], sample.metainfo)
            sample.pred_score = float(np.clip(scores[0], 0.0, 1.0))
        return data_samples
