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

    def parse_data_info(self, raw_data_info: dict) -> List[dict]:
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
