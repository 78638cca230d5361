# Copyright (c) mmbleed contributors. All rights reserved.
from .frame_domains import FrameDomains
from .reference_alignment import ReferenceAlignment
from .mdcfm import MDCFM, KeyFrameMemory, select_key_frames, update_memory
from .point_memory import PointMemory

__all__ = [
    'FrameDomains', 'MDCFM', 'KeyFrameMemory', 'select_key_frames', 'update_memory',
    'PointMemory', 'ReferenceAlignment'
]
