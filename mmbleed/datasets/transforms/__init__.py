# Copyright (c) mmbleed contributors. All rights reserved.
"""Data transforms of mmbleed (registered in ``mmbleed.registry.TRANSFORMS``).

Pixel convention: point coordinates ``(x, y)`` put pixel centres at integer values (see
``geometric.py``); a typical source-stage pipeline is::

    LoadFrames -> PropagatePseudoPoints -> RandomResizedCrop/Resize -> RandomFlip
    -> ColorJitter -> ComputeRedMask -> GenerateHeatmapTarget -> PackBleedInputs
"""
from .color_space import ConvertHSV
from .formatting import PackBleedInputs, image_to_tensor
from .geometric import CenterCrop, RandomFlip, RandomResizedCrop, Resize
from .heatmap_target import GenerateHeatmapTarget
from .loading import LoadFrames
from .onset_targets import LoadOnsetFrameTargets
from .optical_flow import ComputeOpticalFlow, PropagatePseudoPoints
from .photometric import ColorJitter
from .red_mask import ComputeRedMask

__all__ = [
    'LoadFrames', 'ConvertHSV', 'ComputeOpticalFlow', 'PropagatePseudoPoints', 'ComputeRedMask',
    'Resize', 'RandomFlip', 'CenterCrop', 'RandomResizedCrop', 'ColorJitter',
    'GenerateHeatmapTarget', 'LoadOnsetFrameTargets', 'PackBleedInputs', 'image_to_tensor'
]
