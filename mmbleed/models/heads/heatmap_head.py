# Copyright (c) mmbleed contributors. All rights reserved.
"""The Heat-Map module (BleedOrigin paper, §4.2): 2 × conv3×3 + an upsampling conv."""
from typing import Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from mmbleed.registry import MODELS


@MODELS.register_module()
class HeatmapHead(BaseModule):
    """Turn one backbone feature map into ``K`` source heat-maps.

    Two 3×3 conv-BN-ReLU layers, then a stride-2 transposed conv per ``upsample`` step,
    then a 1×1 conv to ``out_channels`` heat-maps (logits of the Gaussian target's scale).

    Args:
        in_channels (int): channels of the selected feature map.
        out_channels (int): heat-maps per image (1: the bleeding source). Defaults to 1.
        feat_channels (int): channels of the hidden layers. Defaults to 64.
        num_upsamples (int): stride-2 upsampling convs. Defaults to 1.
        in_index (int): which backbone output to use. Defaults to -1 (the last).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int = 1,
                 feat_channels: int = 64,
                 num_upsamples: int = 1,
                 in_index: int = -1,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        if init_cfg is None:
            init_cfg = [
                dict(type='Normal', layer=['Conv2d', 'ConvTranspose2d'],
                     std=0.001),
                dict(type='Constant', layer='BatchNorm2d', val=1)
            ]
        super().__init__(init_cfg=init_cfg)
        self.in_index = in_index
        layers = []
        channels = in_channels
        for _ in range(2):
            layers += [
                nn.Conv2d(channels, feat_channels, 3, padding=1, bias=False),
                nn.BatchNorm2d(feat_channels),
                nn.ReLU(inplace=True)
            ]
            channels = feat_channels
        for _ in range(num_upsamples):
            layers += [
                nn.ConvTranspose2d(
                    feat_channels, feat_channels, 4, stride=2, padding=1,
                    bias=False),
                nn.BatchNorm2d(feat_channels),
                nn.ReLU(inplace=True)
            ]
        self.layers = nn.Sequential(*layers)
        self.final = nn.Conv2d(feat_channels, out_channels, 1)

    def forward(self, feats: Union[torch.Tensor, Sequence[torch.Tensor]]
                ) -> torch.Tensor:
        """``feats``: backbone outputs; returns ``(B, K, H, W)`` heat-maps."""
        if isinstance(feats, (list, tuple)):
            feats = feats[self.in_index]
        return self.final(self.layers(feats))
