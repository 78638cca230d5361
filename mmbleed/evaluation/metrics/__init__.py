# Copyright (c) mmbleed contributors. All rights reserved.
from .detector_readout_metric import DetectorReadoutMetric
from .onset_metric import OnsetMetric
from .point_metric import PointMetric
from .track_metric import TrackMetric

__all__ = ['DetectorReadoutMetric', 'OnsetMetric', 'PointMetric', 'TrackMetric']
