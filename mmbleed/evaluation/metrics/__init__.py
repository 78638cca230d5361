# Copyright (c) mmbleed contributors. All rights reserved.
from .onset_metric import OnsetMetric
from .point_metric import PointMetric
from .track_metric import TrackMetric

__all__ = ['OnsetMetric', 'PointMetric', 'TrackMetric']
