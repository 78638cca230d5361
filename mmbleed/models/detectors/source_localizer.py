# Copyright (c) mmbleed contributors. All rights reserved.
"""BleedOrigin-Detect, spatial stage: the bleeding-source localizer (paper §4.1.2–4.1.3).

Encoder F_p (any mmpretrain backbone, at H/8) → Heat-Map module F_h (two 3×3 convs and an
upsampling conv, :class:`~mmbleed.models.heads.HeatmapHead`, dense at input resolution);
Red-Mask feature F_r (:class:`~mmbleed.models.fusion.RedMaskFeature`, non-trainable); the
multi-scale attention of Eq. 3 (:class:`~mmbleed.models.fusion.MultiScaleAttention`, Q = F_h,
K = F_r, V = F_p at H, H/2, H/4, H/8); a 1×1 conv to one heat map at input resolution (with
``prior_skip``, plus the smoothed Red-Mask prior times a learned gain); its argmax is the
source. Trained with Eq. 5 (:class:`~mmbleed.models.losses.SourceLoss`) on the
expert point and on optical-flow pseudo-labels of the frames after it.

Look-ahead (mmbleed's addition, ``lookahead`` = Δ frames). In the synthetic ESD videos, as in a
real bleed, the emission starts at the onset frame and ramps up, so the onset frame itself shows
almost no blood at the source: from that frame alone the source is close to unobservable
(every single-frame rule and model of the benchmark is at chance, ``docs/results.md``). Online,
the source is localized when the onset detector raises its alert, which comes after the onset
(median delay 32 frames), so the frames up to then are there to use. With ``lookahead`` = Δ > 0
the localizer sees the frame ``t`` and the *evidence frame* ``t + Δ``, stacked on the channels
of the encoder's input and given to the Red-Mask feature (red of both frames and the red that
appeared), and answers in frame ``t``'s pixels. With ``align_evidence`` the evidence frame is
first warped onto frame ``t`` by optical flow
(:class:`~mmbleed.models.fusion.EvidenceAlignment`), so that the camera's and the tissue's
motion in between do not count as red that appeared. ``lookahead=0`` is the paper's
single-frame module. The pseudo-labelled frame ``t + n`` is paired with ``t + n + Δ`` the same
way. At prediction (``predict_lookaheads``, e.g. 10, 11 and 12 frames) the heat maps of the
frame paired with each of several evidence frames are averaged: one evidence frame can be
covered by smoke or water, or catch a source before it has bled much; the average is right
more often than any one of them (``docs/source_localization.md``).

Inputs: ``inputs`` ``(B, 3, H, W)``, frame ``t`` in ``[0, 255]`` (BGR, resized to the model
input by the pipeline; normalisation happens here because the Red-Mask needs raw intensities);
the frames after it, ``data_samples[i].pseudo_inputs`` ``(n + Δ, 3, H, W)``: the first ``n``
carry pseudo-labels (``pseudo_heatmaps``, ``pseudo_weights``), frame ``t + k``'s evidence frame
is at index ``k + Δ - 1``.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn
from torchvision.transforms.v2.functional import gaussian_blur

from mmbleed.registry import MODELS, TASK_UTILS
from mmbleed.structures import BleedDataSample
from ..fusion.evidence_alignment import build_evidence_alignment
from ..fusion.red_mask_feature import RedMaskFeature
from .point_conversion import input_to_original


def _smooth(maps: torch.Tensor, sigma: float) -> torch.Tensor:
    """``(N, C, H, W)`` maps Gaussian-smoothed (kernel of ±3 sigma; reflected borders,
    the kernel cut to the map where sigma is large for it)."""
    h, w = maps.shape[-2:]
    radius = max(1, int(3 * sigma + 0.5))
    size = [min(2 * radius + 1, (h if h % 2 else h - 1)),
            min(2 * radius + 1, (w if w % 2 else w - 1))]
    return gaussian_blur(maps, size[::-1], [sigma, sigma])


@dataclass
class SourcePrediction:
    """One frame's answer, in the original frame's pixels.

    Attributes:
        point: ``(2,)`` the source ``(x, y)`` (sub-pixel, from the heat map's argmax).
        score: heat-map value at the peak, clipped to ``[0, 1]``.
        topk_points: ``(k, 2)`` the ``k`` highest separate peaks, best first.
        topk_scores: ``(k,)`` their heat-map values, clipped to ``[0, 1]``.
    """
    point: np.ndarray
    score: float
    topk_points: np.ndarray
    topk_scores: np.ndarray


def frames_after(data_samples: Optional[List[BleedDataSample]],
                 lookahead: int) -> List[torch.Tensor]:
    """Each sample's ``(L, 3, H, W)`` frames after its frame (``pseudo_inputs``); L = 0 for a
    sample on its clip's last frame (empty ``pseudo_frame_indices``)."""
    if not data_samples:
        raise ValueError(f'lookahead={lookahead}: the look-ahead needs data samples with the '
                         'frames after each sample')
    later = []
    for sample in data_samples:
        frames = sample.get('pseudo_inputs')
        if frames is None:
            if sample.metainfo.get('pseudo_frame_indices', None) != []:
                raise ValueError(
                    f'lookahead={lookahead}: the look-ahead needs the frames after each '
                    'sample; set lookahead on SourceDataset too (its pseudo_frame_indices)')
            frames = torch.zeros(0, 3, 1, 1, dtype=torch.uint8)
        later.append(frames)
    return later


def evidence_index(k: int, lookahead: int, num_later: int) -> int:
    """Index in the frames after frame ``t`` of frame ``t + k``'s evidence frame
    ``t + k + Δ``, or of the clip's last frame when the clip ends before it."""
    return min(k + lookahead, num_later) - 1


def stack_evidence_frames(inputs: torch.Tensor, data_samples: Optional[List[BleedDataSample]],
                          lookahead: int) -> torch.Tensor:
    """``(B, 3, H, W)`` frames ``t`` → ``(B, 6, H, W)``: each with its evidence frame
    ``t + Δ`` stacked on the channels (a sample on its clip's last frame is its own
    evidence), as float."""
    inputs = inputs.float()
    later_frames = frames_after(data_samples, lookahead)
    for sample, later in zip(data_samples, later_frames):
        t, num_frames = sample.metainfo.get('frame_idx'), sample.metainfo.get('num_frames')
        if len(later) < lookahead and t is not None and num_frames is not None and \
                t + len(later) < num_frames - 1:
            raise ValueError(
                f'the evidence frame {lookahead} frames after frame {t} of clip '
                f'{sample.metainfo.get("clip_id", "?")} is not in the data (it carries '
                f'{len(later)} frames after it): set lookahead >= {lookahead} on the '
                'SourceDataset')
    evidence = [
        later[evidence_index(0, lookahead, len(later))] if len(later) else inputs[i]
        for i, later in enumerate(later_frames)
    ]
    return torch.cat([inputs, torch.stack(evidence).to(inputs)], dim=1)


@MODELS.register_module()
class BleedSourceLocalizer(BaseModel):
    """Heat-map source localization with Red-Mask multi-scale attention (Eq. 3, Eq. 5).

    Args:
        encoder (dict): an mmpretrain backbone whose output ``encoder_index`` is at stride 8,
            with ``in_channels = 3`` (``lookahead=0``) or 6 (frame and evidence frame).
        heatmap_module (dict): F_h, e.g. ``dict(type='HeatmapHead', in_channels=C,
            out_channels=D, num_upsamples=3)`` (stride 8 → input resolution).
        attention (dict): Eq. 3, e.g. ``dict(type='MultiScaleAttention', ...)`` with
            ``query_channels = D``, ``key_channels`` = the Red-Mask's channels (1, or 3 with
            look-ahead; D without Red-Mask) and ``value_channels = C``.
        codec (dict): ``GaussianHeatmap`` whose ``heatmap_size`` equals its ``input_size``
            (the heat map is at input resolution).
        loss (dict): Eq. 5. Defaults to ``SourceLoss`` with the paper's weights.
        lookahead (int): Δ, frames between the frame and its evidence frame; 0 = the paper's
            single frame. Defaults to 0.
        predict_lookaheads (Sequence[int], optional): at prediction (``predict`` and
            ``tensor`` modes, :meth:`locate`), the heat map is the mean of those of the frame
            paired with the evidence frame ``t + Δ`` for each Δ here (training uses
            ``lookahead`` only); the data must carry the frames up to the largest. None: just
            ``lookahead``. Needs ``lookahead > 0``. Defaults to None.
        use_red_mask (bool): False (ablation): the keys are the heat-map feature itself
            (K = Q), so Eq. 3 runs without the red prior. Defaults to True.
        num_pseudo (int): n, frames after the sample that carry pseudo-labels. Defaults to 10.
        pseudo_per_sample (int): pseudo-labelled frames drawn at random per sample and
            training step (all n cost n more forward passes). Defaults to 2.
        encoder_index (int): which encoder output is F_p. Defaults to -1.
        mean, std (Sequence[float]): normalisation of each frame for the encoder (RGB order).
        bgr_to_rgb (bool): inputs are BGR (mmbleed's pipelines). Defaults to True.
        topk (int): peaks returned per frame (``pred_topk_points``). Defaults to 3.
        peak_radius (int): two peaks are at least this many input pixels apart.
            Defaults to 8.
        prior_skip (bool): add the Red-Mask prior itself, Gaussian-smoothed, to the heat map
            with a learned gain (the red that appeared with look-ahead, the frame's red
            without): the module starts from the hand-crafted rule and learns what to add to
            it, which 37 training clips can teach, where learning the whole map from them did
            not generalise (``docs/source_localization.md``). Needs ``use_red_mask``.
            Defaults to False.
        prior_sigma (float): sigma in input pixels of that smoothing. Defaults to 2.0.
        prior_surround_sigma (float, optional): with a value, the prior is a centre-surround
            map (a difference of Gaussians): the prior smoothed at ``prior_sigma`` minus the
            same smoothed at this sigma, i.e. how much more red appeared at a pixel than in
            its neighbourhood. A bleeding source is a small spot where blood appears; red
            that appears over a wide area (tissue uncovered when glare or haze moves away, a
            change of illumination) is removed; the CPU config uses 10. None keeps the
            smoothed prior. Needs ``prior_skip``. Defaults to None.
        align_evidence (bool): warp the evidence frame onto the frame by dense optical flow
            (:class:`~mmbleed.models.fusion.EvidenceAlignment`) before anything reads it, so
            that tissue that moved between the two frames does not count as red that
            appeared. Needs ``lookahead > 0``. Defaults to False (the first look-ahead
            configs' behaviour); the CPU config turns it on.
        align_preset (str): the DIS preset of that flow. Defaults to ``'medium'``.
        align_finest_scale (int, optional): the pyramid level where that flow stops (0 = the
            input's own resolution); None keeps the preset's. Defaults to None.
        data_preprocessor (dict, optional): defaults to MMEngine's ``ImgDataPreprocessor``
            without normalisation (values stay in ``[0, 255]``).
    """

    def __init__(self,
                 encoder: dict,
                 heatmap_module: dict,
                 attention: dict,
                 codec: dict,
                 loss: dict = dict(type='mmbleed.SourceLoss'),
                 lookahead: int = 0,
                 predict_lookaheads: Optional[Sequence[int]] = None,
                 use_red_mask: bool = True,
                 num_pseudo: int = 10,
                 pseudo_per_sample: int = 2,
                 encoder_index: int = -1,
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 bgr_to_rgb: bool = True,
                 topk: int = 3,
                 peak_radius: int = 8,
                 prior_skip: bool = False,
                 prior_sigma: float = 2.0,
                 prior_surround_sigma: Optional[float] = None,
                 align_evidence: bool = False,
                 align_preset: str = 'medium',
                 align_finest_scale: Optional[int] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='mmengine.ImgDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if lookahead < 0:
            raise ValueError(f'lookahead must be >= 0 frames, got {lookahead}')
        if topk < 1:
            raise ValueError(f'topk must be >= 1, got {topk}')
        self.lookahead = int(lookahead)
        if predict_lookaheads is not None and not self.lookahead:
            raise ValueError('predict_lookaheads averages over evidence frames: it needs '
                             f'lookahead > 0, got {lookahead}')
        self.predict_lookaheads = tuple(
            int(d) for d in (predict_lookaheads or ((self.lookahead, ) if lookahead else ())))
        if self.lookahead and min(self.predict_lookaheads) < 1:
            raise ValueError('predict_lookaheads must be frame counts >= 1, got '
                             f'{predict_lookaheads}')
        self.num_frames = 2 if self.lookahead else 1
        self.use_red_mask = use_red_mask
        self.num_pseudo = int(num_pseudo)
        self.pseudo_per_sample = int(pseudo_per_sample)
        self.encoder_index = encoder_index
        self.bgr_to_rgb = bgr_to_rgb
        self.topk = int(topk)
        self.peak_radius = int(peak_radius)
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32).view(1, 3, 1, 1),
                             persistent=False)
        self.codec = TASK_UTILS.build(codec)
        if tuple(self.codec.heatmap_size) != tuple(self.codec.input_size):
            raise ValueError(
                f'the source heat map is at input resolution: the codec needs heatmap_size == '
                f'input_size, got {self.codec.heatmap_size} and {self.codec.input_size}')
        self.red_mask = RedMaskFeature(num_frames=self.num_frames)
        self.evidence_alignment = build_evidence_alignment(
            align_evidence, self.lookahead, align_preset, finest_scale=align_finest_scale)
        self.encoder = MODELS.build(encoder)
        self.heatmap_module = MODELS.build(heatmap_module)
        self.attention = MODELS.build(attention)
        self.final = nn.Conv2d(self.attention.embed_dims, 1, 1)
        if prior_skip and not use_red_mask:
            raise ValueError('prior_skip adds the Red-Mask prior to the heat map: it needs '
                             'use_red_mask=True')
        if prior_surround_sigma is not None and not prior_skip:
            raise ValueError('prior_surround_sigma shapes the prior that prior_skip adds: it '
                             'needs prior_skip=True')
        if prior_surround_sigma is not None and prior_surround_sigma <= prior_sigma:
            raise ValueError(f'prior_surround_sigma ({prior_surround_sigma}) must be larger '
                             f'than prior_sigma ({prior_sigma}): it is the neighbourhood')
        self.prior_skip = prior_skip
        self.prior_sigma = float(prior_sigma)
        self.prior_surround_sigma = (None if prior_surround_sigma is None else
                                     float(prior_surround_sigma))
        if prior_skip:
            # start from the rule: the learned part starts at zero, the prior's gain at one
            nn.init.zeros_(self.final.weight)
            nn.init.zeros_(self.final.bias)
            self.prior_gain = nn.Parameter(torch.ones(1))
        self.loss_module = MODELS.build(loss)

    # -- the network -------------------------------------------------------------------------
    def _normalise(self, frames: torch.Tensor) -> torch.Tensor:
        """``(N, 3P, H, W)`` in [0, 255] → normalised RGB frames, stacked the same way."""
        out = []
        for i in range(self.num_frames):
            frame = frames[:, 3 * i:3 * i + 3]
            if self.bgr_to_rgb:
                frame = frame.flip(1)
            out.append((frame - self.mean) / self.std)
        return torch.cat(out, dim=1)

    def heatmaps(self, frames: torch.Tensor) -> torch.Tensor:
        """``(N, 3P, H, W)`` raw frames (P = 1, or 2 with the evidence frame) → ``(N, H, W)``
        heat maps at input resolution."""
        frames = frames.float()
        if self.evidence_alignment is not None:
            frames = self.evidence_alignment(frames)
        size = frames.shape[-2:]
        feats = self.encoder(self._normalise(frames))
        value = feats[self.encoder_index] if isinstance(feats, (list, tuple)) else feats
        query = self.heatmap_module(value)
        if query.shape[-2:] != size:
            query = F.interpolate(query, size=size, mode='bilinear', align_corners=False)
        key = self.red_mask(frames) if self.use_red_mask else query
        heat = self.final(self.attention(query, key, value))[:, 0]
        if self.prior_skip:
            heat = heat + self.prior_gain * self.prior(key[:, -1:])[:, 0]
        return heat

    def prior(self, red: torch.Tensor) -> torch.Tensor:
        """The prior ``prior_skip`` adds, from the Red-Mask map ``(N, 1, H, W)`` it reads:
        that map smoothed at ``prior_sigma``, minus the same smoothed at
        ``prior_surround_sigma`` when one is set (centre-surround)."""
        prior = _smooth(red, self.prior_sigma)
        if self.prior_surround_sigma is not None:
            prior = prior - _smooth(red, self.prior_surround_sigma)
        return prior

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[BleedDataSample]] = None,
                mode: str = 'tensor') -> Union[Dict, List, torch.Tensor]:
        if mode == 'loss':
            return self._loss(inputs, data_samples)
        if mode == 'tensor':
            return self.predict_heatmaps(inputs, data_samples)
        if mode == 'predict':
            return self._predict(self.predict_heatmaps(inputs, data_samples), data_samples)
        raise RuntimeError(f'Invalid mode "{mode}"')

    def predict_heatmaps(self, inputs: torch.Tensor,
                         data_samples: Optional[List[BleedDataSample]] = None) -> torch.Tensor:
        """``(B, 3, H, W)`` frames ``t`` → ``(B, H, W)`` the heat maps predictions decode:
        the mean over ``predict_lookaheads`` of the frame paired with each evidence frame
        (one pair after the other, so that the peak memory is that of one pair), or the
        frame's own map without look-ahead."""
        if not self.lookahead:
            return self.heatmaps(inputs.float())
        heat = sum(self.heatmaps(stack_evidence_frames(inputs, data_samples, d))
                   for d in self.predict_lookaheads)
        return heat / len(self.predict_lookaheads)

    # -- inputs ------------------------------------------------------------------------------
    def _frames(self, inputs: torch.Tensor,
                data_samples: Optional[List[BleedDataSample]]) -> torch.Tensor:
        """Frame ``t`` (and its evidence frame ``t + Δ``) stacked on the channels."""
        if not self.lookahead:
            return inputs.float()
        return stack_evidence_frames(inputs, data_samples, self.lookahead)

    # -- training ----------------------------------------------------------------------------
    def _loss(self, inputs: torch.Tensor,
              data_samples: List[BleedDataSample]) -> Dict[str, torch.Tensor]:
        device = inputs.device
        frames = self._frames(inputs, data_samples)
        target = torch.stack([s.gt_heatmaps[0] for s in data_samples]).to(device)
        target_weights = torch.stack([s.gt_heatmap_weights.reshape(-1)[0]
                                      for s in data_samples]).to(device)
        points = torch.stack([
            torch.as_tensor(np.asarray(s.gt_input_point, np.float32)) for s in data_samples
        ]).to(device)

        # the pseudo-labelled frames of this step: up to pseudo_per_sample per sample, drawn
        # among the ones whose flow propagation passed its check
        pairs, pseudo_targets, pseudo_weights = [], [], []
        if self.loss_module.pseudo_weight > 0 and self.pseudo_per_sample > 0 and \
                self.num_pseudo > 0:
            later = frames_after(data_samples, self.lookahead)
            for i, sample in enumerate(data_samples):
                weights = sample.get('pseudo_weights')
                if weights is None:
                    continue
                valid = torch.nonzero(weights[:self.num_pseudo] > 0).flatten()
                if not len(valid):
                    continue
                chosen = valid[torch.randperm(len(valid))[:self.pseudo_per_sample]]
                for k in chosen.tolist():
                    pair = [later[i][k]]
                    if self.lookahead:
                        pair.append(later[i][evidence_index(k + 1, self.lookahead,
                                                            len(later[i]))])
                    pairs.append(torch.cat(pair, dim=0))
                    pseudo_targets.append(sample.pseudo_heatmaps[k])
                    pseudo_weights.append(weights[k])
        if pairs:
            all_frames = torch.cat([frames, torch.stack(pairs).to(frames)], dim=0)
        else:
            all_frames = frames
        heat = self.heatmaps(all_frames)
        b = frames.shape[0]
        return self.loss_module(
            heat[:b], target, target_weights, points,
            pseudo_heatmaps=heat[b:] if pairs else None,
            pseudo_targets=torch.stack(pseudo_targets).to(device) if pairs else None,
            pseudo_weights=torch.stack(pseudo_weights).to(device) if pairs else None)

    # -- prediction --------------------------------------------------------------------------
    def _peaks(self, heat: torch.Tensor) -> Tuple[np.ndarray, np.ndarray]:
        """The ``topk`` highest local maxima of each ``(N, H, W)`` map at least
        ``peak_radius`` apart: ``(N, k, 2)`` input pixels and ``(N, k)`` values, ``-inf``
        where a map has fewer separate maxima."""
        n, h, w = heat.shape
        k = 2 * self.peak_radius + 1
        pooled = F.max_pool2d(heat[:, None], k, stride=1, padding=self.peak_radius)[:, 0]
        peaks = torch.where(heat == pooled, heat, torch.full_like(heat, float('-inf')))
        values, idx = peaks.flatten(1).topk(min(self.topk, h * w), dim=1)
        xy = torch.stack([idx % w, idx // w], dim=-1).float()
        return xy.cpu().numpy(), values.cpu().numpy()

    def _decode(self, heat: torch.Tensor, metainfo: dict) -> SourcePrediction:
        """One ``(H, W)`` heat map → the prediction in original pixels."""
        heat = heat.detach().float()
        points, scores = self.codec.decode(heat.cpu().numpy()[None])
        peak_xy, peak_values = self._peaks(heat[None])
        keep = np.isfinite(peak_values[0])
        return SourcePrediction(
            point=input_to_original(points[0], metainfo),
            score=float(np.clip(scores[0], 0.0, 1.0)),
            topk_points=input_to_original(peak_xy[0][keep], metainfo),
            topk_scores=np.clip(peak_values[0][keep], 0.0, 1.0).astype(np.float32))

    def _predict(self, heat: torch.Tensor,
                 data_samples: List[BleedDataSample]) -> List[BleedDataSample]:
        for sample, heat_map in zip(data_samples, heat):
            pred = self._decode(heat_map, sample.metainfo)
            sample.pred_point = pred.point
            sample.pred_score = pred.score
            sample.pred_topk_points = pred.topk_points
            sample.pred_topk_scores = pred.topk_scores
        return data_samples

    # -- deployment --------------------------------------------------------------------------
    def _check_frame(self, frame: np.ndarray, name: str) -> None:
        if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3:
            shape = getattr(frame, 'shape', type(frame).__name__)
            raise ValueError(
                f'the source localizer takes {name} as an (H, W, 3) BGR colour image, got '
                f'{shape}: a grey or 4-channel image has no red to read (convert it first)')
        if frame.dtype != np.uint8:
            raise ValueError(f'{name} must be uint8 (0-255), got {frame.dtype}')
        if frame.shape[0] < 2 or frame.shape[1] < 2:
            raise ValueError(f'{name} is {frame.shape[1]}x{frame.shape[0]} pixels: too small '
                             'to localize anything in')

    @torch.no_grad()
    def locate(self, frame: np.ndarray,
               evidence_frame: Union[np.ndarray, Sequence[np.ndarray], None] = None
               ) -> SourcePrediction:
        """Localize the source in ``frame`` (original pixels in, original pixels out).

        Args:
            frame (np.ndarray): ``(H, W, 3)`` uint8 BGR, the onset frame, any size (resized
                to the model input here, up or down).
            evidence_frame (np.ndarray | Sequence[np.ndarray], optional): the frames
                ``predict_lookaheads`` frames later, in that order (one array when there is
                one), the same size; required when ``lookahead > 0``, refused when it is 0.
        """
        self._check_frame(frame, 'the frame')
        after = ' and '.join(str(d) for d in self.predict_lookaheads)
        if self.lookahead and evidence_frame is None:
            raise ValueError(f'this localizer was trained with lookahead={self.lookahead}: '
                             f'give the frames {after} frames after the onset as '
                             'evidence_frame')
        if not self.lookahead and evidence_frame is not None:
            raise ValueError('this localizer was trained on single frames (lookahead=0): '
                             'it takes no evidence_frame')
        evidence = ([] if evidence_frame is None else
                    [evidence_frame] if isinstance(evidence_frame, np.ndarray) else
                    list(evidence_frame))
        if self.lookahead and len(evidence) != len(self.predict_lookaheads):
            raise ValueError(f'this localizer averages the evidence frames {after} frames '
                             f'after the onset: give those {len(self.predict_lookaheads)} '
                             f'frames as evidence_frame, got {len(evidence)}')
        for later in evidence:
            self._check_frame(later, 'the evidence frame')
            if later.shape != frame.shape:
                raise ValueError(f'the evidence frame is {later.shape[1]}x{later.shape[0]} '
                                 f'but the frame is {frame.shape[1]}x{frame.shape[0]}: they '
                                 'must be the same video')
        w_in, h_in = self.codec.input_size
        h, w = frame.shape[:2]

        def to_tensor(image: np.ndarray) -> torch.Tensor:
            resized = cv2.resize(image, (w_in, h_in), interpolation=cv2.INTER_LINEAR)
            return torch.from_numpy(resized.transpose(2, 0, 1).copy())

        device = next(self.parameters()).device
        first = to_tensor(frame)
        pairs = [torch.cat([first, to_tensor(later)]) for later in evidence] or [first]
        was_training = self.training
        self.eval()
        heat = sum(self.heatmaps(pair[None].to(device))[0] for pair in pairs) / len(pairs)
        self.train(was_training)
        return self._decode(heat, dict(scale_factor=(w_in / w, h_in / h)))
