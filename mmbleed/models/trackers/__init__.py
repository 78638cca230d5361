# Copyright (c) mmbleed contributors. All rights reserved.
from .base_tracker import BasePointTracker, TrackStep
from .build_tracker import build_point_tracker
from .lucas_kanade import PyramidalLKTracker
from .memory_refresh import MemoryRefresh
from .mft_flow import MFTFlowTracker
from .online_point_tracker import OnlinePointTracker
from .static_point import StaticPointTracker
from .support_points import SupportPointTracker
from .track_on import TrackOn
from .track_on_tracker import TrackOnPointTracker

__all__ = [
    'BasePointTracker', 'TrackStep', 'PyramidalLKTracker', 'MemoryRefresh', 'MFTFlowTracker',
    'OnlinePointTracker', 'StaticPointTracker', 'SupportPointTracker', 'TrackOn',
    'TrackOnPointTracker', 'build_point_tracker'
]
