# Copyright (c) mmbleed contributors. All rights reserved.
from .heatmap_point_regressor import HeatmapPointRegressor
from .point_conversion import input_to_original
from .red_mask_localizer import RedMaskLocalizer

__all__ = ['HeatmapPointRegressor', 'RedMaskLocalizer', 'input_to_original']
