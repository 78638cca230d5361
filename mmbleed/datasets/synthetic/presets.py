# Copyright (c) mmbleed contributors. All rights reserved.
"""Frame-size and dataset presets of the synthetic ESD generator."""
from dataclasses import dataclass
from typing import Dict, Tuple


@dataclass(frozen=True)
class DatasetPreset:
    """Default sizes and counts of one synthetic dataset.

    Args:
        width, height (int): frame size (pixels).
        num_patients (int): patients (split 4:1:1 by patient).
        det_positive (int): bleeding detection clips per patient.
        det_negative (int): detection clips without bleeding per patient.
        track_clips (int): tracking clips per patient.
        det_frames (int): detection clip length (the paper: 150).
        onset_frame (int): onset frame of detection clips (the paper: 120).
        track_frames (tuple[int, int]): min and max tracking clip length (the paper: 31-731).
        num_tracks (int): dense tissue point tracks per clip (``tracks_xy``).
    """
    width: int
    height: int
    num_patients: int = 18
    det_positive: int = 4
    det_negative: int = 1
    track_clips: int = 2
    det_frames: int = 150
    onset_frame: int = 120
    track_frames: Tuple[int, int] = (31, 121)
    num_tracks: int = 64


#: frame sizes as ``(width, height)``
SIZE_PRESETS: Dict[str, Tuple[int, int]] = {
    'small': (320, 272),
    'paper_780x670': (780, 670),
    'paper_1240x1080': (1240, 1080),
}

DATASET_PRESETS: Dict[str, DatasetPreset] = {
    'small': DatasetPreset(320, 272),
    'paper_780x670': DatasetPreset(780, 670, num_patients=24, track_frames=(31, 731),
                                   num_tracks=256),
    'paper_1240x1080': DatasetPreset(1240, 1080, num_patients=24, track_frames=(31, 731),
                                     num_tracks=256),
}
