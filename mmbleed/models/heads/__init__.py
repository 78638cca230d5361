# Copyright (c) mmbleed contributors. All rights reserved.
from .heatmap_head import HeatmapHead
from .temporal_head import TemporalOnsetHead
from .track_on_point_head import PointPredictionHead
from .track_on_rerank_head import TopKRerankHead

__all__ = ['HeatmapHead', 'TemporalOnsetHead', 'PointPredictionHead', 'TopKRerankHead']
