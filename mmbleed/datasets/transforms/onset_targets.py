# Copyright (c) mmbleed contributors. All rights reserved.
"""Per-frame labels for MDCFM's two confidences (BleedOrigin §4.1.1, Eq. 1).

The paper does not say what trains the colour- and motion-change confidences; mmbleed
supervises them (``MaskedBCELoss``) with these labels:

- **colour change** at frame ``t``: bleeding has begun (``t ≥ onset``), or an effect that
  changes the colours acts: pooled blood or smoke (``obscured view``), glare
  (``light reflection``), water (``water flushing``);
- **motion change**: ``camera jitter`` or ``instrument interference`` acts.

They come from the synthetic generator's dense ground truth (``bleeding``,
``scenario_active``). Real clips have no dense ground truth: colour change then falls back
to ``t ≥ onset`` (0 everywhere in a clip without bleeding) and motion change is unknown
(NaN, left out of the loss).
"""
import os.path as osp

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmbleed.registry import TRANSFORMS
from ..synthetic.dense_gt import unpack_blood_mask
from ..synthetic.scenarios import SCENARIOS
from .geometric import flip_results

#: scenario_active columns (docs/data_format.md §1) behind each confidence
COLOR_SCENARIOS = ('obscured view', 'light reflection', 'water flushing')
MOTION_SCENARIOS = ('camera jitter', 'instrument interference')


@TRANSFORMS.register_module()
class LoadOnsetFrameTargets(BaseTransform):
    """Add ``gt_frame_changes`` ``(T, 2)`` float32: colour and motion change per frame, and
    (synthetic clips) ``gt_blood_masks`` ``(T, 1, h, w)``: the share of each model-input
    pixel covered by the bleeding's blood, for the detector's blood-map supervision.

    Required keys: ``frame_indices``, ``gt_onset``. Optional: ``dense_gt`` (npz path).

    Args:
        use_dense_gt (bool): read the dense ground truth when the clip has one; False uses
            the fallback for every clip (what real data gets). Defaults to True.
        with_blood_masks (bool): also load the blood masks. Defaults to True.
    """

    def __init__(self, use_dense_gt: bool = True, with_blood_masks: bool = True) -> None:
        self.use_dense_gt = use_dense_gt
        self.with_blood_masks = with_blood_masks

    @staticmethod
    def _resize_masks(masks: np.ndarray, results: dict) -> np.ndarray:
        """``(T, H, W)`` 0/1 masks → ``(T, 1, h, w)`` blood fractions at the model input's
        size (area averaging), flipped as the frames were (put this transform after
        ``Resize`` and ``RandomFlip``)."""
        h, w = results.get('img_shape', masks.shape[1:])
        out = [
            cv2.resize(m.astype(np.float32), (int(w), int(h)), interpolation=cv2.INTER_AREA)
            for m in masks
        ]
        if results.get('flip'):  # every flip the frames had, in order ('horizontal,vertical')
            for direction in results['flip_direction'].split(','):
                out = flip_results(dict(imgs=out), direction)['imgs']
        return np.stack(out)[:, None].astype(np.float32)

    def transform(self, results: dict) -> dict:
        idx = np.asarray(results['frame_indices'], dtype=np.int64)
        onset = int(results.get('gt_onset', -1))
        targets = np.full((len(idx), 2), np.nan, dtype=np.float32)
        path = results.get('dense_gt')
        if self.use_dense_gt and path and osp.isfile(path):
            with np.load(path, allow_pickle=False) as f:
                bleeding = f['bleeding'][idx].astype(bool)
                active = f['scenario_active'][idx].astype(bool)
                if self.with_blood_masks and 'blood_mask' in f.files:
                    masks = unpack_blood_mask(f['blood_mask'][idx], f['frame_size'][0])
                    results['gt_blood_masks'] = self._resize_masks(masks, results)
            cols = [SCENARIOS.index(s) for s in COLOR_SCENARIOS]
            motion = [SCENARIOS.index(s) for s in MOTION_SCENARIOS]
            targets[:, 0] = bleeding | active[:, cols].any(1)
            targets[:, 1] = active[:, motion].any(1)
        else:
            targets[:, 0] = (idx >= onset) if onset >= 0 else 0.0
        results['gt_frame_changes'] = targets
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(use_dense_gt={self.use_dense_gt})'
