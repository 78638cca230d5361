# Copyright (c) mmbleed contributors. All rights reserved.
"""The annotation files as mmdet detection samples, for the YOLO-style baselines.

BleedOrigin compares its onset and source stages with YOLO-style detectors trained on boxes
around the bleeding source (paper §5.2, Tables 5–6). This adaptor turns mmbleed's clip
annotations (docs/data_format.md §2) into what mmdet's pipelines read (``instances`` with
``bbox``, ``bbox_label``, ``ignore_flag``) without writing frames to disk: every sample names
its clip and frame, and ``LoadFrames`` decodes it.
"""
from typing import List, Optional, Sequence

import numpy as np

from mmbleed.registry import DATASETS
from .base_clip_dataset import BaseClipDataset


def source_box(point: Sequence[float], side: float, width: int,
               height: int) -> List[float]:
    """The square ``[x1, y1, x2, y2]`` of ``side`` px centred on ``point``, clipped to the
    frame. Clipping moves the box centre off the point only for a source closer than
    ``side / 2`` to the border."""
    x, y = float(point[0]), float(point[1])
    half = side / 2
    return [
        max(0.0, x - half),
        max(0.0, y - half),
        min(float(width), x + half),
        min(float(height), y + half)
    ]


@DATASETS.register_module()
class SourceBoxDataset(BaseClipDataset):
    """One frame per sample with a box around the visible bleeding source (or none).

    **Box size.** The source is a point: it has no extent to draw a box around, and the
    blood it releases grows for seconds, so a box around the blood would not be centred on
    the source. Every box is therefore a square of ``box_size × max(h, w)`` px centred on
    the annotated point (clipped to the frame), and the detector's source readout is the
    centre of its best box. The default 0.1 (32 px on a 320×272 frame) is twice the
    PCK@5 % radius: big enough for the detectors' IoU-based assignment to have several
    positive anchors, small enough that a box on the right blood region but the wrong spot
    is a poor match.

    Args:
        frames (str): ``'annotated'`` (training) — every annotated frame whose source is
            visible, with its box, plus the frames without bleeding every
            ``background_stride`` frames (before the onset and in clips without bleeding),
            with no box; annotated frames whose source is hidden are left out (blood but
            no visible source: neither a positive nor a clean negative). ``'all'``
            (testing the onset and source readouts) — every frame of every clip, in order,
            with the box where the frame's source is annotated and visible. Defaults to
            ``'annotated'``.
        box_size (float): box side as a share of the frame's longer side. Defaults to 0.1.
        background_stride (int): ``'annotated'`` mode: one bleeding-free frame every this
            many; 0 takes none. Defaults to 10, the annotation interval.
        **kwargs: see :class:`BaseClipDataset`.

    Sample fields besides the common ones: ``frame_indices`` (``[t]``), ``frame_idx`` (t),
    ``img_id`` (``'<clip_id>/<t>'``), ``instances`` (mmdet's list of
    ``dict(bbox, bbox_label=0, ignore_flag=0)``), ``gt_point`` (``(2,)`` float32, original
    pixels, NaN where the frame is not annotated) and ``gt_visible``.
    """

    def __init__(self,
                 *args,
                 frames: str = 'annotated',
                 box_size: float = 0.1,
                 background_stride: int = 10,
                 **kwargs) -> None:
        if frames not in ('annotated', 'all'):
            raise ValueError(f"frames must be 'annotated' or 'all', got {frames!r}")
        if not 0 < box_size <= 1:
            raise ValueError(f'box_size is a share of the frame side in (0, 1], got '
                             f'{box_size!r}')
        if background_stride < 0:
            raise ValueError(f'background_stride must be >= 0, got {background_stride!r}')
        self.frames = frames
        self.box_size = box_size
        self.background_stride = background_stride
        super().__init__(*args, **kwargs)

    def _sample(self, clip: dict, t: int, point: Optional[Sequence[float]],
                visible: bool) -> dict:
        h, w = clip['ori_shape']
        instances = []
        if point is not None and visible:
            instances.append(
                dict(
                    bbox=source_box(point, self.box_size * max(h, w), w, h),
                    bbox_label=0,
                    ignore_flag=0))
        gt_point = (np.asarray(point, dtype=np.float32)
                    if point is not None else np.full(2, np.nan, dtype=np.float32))
        return dict(
            clip,
            frame_indices=[t],
            frame_idx=t,
            img_id=f"{clip['clip_id']}/{t}",
            instances=instances,
            gt_point=gt_point,
            gt_visible=bool(point is not None and visible))

    def expand_clip(self, clip: dict, annotations: List[dict]) -> List[dict]:
        by_frame = {int(a['frame']): a for a in annotations}
        samples = []
        if self.frames == 'all':
            for t in range(clip['num_frames']):
                ann = by_frame.get(t, {})
                samples.append(
                    self._sample(clip, t, ann.get('point'), bool(ann.get('visible', True))))
            return samples
        onset = clip['gt_onset']
        clean_end = clip['num_frames'] if onset < 0 else onset
        stride = self.background_stride
        background = set(range(0, clean_end, stride)) if stride else set()
        for t in sorted(background | set(by_frame)):
            ann = by_frame.get(t)
            if ann is None:
                samples.append(self._sample(clip, t, None, False))
            elif ann.get('point') is not None and ann.get('visible', True):
                samples.append(self._sample(clip, t, ann['point'], True))
            elif t < clean_end:  # annotated before the onset: no source yet
                samples.append(self._sample(clip, t, None, False))
        return samples

    def get_cat_ids(self, idx: int) -> List[int]:
        """Class ids of sample ``idx`` (mmdet's class-aware samplers ask for them)."""
        return [inst['bbox_label'] for inst in self.get_data_info(idx)['instances']]

