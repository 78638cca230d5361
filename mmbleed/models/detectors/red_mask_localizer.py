# Copyright (c) mmbleed contributors. All rights reserved.
"""Hand-crafted Red-Mask source localizer (BleedOrigin paper, §5 baselines).

The non-trainable red-intensity map of :func:`mmbleed.utils.red_mask_map`, smoothed, and its
argmax as the bleeding source. No weights: ``tools/test.py CONFIG`` runs it without a
checkpoint.

With ``lookahead`` = Δ > 0 it reads the red that *appeared* between the frame and the frame Δ
later (``max(0, red(t + Δ) - red(t))``, the third channel of
:class:`~mmbleed.models.fusion.RedMaskFeature`): the hand-crafted rule that sees the same frames
as a look-ahead :class:`~mmbleed.models.detectors.BleedSourceLocalizer`; with ``align_evidence``
the evidence frame is first warped onto the frame by optical flow
(:class:`~mmbleed.models.fusion.EvidenceAlignment`), as that model's does; with
``surround_sigma`` the smoothed map minus its surround (a difference of Gaussians) is read, as
that model's ``prior_surround_sigma`` does: a small spot of fresh blood stands out, red that
appeared over a wide area (tissue uncovered by glare or haze moving away) does not. With
several Δ (``lookahead=(10, 11, 12)``) the smoothed maps of the evidence frames are averaged
before the argmax, as that model's ``predict_lookaheads`` averages its heat maps.
"""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel

from mmbleed.registry import MODELS
from mmbleed.structures import BleedDataSample
from mmbleed.utils.red_mask import red_mask_map
from ..fusion.evidence_alignment import build_evidence_alignment
from ..fusion.red_mask_feature import RedMaskFeature
from .point_conversion import input_to_original
from .source_localizer import stack_evidence_frames


@MODELS.register_module()
class RedMaskLocalizer(BaseModel):
    """Argmax of the (Gaussian-smoothed) Red-Mask map → one point per image.

    Args:
        channel_order (str): channel order of the inputs after the data preprocessor,
            ``'bgr'`` (the pipeline's) or ``'rgb'``. Defaults to ``'bgr'``.
        smooth_sigma (float): sigma in input pixels of the Gaussian that smooths the map
            before the argmax (0 disables). Defaults to 2.0.
        surround_sigma (float): with a value > ``smooth_sigma``, the map smoothed at this
            sigma is subtracted (centre-surround); 0 disables. Defaults to 0.
        lookahead (int | Sequence[int]): Δ; 0 reads the frame's red, Δ > 0 the red that
            appeared by frame ``t + Δ`` (the dataset's ``lookahead`` must be at least Δ);
            several Δ (each > 0): the mean of their smoothed maps. Defaults to 0.
        align_evidence (bool): warp the evidence frame onto the frame by dense optical flow
            before the difference (needs ``lookahead > 0``). Defaults to False.
        align_preset (str): the DIS preset of that flow. Defaults to ``'medium'``.
        align_finest_scale (int, optional): the pyramid level where that flow stops (0 = the
            input's own resolution); None keeps the preset's. Defaults to None.
        data_preprocessor (dict, optional): defaults to MMEngine's
            ``ImgDataPreprocessor`` without normalisation (values stay in [0, 255]).
    """

    def __init__(self,
                 channel_order: str = 'bgr',
                 smooth_sigma: float = 2.0,
                 surround_sigma: float = 0.0,
                 lookahead: Union[int, Sequence[int]] = 0,
                 align_evidence: bool = False,
                 align_preset: str = 'medium',
                 align_finest_scale: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='mmengine.ImgDataPreprocessor')
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.channel_order = channel_order
        self.smooth_sigma = smooth_sigma
        if surround_sigma and surround_sigma <= smooth_sigma:
            raise ValueError(f'surround_sigma ({surround_sigma}) must be larger than '
                             f'smooth_sigma ({smooth_sigma}): it is the neighbourhood')
        self.surround_sigma = surround_sigma
        lookaheads = (lookahead, ) if isinstance(lookahead, int) else tuple(lookahead)
        if not lookaheads or min(lookaheads) < 0 or (len(lookaheads) > 1 and
                                                     min(lookaheads) < 1):
            raise ValueError('lookahead must be one frame count >= 0 or several >= 1, got '
                             f'{lookahead}')
        self.lookaheads = tuple(int(d) for d in lookaheads)
        self.lookahead = max(self.lookaheads)
        self.evidence_alignment = build_evidence_alignment(
            align_evidence, self.lookahead, align_preset, channel_order, align_finest_scale)

    def _smooth(self, maps: torch.Tensor) -> torch.Tensor:
        smoothed = self._blur(maps, self.smooth_sigma)
        if self.surround_sigma:
            smoothed = smoothed - self._blur(maps, self.surround_sigma)
        return smoothed

    @staticmethod
    def _blur(maps: torch.Tensor, sigma: float) -> torch.Tensor:
        """``(B, H, W)`` maps smoothed by a Gaussian of ``sigma`` px (borders replicated)."""
        if sigma <= 0:
            return maps
        radius = max(1, int(3 * sigma + 0.5))
        x = torch.arange(-radius, radius + 1, dtype=maps.dtype)
        kernel = torch.exp(-x**2 / (2 * sigma**2))
        kernel = (kernel / kernel.sum()).to(maps.device)
        maps = maps[:, None]
        maps = F.conv2d(
            F.pad(maps, (radius, radius, 0, 0), mode='replicate'),
            kernel.view(1, 1, 1, -1))
        maps = F.conv2d(
            F.pad(maps, (0, 0, radius, radius), mode='replicate'),
            kernel.view(1, 1, -1, 1))
        return maps[:, 0]

    def _appeared_red(self, inputs: torch.Tensor,
                      data_samples: Optional[List[BleedDataSample]],
                      lookahead: int) -> torch.Tensor:
        """``max(0, red(t + Δ) - red(t))`` per sample; the clip's last frame when it ends
        before ``t + Δ``."""
        feature = RedMaskFeature(num_frames=2, channel_order=self.channel_order)
        pairs = stack_evidence_frames(inputs, data_samples, lookahead)
        if self.evidence_alignment is not None:
            pairs = self.evidence_alignment(pairs)
        return feature(pairs)[:, 2]

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[BleedDataSample]] = None,
                mode: str = 'predict') -> Union[Dict, List, torch.Tensor]:
        """``inputs``: ``(B, 3, H, W)`` in [0, 255]; modes 'predict' and 'tensor'."""
        if self.lookahead:
            maps = torch.stack([
                self._smooth(self._appeared_red(inputs, data_samples, d))
                for d in self.lookaheads
            ]).mean(0)
        else:
            maps = self._smooth(red_mask_map(inputs, self.channel_order))
        if mode == 'tensor':
            return maps
        if mode == 'loss':
            raise RuntimeError(
                'RedMaskLocalizer is hand-crafted and has nothing to train; '
                'use tools/test.py with its config')
        if mode != 'predict':
            raise RuntimeError(f'Invalid mode "{mode}"')
        b, h, w = maps.shape
        flat = maps.reshape(b, -1)
        scores, idx = flat.max(dim=1)
        xy = torch.stack([idx % w, idx // w], dim=1).float().cpu().numpy()
        for i, sample in enumerate(data_samples):
            sample.pred_point = input_to_original(xy[i], sample.metainfo)
            sample.pred_score = float(scores[i])
        return data_samples
