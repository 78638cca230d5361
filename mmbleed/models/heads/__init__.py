# Copyright (c) mmbleed contributors. All rights reserved.
from .heatmap_head import HeatmapHead
from .temporal_head import TemporalOnsetHead

__all__ = ['HeatmapHead', 'TemporalOnsetHead']
