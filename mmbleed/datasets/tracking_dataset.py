# Copyright (c) mmbleed contributors. All rights reserved.
"""Short, long and hybrid track samples for bleeding-source tracking (paper §4.3)."""
import json
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional

import numpy as np

from mmbleed.registry import DATASETS
from .base_clip_dataset import BaseClipDataset


def load_pseudo_tracks(path: str) -> Dict[str, List[dict]]:
    """Read a pseudo-label file (docs/data_format.md §2) into ``clip_id -> segments``.

    Each segment is ``dict(start=int, points=(K, L, 2) float32 NaN where missing,
    visible=(K, L) bool)`` covering clip frames ``start .. start + L - 1``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: ``f'{path}: ...'`` for invalid JSON, missing keys, ragged tracks
            (tracks of different lengths), points that are not ``[x, y]`` or null, or a
            ``visible`` that does not match ``points``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: pseudo-label file not found')
    try:
        with open(path, encoding='utf-8') as f:
            content = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f'{path}: not valid JSON ({e})') from None
    if not isinstance(content, dict) or not isinstance(
            content.get('data_list'), list):
        raise ValueError(f"{path}: missing key 'data_list' (a list of "
                         'pseudo-track entries)')
    out: Dict[str, List[dict]] = defaultdict(list)
    for n, entry in enumerate(content['data_list']):
        if not isinstance(entry, dict):
            raise ValueError(f'{path}: data_list[{n}] is not a JSON object')
        where = (f"{path}: clip {entry['clip_id']} (data_list[{n}])"
                 if 'clip_id' in entry else f'{path}: data_list[{n}]')
        for key in ('clip_id', 'start', 'points'):
            if key not in entry:
                raise ValueError(f"{where}: missing key '{key}'")
        raw = entry['points']
        if not isinstance(raw, list) or not all(
                isinstance(track, list) for track in raw):
            raise ValueError(f"{where}: 'points' must be K lists of L points")
        k = len(raw)
        length = len(raw[0]) if k else 0
        if any(len(track) != length for track in raw):
            raise ValueError(
                f"{where}: ragged 'points': tracks have lengths "
                f'{sorted({len(t) for t in raw})} (all K tracks must cover '
                'the same L frames)')
        points = np.full((k, length, 2), np.nan, dtype=np.float32)
        for i, track in enumerate(raw):
            for j, p in enumerate(track):
                if p is None:
                    continue
                if not (isinstance(p, (list, tuple)) and len(p) == 2):
                    raise ValueError(
                        f"{where}: points[{i}][{j}] must be [x, y] or null, "
                        f'got {p!r}')
                points[i, j] = p
        known = ~np.isnan(points[..., 0])
        if entry.get('visible') is not None:
            vis = np.asarray(entry['visible'], dtype=object)
            if vis.size == 0 and k * length == 0:
                vis = np.zeros((k, length), dtype=bool)
            if vis.shape != (k, length):
                raise ValueError(
                    f"{where}: 'visible' has shape {vis.shape}, 'points' "
                    f'is {k} x {length}')
            visible = vis.astype(bool) & known
        else:
            visible = known
        out[entry['clip_id']].append(
            dict(start=int(entry['start']), points=points, visible=visible))
    return dict(out)


@DATASETS.register_module()
class TrackingDataset(BaseClipDataset):
    """Track samples with sparse expert GT (every ``interval`` frames) and pseudo-labels.

    Args:
        mode (str): ``'short'`` — one sample per pair of consecutive annotated frames
            ``t < t' <= t + interval`` (31 frames for the paper's 30-frame spacing), GT at
            both ends; ``'long'`` — one sample per clip, from its first visible annotated
            frame to its end, GT every ``interval`` frames; ``'hybrid'`` — both.
            Defaults to ``'short'``.
        interval (int): the expert annotation spacing. Defaults to 30.
        pseudo_label_file (str, optional): pseudo tracks (relative to ``data_root`` or
            absolute), merged into the samples; a file that does not exist raises
            FileNotFoundError.
        **kwargs: see :class:`BaseClipDataset`.

    A sample starts at a frame whose source is visible (the tracker's query). Fields besides
    the common ones: ``frame_indices`` (T consecutive frames), ``frame_idx`` (first),
    ``track_mode``, ``gt_points`` ``(T, 2)`` float32 NaN where unannotated or hidden
    without a point, ``gt_visible`` ``(T,)``, ``annotated`` ``(T,)``, ``query_point``
    ``(2,)`` (= ``gt_points[0]``), ``pseudo_points`` ``(M, T, 2)`` NaN where undefined and
    ``pseudo_visible`` ``(M, T)`` (``M = 0`` without pseudo-labels).
    """

    MODES = ('short', 'long', 'hybrid')

    def __init__(self,
                 *args,
                 mode: str = 'short',
                 interval: int = 30,
                 pseudo_label_file: Optional[str] = None,
                 **kwargs) -> None:
        if mode not in self.MODES:
            raise ValueError(f'mode must be one of {self.MODES}, got {mode!r}')
        self.mode = mode
        self.interval = interval
        self.pseudo_label_file = pseudo_label_file
        self._pseudo: Dict[str, List[dict]] = {}
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        self._pseudo = {}
        if self.pseudo_label_file:
            path = self.pseudo_label_file
            if not osp.isabs(path):
                path = osp.join(self.data_root or '', path)
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'{path}: pseudo_label_file not found (leave '
                    'pseudo_label_file unset to train on expert labels only)')
            self._pseudo = load_pseudo_tracks(path)
        return super().load_data_list()

    def expand_clip(self, clip: dict, annotations: List[dict]) -> List[dict]:
        anns = sorted(annotations, key=lambda a: int(a['frame']))
        starts_ok = [
            int(a['frame']) for a in anns
            if a.get('point') is not None and a.get('visible', True)
        ]
        samples = []
        if self.mode in ('short', 'hybrid'):
            for a, b in zip(anns, anns[1:]):
                t0, t1 = int(a['frame']), int(b['frame'])
                if t0 in starts_ok and t1 - t0 <= self.interval:
                    samples.append(
                        self._sample(clip, anns, list(range(t0, t1 + 1)),
                                     'short'))
        if self.mode in ('long', 'hybrid') and starts_ok:
            samples.append(
                self._sample(clip, anns,
                             list(range(starts_ok[0], clip['num_frames'])),
                             'long'))
        return samples

    def _sample(self, clip: dict, anns: List[dict], frames: List[int],
                track_mode: str) -> dict:
        points, visible, annotated = self.dense_track(anns, frames)
        pseudo_points, pseudo_visible = self._pseudo_over(
            clip['clip_id'], frames)
        return dict(
            clip,
            frame_indices=frames,
            frame_idx=frames[0],
            track_mode=track_mode,
            gt_points=points,
            gt_visible=visible,
            annotated=annotated,
            query_point=points[0].copy(),
            pseudo_points=pseudo_points,
            pseudo_visible=pseudo_visible)

    def _pseudo_over(self, clip_id: str, frames: List[int]):
        t0, t = frames[0], len(frames)
        rows_p, rows_v = [], []
        for seg in self._pseudo.get(clip_id, []):
            k, length = seg['visible'].shape
            lo, hi = max(seg['start'], t0), min(seg['start'] + length, t0 + t)
            if lo >= hi or k == 0:
                continue
            p = np.full((k, t, 2), np.nan, dtype=np.float32)
            v = np.zeros((k, t), dtype=bool)
            p[:, lo - t0:hi - t0] = seg['points'][:, lo - seg['start']:hi -
                                                  seg['start']]
            v[:, lo - t0:hi - t0] = seg['visible'][:, lo - seg['start']:hi -
                                                   seg['start']]
            rows_p.append(p)
            rows_v.append(v)
        if not rows_p:
            return (np.zeros((0, t, 2), dtype=np.float32),
                    np.zeros((0, t), dtype=bool))
        return np.concatenate(rows_p), np.concatenate(rows_v)
