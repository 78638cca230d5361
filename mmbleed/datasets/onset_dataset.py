# Copyright (c) mmbleed contributors. All rights reserved.
"""Sliding-window samples for bleeding-onset detection (paper §4.1)."""
from typing import List, Optional

import numpy as np

from mmbleed.registry import DATASETS
from .base_clip_dataset import BaseClipDataset


def window_starts(num_frames: int, window: int, stride: int) -> List[int]:
    """Starts of windows of ``window`` frames every ``stride`` frames; the last window ends
    at the clip's last frame, so every frame is covered. One window (start 0) for a clip
    shorter than ``window``."""
    last = max(num_frames - window, 0)
    starts = list(range(0, last + 1, stride))
    if starts[-1] != last:
        starts.append(last)
    return starts


@DATASETS.register_module()
class OnsetDataset(BaseClipDataset):
    """Windows of ``N = window`` frames over every clip, labelled with the onset position.

    The paper's temporal head predicts, per window, a confidence that bleeding starts in it
    and the normalised position ``θ = (onset - start) / N ∈ [0, 1)``; the clip's onset is the
    earliest ``start + ⌊θN⌋`` over confident windows. Training drops the first 0-``max_drop``
    frames of a clip at random (drawn again each time a sample is fetched), which shifts
    every window of the clip by that amount and varies where the onset falls.

    Args:
        window (int): frames per window, ``N``. Defaults to 60.
        stride (int): frames between window starts. Defaults to 1: windows advance one
            frame at a time, as the paper's Eq. 2 does at test time ("the window advances
            consecutively"), so the onset falls at every position ``θ`` of some window.
            Training configs may use a larger stride to see fewer, less redundant windows
            per epoch (the random drop below still varies where the onset falls).
        max_drop (int): training only: the largest number of leading frames dropped.
            Never more than the onset frame, so the onset stays in the clip. Defaults to 60.
        clip_mode (bool): one sample per clip (see above). Defaults to False.
        clip_len (int, optional): clip mode, training: frames per segment (>= ``window``).
            None takes the clip from the drop to its end. Defaults to None.
        seed (int, optional): seed of the dataset's own RNG for the drops. Default None
            draws from ``np.random``, which MMEngine seeds per dataloader worker.
        **kwargs: see :class:`BaseClipDataset`.

    **Clip mode** (``clip_mode=True``, for models that compute every frame once and score
    all windows of a clip themselves, like :class:`BleedOnsetDetector`): one sample per
    clip instead of one per window. At test time it holds the whole clip; in training, a
    segment of ``clip_len`` frames (None: to the clip's end) starting at a random drop of
    ``0-max_drop`` leading frames (never past the onset, never leaving fewer than
    ``clip_len`` frames), so every batch has segments of one length. ``window_start`` is
    the segment's first frame and ``valid_len`` its length.

    Sample fields besides the common ones: ``frame_indices`` (``window`` indices; a clip
    shorter than the window repeats its last frame), ``valid_len`` (real frames in the
    window), ``window_start``, ``window_index``, ``num_windows`` and ``clip_index`` (group
    windows by clip for the metric), ``has_onset`` (bool), ``gt_onset_in_window`` (``θ``, or
    ``-1.0``), ``gt_onset_offset`` (``onset - start``, or ``-1``), ``gt_onset`` (absolute).
    """

    def __init__(self,
                 *args,
                 window: int = 60,
                 stride: int = 1,
                 max_drop: int = 60,
                 clip_mode: bool = False,
                 clip_len: Optional[int] = None,
                 seed: Optional[int] = None,
                 **kwargs) -> None:
        if window < 1 or stride < 1 or max_drop < 0:
            raise ValueError('window and stride must be >= 1, max_drop >= 0')
        if clip_len is not None and clip_len < window:
            raise ValueError(f'clip_len ({clip_len}) must be >= window ({window})')
        self.clip_mode = clip_mode
        self.clip_len = clip_len
        self.window = window
        self.stride = stride
        self.max_drop = max_drop
        self._rng = None if seed is None else np.random.default_rng(seed)
        super().__init__(*args, **kwargs)

    def expand_clip(self, clip: dict, annotations: List[dict]) -> List[dict]:
        if self.clip_mode:
            return [self._set_segment(dict(clip, window_index=0, num_windows=1), 0)]
        starts = window_starts(clip['num_frames'], self.window, self.stride)
        samples = []
        for k, start in enumerate(starts):
            sample = dict(clip, window_index=k, num_windows=len(starts))
            samples.append(self._set_window(sample, start))
        return samples

    def _set_window(self, sample: dict, start: int) -> dict:
        n, t = self.window, sample['num_frames']
        valid = min(n, t - start)
        sample['frame_indices'] = [start + i for i in range(valid)
                                   ] + [t - 1] * (n - valid)
        sample['valid_len'] = valid
        sample['window_start'] = start
        sample['frame_idx'] = start
        onset = sample['gt_onset']
        inside = onset >= 0 and start <= onset < start + valid
        sample['has_onset'] = bool(inside)
        sample['gt_onset_offset'] = onset - start if inside else -1
        sample['gt_onset_in_window'] = ((onset - start) / n if inside else -1.0)
        return sample

    def _set_segment(self, sample: dict, start: int) -> dict:
        t = sample['num_frames']
        end = t if self.clip_len is None or self.test_mode else min(t, start + self.clip_len)
        sample['frame_indices'] = list(range(start, end))
        sample['valid_len'] = end - start
        sample['window_start'] = start
        sample['frame_idx'] = start
        onset = sample['gt_onset']
        sample['has_onset'] = bool(start <= onset < end)
        return sample

    def _draw_drop(self, high: int) -> int:
        if high <= 0:
            return 0
        if self._rng is None:
            return int(np.random.randint(0, high + 1))
        return int(self._rng.integers(0, high + 1))

    def get_data_info(self, idx: int) -> dict:
        """In training, shift the window by a fresh random drop of leading frames."""
        info = super().get_data_info(idx)
        if self.test_mode or self.max_drop == 0:
            return info
        t, onset = info['num_frames'], info['gt_onset']
        high = self.max_drop if onset < 0 else min(self.max_drop, onset)
        if self.clip_mode:
            length = self.clip_len or self.window
            drop = self._draw_drop(max(0, min(high, t - length)))
            info['drop'] = drop
            return self._set_segment(info, drop)
        drop = self._draw_drop(high)
        start = min(info['window_start'] + drop, max(t - self.window, 0))
        info['drop'] = start - info['window_start']
        return self._set_window(info, start)
