# Copyright (c) mmbleed contributors. All rights reserved.
"""Onset-frame samples for bleeding-source localization (paper §4.2)."""
from typing import List

import numpy as np

from mmbleed.registry import DATASETS
from .base_clip_dataset import BaseClipDataset


@DATASETS.register_module()
class SourceDataset(BaseClipDataset):
    """One frame with its annotated bleeding-source point, plus the frames for pseudo-labels.

    The paper trains the source locator on the onset frame's expert point and on pseudo
    points obtained by propagating it ``n = 10`` frames ahead with optical flow; this dataset
    gives only the indices of those frames (``pseudo_frame_indices``), a transform computes
    the points.

    Args:
        frames (str): ``'onset'`` — one sample per clip with an onset, at the onset frame
            (the paper's setting); ``'annotated'`` — one sample per annotated frame whose
            source is visible. Defaults to ``'onset'``.
        num_pseudo (int): frames after the sample's frame for pseudo-labels, clipped to the
            clip's end. Defaults to 10.
        lookahead (int): Δ, frames after the sample's frame a look-ahead localizer sees
            (:class:`~mmbleed.models.detectors.BleedSourceLocalizer`): frame ``t + k`` is
            paired with ``t + k + Δ``, so ``pseudo_frame_indices`` runs to ``t + n + Δ``
            (clipped to the clip's end). Defaults to 0.
        **kwargs: see :class:`BaseClipDataset`.

    Clips without onset, or whose source is not annotated or hidden at the onset frame,
    give no sample in ``'onset'`` mode.

    Sample fields besides the common ones: ``frame_indices`` (``[t]``), ``frame_idx`` (t),
    ``gt_point`` (``(2,)`` float32, original pixels), ``gt_visible`` (True),
    ``pseudo_frame_indices`` (``[t+1, ..., min(t+n+Δ, T-1)]``).
    """

    def __init__(self,
                 *args,
                 frames: str = 'onset',
                 num_pseudo: int = 10,
                 lookahead: int = 0,
                 **kwargs) -> None:
        if frames not in ('onset', 'annotated'):
            raise ValueError(
                f"frames must be 'onset' or 'annotated', got {frames!r}")
        if num_pseudo < 0 or lookahead < 0:
            raise ValueError(f'num_pseudo and lookahead are frame counts >= 0, got '
                             f'num_pseudo={num_pseudo}, lookahead={lookahead}')
        self.frames = frames
        self.num_pseudo = num_pseudo
        self.lookahead = lookahead
        super().__init__(*args, **kwargs)

    def expand_clip(self, clip: dict, annotations: List[dict]) -> List[dict]:
        usable = {
            int(a['frame']): a['point']
            for a in annotations
            if a.get('point') is not None and a.get('visible', True)
        }
        if self.frames == 'onset':
            onset = clip['gt_onset']
            frames = [onset] if onset in usable else []
        else:
            frames = sorted(usable)
        samples = []
        last = clip['num_frames'] - 1
        for t in frames:
            samples.append(
                dict(
                    clip,
                    frame_indices=[t],
                    frame_idx=t,
                    gt_point=np.asarray(usable[t], dtype=np.float32),
                    gt_visible=True,
                    pseudo_frame_indices=list(
                        range(t + 1,
                              min(t + self.num_pseudo + self.lookahead, last) + 1))))
        return samples
