# Copyright (c) mmbleed contributors. All rights reserved.
"""MDCFM, the multi-domain confidence frame memory (BleedOrigin §4.1.1, Eq. 1).

For consecutive frames ``I(t-1), I(t)`` the RGB and HSV differences go through three conv
layers and the optical flow through a branch of its own; the two are concatenated, and an
FC layer with a sigmoid gives two confidences, ``c_color(t)`` (the colours changed) and
``c_motion(t)`` (the scene moved). ``I(t-1)`` becomes a *key frame* (a clean view the MDG
compares later frames with) only when ``c_color(t) < α`` and ``c_motion(t) < γ``.

The memory is bounded (the paper does not say how; mmbleed's choice, in the config):

- it holds at most ``memory_size`` key frames; a new key frame replaces the oldest (FIFO);
- a new key frame is taken only ``min_interval`` frames or more after the last one, so the
  memory spans about ``memory_size × min_interval`` frames of recent clean views instead of
  the last few (nearly identical) frames;
- the stream's first usable frame seeds it.

A 10-minute stream therefore costs the same per frame as a 10-second one. Frames flagged
*unusable* (all black or saturated, :class:`FrameDomains`) never become key frames.

What trains the confidences is not in the paper either. mmbleed supervises them with an
auxiliary BCE (:class:`MaskedBCELoss`) on per-frame labels: colour change = bleeding
has begun, or water, smoke, pooled blood or glare acts; motion change = camera jitter or an
instrument acts (the synthetic generator's ``bleeding`` and ``scenario_active``; for real data
without them, colour change falls back to "at or after the onset" and motion change is
unknown, see :class:`LoadOnsetFrameTargets`). The confidences are also fed
to the temporal head, so they get gradient from the onset loss when the auxiliary loss is
switched off (the ablation ``configs/detect/*_no-conf-supervision.py``).
"""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import nn

from mmbleed.registry import MODELS


#: channels of the colour domains' difference maps (:class:`FrameDomains`)
COLOR_CHANNELS = dict(rgb=3, hsv=4)


def conv_encoder(in_channels: int, feat_channels: Sequence[int], stem_stride: int,
                 norm_cfg: dict, pool: bool = False) -> nn.Sequential:
    """Three conv-BN-ReLU layers: the first with stride ``stem_stride``, then stride 2; with
    ``pool``, global average pooling to a vector."""
    layers, c_in = [], in_channels
    for i, c_out in enumerate(feat_channels):
        stride = stem_stride if i == 0 else 2
        kernel = 3 if stride <= 2 else stride
        layers.append(ConvModule(c_in, c_out, kernel, stride=stride, padding=(kernel - 1) // 2
                                 if kernel == 3 else 0, norm_cfg=norm_cfg))
        c_in = c_out
    if pool:
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(1)]
    return nn.Sequential(*layers)


class KeyFrameMemory:
    """The bounded key-frame memory of MDCFM: which earlier frames are clean views.

    Holds frame indices (and, when the caller passes them, any payload per frame, e.g. the
    frame's domains in streaming). Offline and streaming detection drive the same object
    frame by frame, so they keep the same key frames.

    Args:
        memory_size (int): most key frames kept; 0 keeps none (the no-memory ablation).
        min_interval (int): fewest frames between two key frames.
        alpha (float): colour-change threshold α. Defaults to 0.5.
        gamma (float): motion-change threshold γ. Defaults to 0.5.
    """

    def __init__(self,
                 memory_size: int,
                 min_interval: int,
                 alpha: float = 0.5,
                 gamma: float = 0.5) -> None:
        if memory_size < 0 or min_interval < 1:
            raise ValueError(f'memory_size must be >= 0 and min_interval >= 1, got '
                             f'{memory_size} and {min_interval}')
        self.memory_size = memory_size
        self.min_interval = min_interval
        self.alpha = alpha
        self.gamma = gamma
        self.reset()

    def reset(self) -> None:
        self.frames: List[int] = []
        self.payloads: list = []

    def is_clean(self, color_conf: float, motion_conf: float) -> bool:
        """Eq. 1's rule: both confidences below their thresholds."""
        return color_conf < self.alpha and motion_conf < self.gamma

    def offer(self, frame: int, clean: bool, payload=None) -> bool:
        """Store ``frame`` if it is clean and far enough from the last key frame.

        Returns whether it was stored."""
        if self.memory_size == 0 or not clean:
            return False
        if self.frames and frame - self.frames[-1] < self.min_interval:
            return False
        self.frames.append(frame)
        self.payloads.append(payload)
        if len(self.frames) > self.memory_size:
            self.frames.pop(0)
            self.payloads.pop(0)
        return True


@MODELS.register_module()
class MDCFM(BaseModule):
    """Colour- and motion-change confidences of a frame pair (BleedOrigin Eq. 1).

    Inputs per frame ``t`` (model resolution ``H × W``): the RGB difference ``(3, H, W)`` and
    HSV difference ``(4, H, W)`` of ``I(t)`` and ``I(t-1)`` (see :class:`FrameDomains`) into
    the colour branch, and the flow ``I(t-1) → I(t)`` ``(2, H, W)`` into the flow branch.

    Args:
        domains (Sequence[str]): the domains compared, among ``('rgb', 'hsv', 'flow')``;
            the colour branch takes the RGB and/or HSV differences, the flow branch exists
            only with ``'flow'`` (the domain ablations drop HSV and flow here as in MDG).
            Defaults to all three.
        feat_channels (Sequence[int]): channels of the three stride-2 conv layers of the
            colour branch (the flow branch uses the same). Defaults to ``(16, 32, 32)``.
        memory_size (int): key frames kept. Defaults to 4.
        min_interval (int): fewest frames between key frames. Defaults to 8.
        alpha (float): colour-change threshold α. Defaults to 0.5.
        gamma (float): motion-change threshold γ. Defaults to 0.5.
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
                 memory_size: int = 4,
                 min_interval: int = 8,
                 alpha: float = 0.5,
                 gamma: float = 0.5,
                 stem_stride: int = 2,
                 norm_cfg: dict = dict(type='GN', num_groups=4),
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(feat_channels) != 3:
            raise ValueError('MDCFM has three conv layers per branch (Eq. 1); got '
                             f'feat_channels={tuple(feat_channels)}')
        colour = [d for d in ('rgb', 'hsv') if d in domains]
        if not colour or set(domains) - {'rgb', 'hsv', 'flow'}:
            raise ValueError("MDCFM's domains must include 'rgb' or 'hsv' and be among "
                             f"('rgb', 'hsv', 'flow'), got {tuple(domains)}")
        self.domains = tuple(domains)
        self.color_domains = tuple(colour)
        self.memory_size = memory_size
        self.min_interval = min_interval
        self.alpha = alpha
        self.gamma = gamma
        color_channels = sum(COLOR_CHANNELS[d] for d in colour)
        self.color_branch = conv_encoder(color_channels, feat_channels, stem_stride, norm_cfg,
                                         pool=True)
        self.flow_branch = (conv_encoder(2, feat_channels, stem_stride, norm_cfg, pool=True)
                            if 'flow' in domains else None)
        num_branches = 1 + int(self.flow_branch is not None)
        self.fc = nn.Linear(num_branches * feat_channels[-1], 2)

    def new_memory(self) -> KeyFrameMemory:
        """An empty key-frame memory with this module's size, interval and thresholds."""
        return KeyFrameMemory(self.memory_size, self.min_interval, self.alpha, self.gamma)

    def forward(self, current: Dict[str, torch.Tensor],
                previous: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Confidence logits ``(B, 2)``: ``[:, 0]`` colour change, ``[:, 1]`` motion change.

        Args:
            current: per domain, ``(B, C_d, H, W)`` of the frames ``I(t)``
                (:class:`FrameDomains`: RGB 3, HSV 4, flow ``I(t-1) → I(t)`` 2 channels).
            previous: the same of ``I(t-1)``.
        """
        color_diff = torch.cat([current[d] - previous[d] for d in self.color_domains], dim=1)
        feats = [self.color_branch(color_diff)]
        if self.flow_branch is not None:
            feats.append(self.flow_branch(current['flow']))
        return self.fc(torch.cat(feats, dim=1))


def select_key_frames(memory: KeyFrameMemory, confidences: Sequence[Tuple[float, float]],
                      unusable: Sequence[bool]) -> List[List[int]]:
    """Run the memory over a clip: the key frames each frame is compared with.

    Frame ``t`` is compared with the memory as it stands *before* ``t`` is processed; then
    ``I(t-1)`` is offered (frame 0 seeds the memory). Streaming detection makes the same
    calls one frame at a time (``BleedOnsetDetector.step``).

    Args:
        memory: an empty memory (``MDCFM.new_memory()``); it is filled in place.
        confidences: ``(c_color, c_motion)`` per frame (frame 0's is ignored).
        unusable: per frame, whether it is all black / saturated.

    Returns:
        list: per frame, the key frames (indices) it is compared with.
    """
    keys_per_frame = []
    for t, conf in enumerate(confidences):
        keys_per_frame.append(list(memory.frames))
        update_memory(memory, t, conf, unusable)
    return keys_per_frame


def update_memory(memory: KeyFrameMemory, t: int, conf: Tuple[float, float],
                  unusable: Sequence[bool], payload=None) -> bool:
    """After frame ``t``: seed the memory with frame 0, or offer ``I(t-1)`` (Eq. 1).

    ``unusable`` is indexed by frame (a sequence or a dict ``frame → bool``); ``payload``
    is what the memory keeps for the frame offered (streaming: its domains)."""
    if t == 0:
        return memory.offer(0, not unusable[0], payload)
    clean = memory.is_clean(*conf) and not unusable[t - 1] and not unusable[t]
    return memory.offer(t - 1, clean, payload)
