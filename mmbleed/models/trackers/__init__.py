# Copyright (c) mmbleed contributors. All rights reserved.
from .base_tracker import BasePointTracker, TrackStep
from .lucas_kanade import PyramidalLKTracker
from .mft_flow import MFTFlowTracker
from .online_point_tracker import OnlinePointTracker
from .static_point import StaticPointTracker

__all__ = [
    'BasePointTracker', 'TrackStep', 'PyramidalLKTracker', 'MFTFlowTracker',
    'OnlinePointTracker', 'StaticPointTracker'
]
