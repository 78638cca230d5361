# Copyright (c) mmbleed contributors. All rights reserved.
"""A ViT's single stride-16 map turned into maps at strides 4, 8 and 16.

The paper-size tracker (BleedOrigin §4.3) runs Track-On on a Vision Transformer; Track-On
(Aydemir et al., ICLR 2025) gives its ViT a ViT-Adapter to get the stride-4 and stride-8
maps it finds points on. mmbleed takes the simpler pyramid of ViTDet (Li et al., "Exploring
Plain Vision Transformer Backbones for Object Detection", ECCV 2022, §3, Fig. 2 right):
from the last map only, a 2×2 transposed convolution for stride 8 and two for stride 4, a
1×1 convolution for stride 16, each followed by a 3×3 convolution. Its input is what
mmpretrain's ``VisionTransformer(out_type='featmap')`` returns.
"""
from typing import Sequence, Tuple

import torch
from mmengine.model import BaseModule
from torch import nn

from mmbleed.registry import MODELS


def _conv(in_ch: int, out_ch: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(in_ch, out_ch, 3, padding=1), nn.GroupNorm(8, out_ch),
                         nn.GELU())


@MODELS.register_module()
class SimpleFeaturePyramid(BaseModule):
    """Stride-16 map → maps at strides 4, 8, 16 (ViTDet's simple pyramid).

    Args:
        in_channels (int): channels of the ViT map.
        out_channels (Sequence[int]): channels at strides 4, 8 and 16.
        init_cfg (dict, optional): initialisation.
    """

    def __init__(self, in_channels: int, out_channels: Sequence[int] = (128, 256, 256),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        c4, c8, c16 = out_channels
        self.stride4 = nn.Sequential(
            nn.ConvTranspose2d(in_channels, in_channels // 2, 2, stride=2),
            nn.GroupNorm(8, in_channels // 2), nn.GELU(),
            nn.ConvTranspose2d(in_channels // 2, c4, 2, stride=2), _conv(c4, c4))
        self.stride8 = nn.Sequential(nn.ConvTranspose2d(in_channels, c8, 2, stride=2),
                                     _conv(c8, c8))
        self.stride16 = nn.Sequential(nn.Conv2d(in_channels, c16, 1), _conv(c16, c16))

    def forward(self, feats: Sequence[torch.Tensor]) -> Tuple[torch.Tensor, ...]:
        x = feats[-1]
        return self.stride4(x), self.stride8(x), self.stride16(x)
