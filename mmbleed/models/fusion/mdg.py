# Copyright (c) mmbleed contributors. All rights reserved.
"""MDG, multi-domain gated attention: one feature per frame (BleedOrigin §4.1.1).

Per frame ``I(t)``, difference maps against the previous frame ``I(t-1)`` and against every
key frame ``K_m`` of the MDCFM memory are built in each domain (:class:`FrameDomains`):

- RGB ``(3, H, W)`` and HSV ``(4, H, W)``: ``X(t) - X(r)``;
- optical flow ``(4, H, W)``: the flow into ``I(t)`` and its change from the flow into
  the reference ``F(t) - F(r)`` (flow is computed once per frame, between consecutive
  frames; the flow between ``I(t)`` and a key frame seconds away would be unreliable).

Each domain has its own encoder (three stride-2 conv layers) shared by all references. How
the comparisons with several key frames are aggregated (the paper does not say): the encoded
key-frame differences are averaged (masked: the memory may hold fewer than its size). A 1×1
conv fuses that average, the encoded previous-frame difference and the encoded frame itself
(its difference with zero; mmbleed's addition, so the feature sees what blood looks like and
not only what changed, which made it learn blood faster on the CPU budget) into the domain's
feature ``F_RGB``, ``F_HSV``, ``F_Flow`` ``(C, h, w)``. With ``use_memory=False`` (the
no-memory ablation) the key-frame term is zero.

Then, as in the paper: channel attention (squeeze-and-excitation) over the ``3C``
concatenation, three parallel conv branches (3×3, dilation 1, 2 and 3) and a gated fusion
(softmax gates per branch and channel from the pooled features, as in selective-kernel
networks), then average and max pooling and an FC layer → one ``out_channels`` feature.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import nn

from mmbleed.registry import MODELS
from ..memory.mdcfm import conv_encoder

#: channels of each domain's difference map
DIFF_CHANNELS = dict(rgb=3, hsv=4, flow=4)


def difference_maps(domain: str, current: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """The ``domain`` difference map of frames ``current`` and ``reference``.

    Args:
        domain: ``'rgb'``, ``'hsv'`` or ``'flow'``.
        current: ``(..., C, H, W)`` the frame's domain representation.
        reference: same shape, the reference frame's.
    """
    if domain == 'flow':
        return torch.cat([current, current - reference], dim=-3)
    return current - reference


@MODELS.register_module()
class MDG(BaseModule):
    """Multi-domain gated attention over frame differences (BleedOrigin §4.1.1).

    Args:
        domains (Sequence[str]): among ``('rgb', 'hsv', 'flow')``; the ablations use
            ``('rgb', )`` and ``('rgb', 'hsv')``. Defaults to all three.
        feat_channels (Sequence[int]): channels of each domain encoder's three stride-2
            conv layers; the last is ``C``. Defaults to ``(16, 32, 32)``.
        out_channels (int): the frame feature's size. Defaults to 64.
        use_memory (bool): compare with the memory's key frames too. Defaults to True.
        reduction (int): squeeze-and-excitation reduction. Defaults to 4.
        stem_stride (int): stride of the first conv layer (its kernel is 3 for stride 2,
            else ``stem_stride``: a patch embedding); the other two have stride 2. 4 lets a
            twice larger input cost about as much as stride 2 does. Defaults to 2.
        norm_cfg (dict): normalisation of the conv layers. Defaults to GroupNorm with 4
            groups: a training batch is the frames of one or two clips, so batch statistics
            (BN) differ from the running ones used at test time and streaming.
    """

    def __init__(self,
                 domains: Sequence[str] = ('rgb', 'hsv', 'flow'),
                 feat_channels: Sequence[int] = (16, 32, 32),
                 out_channels: int = 64,
                 use_memory: bool = True,
                 reduction: int = 4,
                 stem_stride: int = 2,
                 norm_cfg: dict = dict(type='GN', num_groups=4),
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        unknown = set(domains) - set(DIFF_CHANNELS)
        if not domains or unknown:
            raise ValueError(f'domains must be a non-empty subset of {tuple(DIFF_CHANNELS)}, '
                             f'got {tuple(domains)}')
        self.domains = tuple(domains)
        self.use_memory = use_memory
        self.out_channels = out_channels
        self.map_channels = c = feat_channels[-1]
        self.encoders = nn.ModuleDict()
        self.reference_fusion = nn.ModuleDict()
        for d in self.domains:
            self.encoders[d] = conv_encoder(DIFF_CHANNELS[d], feat_channels, stem_stride,
                                            norm_cfg)
            self.reference_fusion[d] = ConvModule(3 * c, c, 1, norm_cfg=norm_cfg)
        total = c * len(self.domains)
        self.channel_attention = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(total, max(total // reduction, 8), 1),
            nn.ReLU(inplace=True), nn.Conv2d(max(total // reduction, 8), total, 1),
            nn.Sigmoid())
        self.branches = nn.ModuleList([
            ConvModule(total, c, 3, padding=d, dilation=d, norm_cfg=norm_cfg)
            for d in (1, 2, 3)
        ])
        self.gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(1), nn.Linear(c, max(c // reduction, 8)),
            nn.ReLU(inplace=True), nn.Linear(max(c // reduction, 8), 3 * c))
        self.fc = nn.Linear(2 * c, out_channels)

    def _domain_feature(self, domain: str, current: torch.Tensor, previous: torch.Tensor,
                        memory: Optional[torch.Tensor],
                        memory_mask: Optional[torch.Tensor]) -> torch.Tensor:
        encoder = self.encoders[domain]
        prev_feat = encoder(difference_maps(domain, current, previous))
        own_feat = encoder(difference_maps(domain, current, torch.zeros_like(current)))
        mem_feat = torch.zeros_like(prev_feat)
        if self.use_memory and memory.shape[1] > 0:
            b, m = memory.shape[:2]
            cur = current.unsqueeze(1).expand_as(memory)
            feats = encoder(difference_maps(domain, cur, memory).flatten(0, 1)).unflatten(0, (b, m))
            weights = memory_mask.to(feats.dtype).view(b, m, 1, 1, 1)
            mem_feat = (feats * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        return self.reference_fusion[domain](torch.cat([prev_feat, own_feat, mem_feat], 1))

    def forward(self,
                current: Dict[str, torch.Tensor],
                previous: Dict[str, torch.Tensor],
                memory: Optional[Dict[str, torch.Tensor]] = None,
                memory_mask: Optional[torch.Tensor] = None
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Frame features ``(B, out_channels)`` and the fused map ``(B, C, h, w)`` they are
        pooled from (``h, w`` = the input's size / (4 × ``stem_stride``)).

        Args:
            current: per domain, ``(B, C_d, H, W)`` of the frames ``I(t)``.
            previous: per domain, the same of ``I(t-1)``.
            memory: per domain, ``(B, M, C_d, H, W)`` of the key frames (ignored without
                ``use_memory``).
            memory_mask: ``(B, M)`` bool, which memory slots hold a key frame.
        """
        feats = []
        for d in self.domains:
            mem = None if memory is None else memory[d]
            feats.append(self._domain_feature(d, current[d], previous[d], mem, memory_mask))
        x = torch.cat(feats, dim=1)
        x = x * self.channel_attention(x)
        branches = torch.stack([branch(x) for branch in self.branches], dim=1)  # B,3,C,h,w
        b, _, c = branches.shape[:3]
        gates = self.gate(branches.sum(1)).view(b, 3, c).softmax(dim=1)
        fused = (branches * gates.view(b, 3, c, 1, 1)).sum(1)
        pooled = torch.cat([fused.mean(dim=(2, 3)), fused.amax(dim=(2, 3))], dim=1)
        return self.fc(pooled), fused
