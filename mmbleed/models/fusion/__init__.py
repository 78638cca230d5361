# Copyright (c) mmbleed contributors. All rights reserved.
from .evidence_alignment import EvidenceAlignment
from .mdg import MDG
from .multiscale_attention import MultiScaleAttention
from .red_mask_feature import RedMaskFeature

__all__ = ['EvidenceAlignment', 'MDG', 'MultiScaleAttention', 'RedMaskFeature']
