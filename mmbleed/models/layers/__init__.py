# Copyright (c) mmbleed contributors. All rights reserved.
from .attention_block import ATTENTION_MLP_TARGETS, AttentionBlock
from .deformable_sampling import DeformableSampler, sample_points

__all__ = ['ATTENTION_MLP_TARGETS', 'AttentionBlock', 'DeformableSampler', 'sample_points']
