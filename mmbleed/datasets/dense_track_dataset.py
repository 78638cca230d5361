# Copyright (c) mmbleed contributors. All rights reserved.
"""Windows of the generator's dense tissue tracks (the tracker's pretraining data, §4.3).

The synthetic clips carry, besides the source, ``N`` tissue points tracked exactly through
every frame (``dense_gt``: ``tracks_xy`` ``(T, N, 2)``, ``tracks_visible`` ``(T, N)``;
docs/data_format.md §3). Track-On-style trackers pretrain on such tracks before they are
fine-tuned on the sparse source annotations, and a tracker is scored on them the TAP-Vid way
(every track of a clip, pooled per clip: ``TrackMetric``).
"""
import os.path as osp
from typing import List

import numpy as np

from mmbleed.registry import DATASETS
from mmbleed.utils import points_inside
from .base_clip_dataset import BaseClipDataset
from .raw_layout import RawLayoutError
from .synthetic.dense_gt import load_dense_gt


@DATASETS.register_module()
class DenseTrackDataset(BaseClipDataset):
    """Windows of ``clip_len`` frames with the dense tracks visible at their first frame.

    Args:
        clip_len (int): frames per window. Defaults to 24.
        stride (int, optional): frames between window starts; None: one window per clip,
            from frame 0. Defaults to None.
        max_tracks (int, optional): at most this many tissue tracks per window (the first
            ones); None: all visible ones. Defaults to None.
        tracks (str): which tracks: ``'tissue'`` (the ``N`` tissue points), ``'source'``
            (the bleeding source's exact track, ``source_xy`` / ``source_visible``, in the
            windows that start after the onset with the source visible) or ``'both'`` (the
            tissue tracks plus the source where it qualifies). Defaults to ``'tissue'``.
        **kwargs: see :class:`BaseClipDataset`.

    Why the source: the generator calls a tissue point under thick blood occluded, but the
    bleeding source stays visible under the blood that wells from it (until blood pools over
    it), so tissue tracks alone never show a tracker a point it must follow while the bleed
    spreads over it: the source tracking task (docs/source_tracking.md).

    Each sample: ``frame_indices`` (the window), ``gt_points`` ``(N, T, 2)`` float32 in
    original pixels, ``gt_visible`` ``(N, T)``, ``annotated`` ``(N, T)`` (all True: every
    frame of a dense track is known), ``query_point`` ``(N, 2)`` (the tracks at the window's
    first frame, where all N are visible and inside the frame). A clip without ``dense_gt``
    stops with one line naming the annotation file and the clip.
    """

    TRACKS = ('tissue', 'source', 'both')

    def __init__(self, *args, clip_len: int = 24, stride=None, max_tracks=None,
                 tracks: str = 'tissue', **kwargs) -> None:
        if clip_len < 2:
            raise ValueError(f'clip_len must be >= 2 frames, got {clip_len}')
        if tracks not in self.TRACKS:
            raise ValueError(f'tracks must be one of {self.TRACKS}, got {tracks!r}')
        self.tracks = tracks
        self.clip_len = clip_len
        self.stride = stride
        self.max_tracks = max_tracks
        super().__init__(*args, **kwargs)

    def expand_clip(self, clip: dict, annotations: List[dict]) -> List[dict]:
        where = f'{self.ann_file}: clip {clip["clip_id"]}'
        if not clip['dense_gt'] or not osp.isfile(clip['dense_gt']):
            raise RawLayoutError(where, f'no dense ground truth ({clip["dense_gt"]}); dense '
                                 'tracks come from the synthetic generator')
        keys = ['tracks_xy', 'tracks_visible']
        if self.tracks != 'tissue':
            keys += ['source_xy', 'source_visible', 'bleeding']
        gt = load_dense_gt(clip['dense_gt'], keys=keys)
        xy, visible = gt['tracks_xy'], gt['tracks_visible']
        if self.tracks == 'source':
            xy, visible = xy[:, :0], visible[:, :0]
        size = clip['ori_shape']
        last = min(clip['num_frames'], len(xy)) - self.clip_len
        starts = [0] if self.stride is None else list(range(0, last + 1, self.stride))
        samples = []
        for t0 in starts:
            if t0 > last:
                continue
            frames = list(range(t0, t0 + self.clip_len))
            index = np.flatnonzero(visible[t0] & points_inside(xy[t0], size, 0))[:self.max_tracks]
            points = xy[frames][:, index].transpose(1, 0, 2)
            seen = visible[frames][:, index].T
            if self.tracks != 'tissue' and gt['bleeding'][t0] and gt['source_visible'][t0] \
                    and points_inside(gt['source_xy'][t0], size, 0):
                points = np.concatenate([points, gt['source_xy'][frames][None]])
                seen = np.concatenate([seen, gt['source_visible'][frames][None]])
            if not len(points):
                continue
            points = np.ascontiguousarray(points, np.float32)
            samples.append(dict(
                clip, frame_indices=frames, frame_idx=t0, track_mode='dense',
                gt_points=points,
                gt_visible=np.ascontiguousarray(seen, bool),
                annotated=np.ones(points.shape[:2], bool),
                query_point=points[:, 0].copy()))
        return samples
