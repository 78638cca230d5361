# Copyright (c) mmbleed contributors. All rights reserved.
from .heatmap_mse_loss import HeatmapMSELoss

__all__ = ['HeatmapMSELoss']
