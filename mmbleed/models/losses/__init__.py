# Copyright (c) mmbleed contributors. All rights reserved.
from .heatmap_mse_loss import HeatmapMSELoss
from .masked_bce_loss import MaskedBCELoss
from .onset_loss import OnsetLoss
from .pseudo_label_track_loss import PseudoLabelTrackLoss
from .source_loss import SourceLoss, soft_argmax_2d
from .track_on_loss import TrackOnLoss

__all__ = [
    'HeatmapMSELoss', 'MaskedBCELoss', 'OnsetLoss', 'PseudoLabelTrackLoss', 'SourceLoss',
    'TrackOnLoss', 'soft_argmax_2d'
]
