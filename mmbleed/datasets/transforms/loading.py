# Copyright (c) mmbleed contributors. All rights reserved.
"""Load the frames of a sample from an mp4 or a folder of numbered frames.

Every stage reads frames this way (BleedOrigin paper, §4.1 windows of frames, §4.2 the onset
frame and its n=10 pseudo-label frames, §4.3 tracking clips). Decoding goes through
:class:`mmbleed.datasets.video_reader.ClipReader`, the one place that knows video formats.
"""
import os.path as osp
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform

from mmbleed.registry import TRANSFORMS
from ..video_reader import ClipReader


@TRANSFORMS.register_module()
class LoadFrames(BaseTransform):
    """Load ``frame_indices`` (and ``pseudo_frame_indices``) of a clip as BGR uint8 frames.

    Also initialises the geometry record the later transforms update (identity
    ``input_to_original``, ``scale_factor=(1, 1)``, ``flip=False``) and keeps copies of the
    annotations in original pixels (``ori_gt_point``, ``ori_gt_points``) for packing.

    Required keys: ``frame_indices`` (list[int]); ``video`` (mp4 path) or ``frame_dir``
    (folder of ``%06d.png|jpg``), relative paths joined with ``data_root`` when given.
    Optional keys: ``pseudo_frame_indices``, ``gt_point``, ``gt_points``, ``query_point``.
    Added keys: ``imgs`` (list of ``(H, W, 3)`` uint8 BGR), ``img`` (= ``imgs[0]``),
    ``img_shape``, ``ori_shape`` (``(h, w)``), ``pseudo_imgs``, ``scale_factor``, ``flip``,
    ``flip_direction``, ``input_to_original``, ``ori_gt_point``, ``ori_gt_points``,
    ``ori_query_point`` (float32 copies, original pixels).

    Args:
        to_float32 (bool): Convert frames to float32 (values kept in ``[0, 255]``).
            Defaults to False.
        data_root (str, optional): Prefix of relative ``video`` / ``frame_dir`` paths when
            ``results`` has no ``data_root``. Defaults to None.
        keep_reader_open (bool): Keep the last clip's reader open between calls, so a
            dataset that walks a video frame by frame (``SourceBoxDataset(frames='all')``
            with a sequential sampler) decodes each frame once instead of decoding from the
            start for every sample. Each dataloader worker keeps its own reader. Defaults
            to False (one reader per call, nothing held open).
    """

    def __init__(self,
                 to_float32: bool = False,
                 data_root: Optional[str] = None,
                 keep_reader_open: bool = False) -> None:
        self.to_float32 = to_float32
        self.data_root = data_root
        self.keep_reader_open = keep_reader_open
        self._reader: Optional[ClipReader] = None

    def _open_reader(self, video: Optional[str], frame_dir: Optional[str],
                     num_frames: Optional[int]) -> ClipReader:
        """A reader of the clip; the kept one when it reads the same clip."""
        kept = self._reader
        if kept is not None and (kept.video_path, kept.frame_dir) == (video, frame_dir):
            return kept
        if kept is not None:
            kept.close()
            self._reader = None
        reader = ClipReader(video_path=video, frame_dir=frame_dir, num_frames=num_frames)
        if self.keep_reader_open:
            self._reader = reader
        return reader

    def _path(self, results: dict, key: str) -> Optional[str]:
        path = results.get(key)
        if not path:
            return None
        root = results.get('data_root') or self.data_root
        if root and not osp.isabs(path):
            path = osp.join(root, path)
        return path

    def transform(self, results: dict) -> dict:
        video, frame_dir = self._path(results, 'video'), self._path(results, 'frame_dir')
        if video is None and frame_dir is None:
            raise KeyError("LoadFrames needs results['video'] or results['frame_dir']")
        indices = [int(i) for i in results.get('frame_indices') or []]
        if not indices:
            raise KeyError("LoadFrames needs a non-empty results['frame_indices']")
        pseudo = [int(i) for i in results.get('pseudo_frame_indices') or []]
        # one pass over the clip for both lists (sequential decoding of a video)
        reader = self._open_reader(video, frame_dir, results.get('num_frames'))
        try:
            frames = [np.asarray(f) for f in reader.get_many(indices + pseudo)]
        finally:
            if not self.keep_reader_open:
                reader.close()
        if self.to_float32:
            frames = [f.astype(np.float32) for f in frames]

        imgs = frames[:len(indices)]
        results['imgs'] = imgs
        results['img'] = imgs[0]
        h, w = imgs[0].shape[:2]
        results['img_shape'] = (h, w)
        results['ori_shape'] = (h, w)
        if pseudo:
            results['pseudo_imgs'] = frames[len(indices):]

        results['scale_factor'] = (1.0, 1.0)
        results['flip'] = False
        results['flip_direction'] = None
        results['input_to_original'] = np.eye(2, 3, dtype=np.float64)
        for key in ('gt_point', 'gt_points', 'query_point'):
            if results.get(key) is not None:
                results[key] = np.asarray(results[key], dtype=np.float32)
                results[f'ori_{key}'] = results[key].copy()
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(to_float32={self.to_float32}, '
                f'data_root={self.data_root!r}, '
                f'keep_reader_open={self.keep_reader_open})')
