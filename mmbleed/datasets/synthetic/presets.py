# Copyright (c) mmbleed contributors. All rights reserved.
"""Frame-size and dataset presets of the synthetic ESD generator."""
from dataclasses import dataclass
from typing import Dict, Tuple

#: split order of every per-split count
SPLITS: Tuple[str, str, str] = ('train', 'val', 'test')
#: clips per split, ``(train, val, test)``
SplitCounts = Tuple[int, int, int]


@dataclass(frozen=True)
class DatasetPreset:
    """Default sizes and counts of one synthetic dataset.

    Clip counts are totals per split ``(train, val, test)``, spread over that split's patients
    (patients are split 4:1:1). The test split is the benchmark: it is made large enough for
    numbers that mean something (``docs/data_format.md`` §3), while training and validation
    may stay small.

    Args:
        width, height (int): frame size (pixels).
        num_patients (int): patients (split 4:1:1 by patient; sites are spread evenly over
            each split's patients, so a split of 8 patients sees all 8 sites).
        det_positive (SplitCounts): bleeding detection clips per split.
        det_negative (SplitCounts): detection clips without bleeding per split.
        track_clips (SplitCounts): tracking clips per split.
        det_frames (int): detection clip length (the paper: 150).
        onset_range (tuple[int, int]): the onset frame of a bleeding detection clip is drawn
            uniformly from ``[MIN, MAX]`` (stratified within each split, so the onsets of a
            split cover the range evenly). The default 45-120 of a 150-frame clip leaves at
            least 30 frames after the onset.
        track_frames (tuple[int, int]): min and max tracking clip length (the paper: 31-731).
        track_annotate_every (int): tracking clips get a LabelMe file every this many frames
            and on their last frame (the paper: 30).
        num_tracks (int): dense tissue point tracks per clip (``tracks_xy``).
    """
    width: int
    height: int
    num_patients: int = 48
    det_positive: SplitCounts = (40, 12, 104)
    det_negative: SplitCounts = (12, 4, 32)
    track_clips: SplitCounts = (16, 6, 52)
    det_frames: int = 150
    onset_range: Tuple[int, int] = (45, 120)
    track_frames: Tuple[int, int] = (60, 400)
    track_annotate_every: int = 30
    num_tracks: int = 64


#: frame sizes as ``(width, height)``
SIZE_PRESETS: Dict[str, Tuple[int, int]] = {
    'small': (320, 272),
    'paper_780x670': (780, 670),
    'paper_1240x1080': (1240, 1080),
}

_PAPER = dict(num_patients=48, det_positive=(96, 24, 104), det_negative=(32, 8, 32),
              track_clips=(64, 16, 48), track_frames=(31, 731), num_tracks=256)

DATASET_PRESETS: Dict[str, DatasetPreset] = {
    'small': DatasetPreset(320, 272),
    'paper_780x670': DatasetPreset(780, 670, **_PAPER),
    'paper_1240x1080': DatasetPreset(1240, 1080, **_PAPER),
}
