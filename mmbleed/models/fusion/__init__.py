# Copyright (c) mmbleed contributors. All rights reserved.
from .mdg import MDG
from .multiscale_attention import MultiScaleAttention
from .red_mask_feature import RedMaskFeature

__all__ = ['MDG', 'MultiScaleAttention', 'RedMaskFeature']
