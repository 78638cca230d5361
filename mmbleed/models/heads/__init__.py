# Copyright (c) mmbleed contributors. All rights reserved.
from .heatmap_head import HeatmapHead

__all__ = ['HeatmapHead']
