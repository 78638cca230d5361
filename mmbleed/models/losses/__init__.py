# Copyright (c) mmbleed contributors. All rights reserved.
from .heatmap_mse_loss import HeatmapMSELoss
from .masked_bce_loss import MaskedBCELoss
from .onset_loss import OnsetLoss
from .source_loss import SourceLoss, soft_argmax_2d

__all__ = ['HeatmapMSELoss', 'MaskedBCELoss', 'OnsetLoss', 'SourceLoss', 'soft_argmax_2d']
