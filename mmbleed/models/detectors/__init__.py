# Copyright (c) mmbleed contributors. All rights reserved.
from .heatmap_point_regressor import HeatmapPointRegressor
from .onset_detector import BleedOnsetDetector, OnsetStreamStatus
from .point_conversion import input_to_original
from .red_mask_localizer import RedMaskLocalizer
from .source_localizer import BleedSourceLocalizer, SourcePrediction

__all__ = [
    'BleedOnsetDetector', 'BleedSourceLocalizer', 'OnsetStreamStatus', 'HeatmapPointRegressor',
    'RedMaskLocalizer', 'SourcePrediction', 'input_to_original'
]
