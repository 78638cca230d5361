# Copyright (c) mmbleed contributors. All rights reserved.
"""Common base of the clip datasets: reads the converter's annotation files.

The annotation file (docs/data_format.md §2) lists clips; each subclass expands a clip into
its samples in :meth:`expand_clip`. Frames are not loaded here: every sample names the
``video`` / ``frame_dir`` and the ``frame_indices`` for the ``LoadFrames`` transform.
"""
import logging
import os.path as osp
from typing import List, Optional

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from .raw_layout import RawLayoutError, mmbleed_to_labelme, point_in_frame


class BaseClipDataset(BaseDataset):
    """Base of :class:`OnsetDataset`, :class:`SourceDataset`, :class:`TrackingDataset`.

    Args:
        ann_file (str): ``annotations/<split>.json``, relative to ``data_root``.
        data_root (str): the raw layout's root; paths in the annotation file are relative
            to it.
        **kwargs: the rest of :class:`mmengine.dataset.BaseDataset`'s arguments
            (``pipeline``, ``test_mode``, ``indices``, ``serialize_data``, ...).
            ``indices`` selects among the expanded samples, not clips.

    Every sample dict carries ``clip_id``, ``patient``, ``video`` / ``frame_dir`` (absolute,
    one of them None), ``frame_indices`` (list[int]), ``frame_idx`` (the first or the
    annotated frame), ``num_frames`` (of the clip), ``fps``, ``ori_shape`` ``(h, w)``,
    ``site``, ``scenarios``, ``gt_onset`` (clip onset frame, ``-1`` if none) and ``dense_gt``
    (absolute path or None), plus the task's fields.
    """

    METAINFO = dict(classes=('bleeding_source', ))

    def __init__(self, ann_file: str = '', data_root: str = '', **kwargs):
        kwargs.setdefault('data_prefix', dict())
        super().__init__(ann_file=ann_file, data_root=data_root, **kwargs)

    def load_data_list(self) -> List[dict]:
        if not osp.isfile(self.ann_file):
            root = self.data_root or '<root>'
            raise FileNotFoundError(
                f'{self.ann_file}: annotation file not found; run '
                f'tools/dataset_converters/raw_to_mmbleed.py {root} first')
        self._clip_index = 0
        return super().load_data_list()

    def _serialize_data(self):
        if not self.data_list:  # MMEngine cannot concatenate zero samples
            print_log(
                f'{type(self).__name__}({self.ann_file}): no samples',
                logger='current',
                level=logging.WARNING)
            return np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64)
        return super()._serialize_data()

    def _abs(self, rel: Optional[str]) -> Optional[str]:
        if rel is None:
            return None
        return rel if osp.isabs(rel) else osp.join(self.data_root or '', rel)

    #: keys every ``data_list`` entry must have (docs/data_format.md §2)
    REQUIRED_KEYS = ('clip_id', 'num_frames', 'height', 'width')

    def _check_entry(self, raw_data_info) -> None:
        """Name the file, clip and key when a (hand-edited) entry lacks something."""
        if not isinstance(raw_data_info, dict):
            raise RawLayoutError(
                self.ann_file, f'data_list entry {self._clip_index} is not a JSON object')
        clip_id = raw_data_info.get('clip_id',
                                    f'<data_list entry {self._clip_index}>')
        where = f'{self.ann_file}: clip {clip_id}'
        for key in self.REQUIRED_KEYS:
            if raw_data_info.get(key) is None:
                raise RawLayoutError(where, f"missing key '{key}' (re-run "
                                     'tools/dataset_converters/raw_to_mmbleed.py)')
        for key in ('num_frames', 'height', 'width'):
            value = raw_data_info[key]
            try:
                int(value)
            except (TypeError, ValueError):
                raise RawLayoutError(
                    where, f"'{key}' must be an integer, got {value!r}") from None
        if raw_data_info.get('video') is None and raw_data_info.get(
                'frame_dir') is None:
            raise RawLayoutError(where, "missing key 'video' or 'frame_dir' "
                                 '(one of them must be set)')
        anns = raw_data_info.get('annotations') or []
        if not isinstance(anns, list):
            raise RawLayoutError(where, "'annotations' must be a list")
        for i, ann in enumerate(anns):
            if not isinstance(ann, dict) or 'frame' not in ann:
                raise RawLayoutError(where, f"annotations[{i}] has no key 'frame'")
            point = ann.get('point')
            if point is not None and not (isinstance(point, list)
                                          and len(point) == 2):
                raise RawLayoutError(
                    where, f"annotations[{i}] 'point' must be [x, y] or null, got {point!r}")
            if point is not None:
                self._check_point_in_frame(where, ann, point, int(raw_data_info['width']),
                                           int(raw_data_info['height']))

    @staticmethod
    def _check_point_in_frame(where: str, ann: dict, point: list, width: int,
                              height: int) -> None:
        """A point must be a finite (x, y) inside the frame (pixel centres at integers: the
        frame spans [-0.5, w - 0.5] x [-0.5, h - 0.5]): the LabelMe ingest's own test."""
        try:
            x, y = float(point[0]), float(point[1])
        except (TypeError, ValueError):
            raise RawLayoutError(
                where, f"frame {ann['frame']}: point {point!r} is not two numbers") from None
        if not point_in_frame(*mmbleed_to_labelme(x, y), width, height):
            raise RawLayoutError(where, f"frame {ann['frame']}: point ({x:g}, {y:g}) is "
                                        f'outside the {width}x{height} frame')

    def parse_data_info(self, raw_data_info: dict) -> List[dict]:
        self._check_entry(raw_data_info)
        clip = dict(
            clip_id=raw_data_info['clip_id'],
            clip_index=self._clip_index,
            patient=raw_data_info.get('patient'),
            video=self._abs(raw_data_info.get('video')),
            frame_dir=self._abs(raw_data_info.get('frame_dir')),
            num_frames=int(raw_data_info['num_frames']),
            fps=float(raw_data_info.get('fps') or 30.0),
            ori_shape=(int(raw_data_info['height']),
                       int(raw_data_info['width'])),
            site=raw_data_info.get('site', ''),
            scenarios=list(raw_data_info.get('scenarios') or []),
            gt_onset=(-1 if raw_data_info.get('onset_frame') is None else int(
                raw_data_info['onset_frame'])),
            dense_gt=self._abs(raw_data_info.get('dense_gt')))
        self._clip_index += 1
        return self.expand_clip(clip, raw_data_info.get('annotations') or [])

    def expand_clip(self, clip: dict, annotations: List[dict]) -> List[dict]:
        """Turn one clip (common fields) and its annotations into samples."""
        raise NotImplementedError

    @staticmethod
    def dense_track(annotations: List[dict], frame_indices: List[int]):
        """GT over ``frame_indices``: ``points (T, 2)`` NaN where unknown,
        ``visible (T,)``, ``annotated (T,)``."""
        by_frame = {int(a['frame']): a for a in annotations}
        t = len(frame_indices)
        points = np.full((t, 2), np.nan, dtype=np.float32)
        visible = np.zeros(t, dtype=bool)
        annotated = np.zeros(t, dtype=bool)
        for k, f in enumerate(frame_indices):
            a = by_frame.get(int(f))
            if a is None:
                continue
            annotated[k] = True
            if a.get('point') is not None:
                points[k] = a['point']
                visible[k] = bool(a.get('visible', True))
        return points, visible, annotated
