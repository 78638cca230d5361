# Copyright (c) mmbleed contributors. All rights reserved.
from .base_clip_dataset import BaseClipDataset
from .dense_track_dataset import DenseTrackDataset
from .onset_dataset import OnsetDataset, window_starts
from .raw_layout import (CLIPS_CSV_HEADER, SCENARIOS, SOURCE_LABEL, SPLITS,
                         ClipRow, RawLayoutError, convert_raw_layout,
                         probe_frame_dir, probe_video, read_clips_csv,
                         read_labelme)
from .source_box_dataset import SourceBoxDataset
from .source_dataset import SourceDataset
from .synthetic import generate_synthetic_esd
from .tracking_dataset import TrackingDataset, load_pseudo_tracks
from .transforms import *  # noqa: F401,F403
from .video_reader import ClipReader, VideoReadError

__all__ = [
    'BaseClipDataset', 'DenseTrackDataset', 'OnsetDataset', 'SourceDataset', 'SourceBoxDataset',
    'TrackingDataset',
    'ClipReader', 'VideoReadError', 'RawLayoutError', 'convert_raw_layout',
    'read_clips_csv', 'read_labelme', 'probe_video', 'probe_frame_dir',
    'load_pseudo_tracks', 'window_starts', 'ClipRow', 'CLIPS_CSV_HEADER',
    'SCENARIOS', 'SPLITS', 'SOURCE_LABEL', 'generate_synthetic_esd'
]
