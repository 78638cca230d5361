# Copyright (c) mmbleed contributors. All rights reserved.
"""Run a point tracker online over whole clips, as a model ``tools/test.py`` can evaluate.

Evaluation of every tracker goes through the deployed interface (BleedOrigin §4.3; issue 8:
"what is measured is what is deployed"): the clip's frames are handed one at a time to
:meth:`BasePointTracker.init` (the query frame and point) and :meth:`BasePointTracker.step`
(every later frame), and the per-frame outputs fill the fields :class:`TrackMetric` reads.
No weights: ``tools/test.py CONFIG`` runs it without a checkpoint, as the Red-Mask rule.
"""
from typing import Dict, List, Optional, Union

import numpy as np
import torch
from mmengine.model import BaseModel

from mmbleed.registry import MODELS
from mmbleed.structures import BleedDataSample
from ..detectors.point_conversion import input_to_original
from .base_tracker import BasePointTracker, as_point_tracker


@MODELS.register_module()
class OnlinePointTracker(BaseModel):
    """A :class:`BasePointTracker` driven frame by frame over each tracking sample.

    Inputs are what ``LoadFrames`` + ``PackBleedInputs(pack_frames=True)`` give for a
    :class:`TrackingDataset` sample: ``(T, 3, H, W)`` uint8 BGR frames (a list of them, or a
    ``(B, T, 3, H, W)`` tensor), the first frame being the query frame, and data samples
    with ``query_input_point`` (or ``query_point``) ``(2,)`` in the frames' pixels. The
    tracker gets frame 0 and the query point through ``init``, then every later frame
    through ``step``, and the data samples receive, in **original pixels** (mapped with
    ``input_to_original`` when the pipeline resized; identity otherwise):

    - ``pred_points`` ``(T, 2)`` float32 (frame 0: the query point),
    - ``pred_visible`` ``(T,)`` bool and ``pred_confidence`` ``(T,)`` float32,
    - with ``K`` query points ``(K, 2)`` (dense tracks, :class:`DenseTrackDataset`): the
      same with a leading track axis, ``(K, T, 2)``, ``(K, T)``,
    - ``query_frame`` = 0 (the frame :class:`TrackMetric` leaves out).

    Args:
        tracker (dict | BasePointTracker): the tracker, or its config (built from
            ``MODELS``, e.g. ``dict(type='PyramidalLKTracker')``).
        data_preprocessor (dict, optional): defaults to MMEngine's ``BaseDataPreprocessor``
            (moves data to the device, keeps uint8 frames as they are).
        init_cfg (dict, optional): unused (no weights).
    """

    def __init__(self,
                 tracker: Union[dict, BasePointTracker],
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='mmengine.BaseDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.tracker = as_point_tracker(tracker)

    @staticmethod
    def _frames(clip: torch.Tensor) -> List[np.ndarray]:
        """``(T, 3, H, W)`` tensor → T contiguous ``(H, W, 3)`` uint8 arrays."""
        if clip.ndim != 4 or clip.shape[1] != 3:
            raise ValueError(f'OnlinePointTracker needs (T, 3, H, W) frames per sample (set '
                             f'PackBleedInputs(pack_frames=True)), got {tuple(clip.shape)}')
        array = clip.detach().cpu().permute(0, 2, 3, 1).numpy()
        return [np.ascontiguousarray(f) for f in array]

    def track(self, frames: List[np.ndarray], query: np.ndarray) -> Dict[str, np.ndarray]:
        """Run the tracker over ``frames`` from ``query`` ``(K, 2)`` at frame 0.

        Returns:
            dict: ``points`` ``(T, K, 2)``, ``visible`` ``(T, K)``, ``confidence``
            ``(T, K)``, in the frames' pixels.
        """
        steps = [self.tracker.init(frames[0], query)]
        steps += [self.tracker.step(frame) for frame in frames[1:]]
        return dict(
            points=np.stack([s.points for s in steps]),
            visible=np.stack([s.visible for s in steps]),
            confidence=np.stack([s.confidence for s in steps]))

    def forward(self,
                inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List[BleedDataSample]] = None,
                mode: str = 'predict') -> Union[Dict, List]:
        """Modes ``'predict'`` (fills ``data_samples``) and ``'tensor'`` (returns the
        :meth:`track` dicts, frames' pixels)."""
        if mode == 'loss':
            raise RuntimeError(f'{type(self.tracker).__name__} has nothing to train; use '
                               'tools/test.py with its config')
        if mode not in ('predict', 'tensor'):
            raise RuntimeError(f'Invalid mode "{mode}"')
        if data_samples is None:
            raise ValueError('OnlinePointTracker needs data samples with the query point')
        outputs = []
        for clip, sample in zip(inputs, data_samples):
            query = sample.get('query_input_point', None)
            if query is None:
                query = sample.get('query_point', None)
            if query is None:
                raise KeyError(f"OnlinePointTracker needs `query_point` in the data sample of "
                               f"{sample.metainfo.get('clip_id', 'a clip')}")
            out = self.track(self._frames(clip), np.asarray(query, np.float64).reshape(-1, 2))
            outputs.append(out)
            if mode == 'predict':
                # one query point: (T, ...) as the sample's gt_points; K points (dense
                # tracks): (K, T, ...)
                points = input_to_original(out['points'], sample.metainfo).transpose(1, 0, 2)
                visible, confidence = out['visible'].T, out['confidence'].T
                one = np.asarray(query).size == 2
                sample.pred_points = (points[0] if one else points).astype(np.float32)
                sample.pred_visible = (visible[0] if one else visible).copy()
                sample.pred_confidence = (confidence[0] if one else confidence).astype(
                    np.float32)
                sample.query_frame = 0
        return data_samples if mode == 'predict' else outputs
