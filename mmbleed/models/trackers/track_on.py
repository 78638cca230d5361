# Copyright (c) mmbleed contributors. All rights reserved.
"""BleedOrigin-Track: an online point tracker with spatial and context memory (§4.3).

The paper's tracker is Track-On (Aydemir et al., "Track-On: Transformer-based Online Point
Tracking with Memory", ICLR 2025; reference code ``gorkaydemir/track_on``, ``model/``),
fine-tuned on bleeding sources. For each frame, online (it sees one frame at a time and keeps
a bounded state):

1. **Features**: an mmpretrain backbone (CPU: a slim ResNet, its stages at strides 4, 8
   and 16; paper size: a ViT with :class:`SimpleFeaturePyramid`), projected to ``D``
   channels and fused into the stride-8 map on which points are found; the Red-Mask map
   (``mmbleed.utils.red_mask``, the paper's Table 9 switch) is concatenated to it before
   the projection that makes the keys and values (a 1×1 projection of a concatenation is
   the sum of the projected parts, which is how it is computed); the MDG block
   (:class:`TrackOnMDG`, the other Table 9 switch, off unless ``mdg`` is given) adds what
   changed against the previous frame and against the query frame.
2. **Query**: the feature bilinearly read at the queried point in the first frame.
3. **Query decoder** (``decoder_layers`` times): attention to the frame's features
   (with a 2-D sine position code; the query carries the code of its last position, so
   it looks near where it was: mmbleed's addition, a motion prior that Track-On's ViT
   features carry implicitly), attention among the queries, and attention to the
   point's **context memory** (its decoded queries of the last ``M`` frames) and
   **spatial memory** (the features read at its predicted positions in the last ``M``
   frames), each slot with a learned temporal embedding, slots from frames where the
   point was judged occluded masked out (:class:`PointMemory`).
4. **Correlation** of the decoded query with the frame at strides 8, 16 and 32, each
   cosine, brought to stride 8 and fused by a 1×1 convolution: a score per stride-8 patch;
   minus a learned locality prior ``s · (d / 8)²`` (``d``: the patch's distance from the
   point's last position; mmbleed's addition for the CPU budget: at 30 fps a point moves a
   few pixels a frame, which Track-On's large model learns from far more data).
   The model starts as template matching (zero-initialised residual branches, identity
   projections), which training then improves on.
5. **Top-k re-ranking** (:class:`TopKRerankHead`): the ``k`` best patches read with
   deformable sampling, scored, and the query refined from them; a second correlation
   with the refined query picks the patch.
6. **Prediction head** (:class:`PointPredictionHead`): an offset from that patch's
   centre (the point), a visibility and an uncertainty logit; confidence =
   ``sigmoid(visibility) · (1 − sigmoid(uncertainty))``; visible when
   ``sigmoid(visibility) > visibility_thr`` (config).
7. **Memory write**: the decoded query into the context memory and the feature read at the
   predicted point into the spatial memory, masked when the point is judged occluded.

One function, :meth:`TrackOn.step`, does steps 3–7 for a frame, both in training (unrolled
over a window by :meth:`TrackOn.unroll`) and in deployment
(:class:`TrackOnPointTracker`: ``init(frame, points)`` / ``step(frame)``), so streaming and
offline give the same points (a test checks it). Deformable sampling is plain
``grid_sample`` (no ``mmcv.ops``: it runs with mmcv-lite).

Training: pretraining on the generator's dense tracks with Track-On's losses
(:class:`TrackOnLoss`), then fine-tuning on the sparse source annotations and their
pseudo-tracks with Eq. 8 (:class:`PseudoLabelTrackLoss`), fully or through LoRA/AdaLoRA
(``configs/track/``). Frames enter as ``(T, 3, H, W)`` uint8 BGR at any size and are resized
to ``input_size`` here; points are in the frames' pixels outside this class.
"""
import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from torch import nn

from mmbleed.registry import MODELS
from mmbleed.structures import BleedDataSample
from mmbleed.utils.red_mask import red_mask_map
from ..heads.track_on_point_head import PointPredictionHead
from ..heads.track_on_rerank_head import TopKRerankHead
from ..layers import AttentionBlock, sample_points
from ..losses.pseudo_label_track_loss import PseudoLabelTrackLoss
from ..losses.source_loss import soft_argmax_2d
from ..memory.point_memory import PointMemory
from .track_on_mdg import Domains, TrackOnMDG

#: ImageNet mean and std of RGB in [0, 255] (what mmpretrain backbones expect)
RGB_MEAN = (123.675, 116.28, 103.53)
RGB_STD = (58.395, 57.12, 57.375)


def sine_position_code(xy: torch.Tensor, dim: int, scale: float = 64.0) -> torch.Tensor:
    """A 2-D sine/cosine code of ``xy`` ``(..., 2)`` input pixels → ``(..., dim)``.

    ``dim / 4`` frequencies per axis, wavelengths from 2π·``scale`` down to about 6 pixels.
    """
    quarter = dim // 4
    freqs = torch.exp(torch.linspace(0, math.log(scale), quarter, device=xy.device)) / scale
    angles = xy[..., None] * freqs  # (..., 2, quarter)
    code = torch.cat([angles.sin(), angles.cos()], dim=-1).flatten(-2)
    return F.pad(code, (0, dim - code.shape[-1]))


@dataclass
class TrackState:
    """The tracker's state between frames (``B`` streams, ``K`` points each).

    Attributes:
        query (Tensor): ``(B, K, D)`` the query features read in the first frame.
        valid (Tensor): ``(B, K)`` bool, False for padding points.
        last_xy (Tensor): ``(B, K, 2)`` the last predicted points (input pixels).
        context (tuple): context memory state (:class:`PointMemory`).
        spatial (tuple): spatial memory state (:class:`PointMemory`).
    """
    query: torch.Tensor
    valid: torch.Tensor
    last_xy: torch.Tensor
    context: Tuple[torch.Tensor, torch.Tensor]
    spatial: Tuple[torch.Tensor, torch.Tensor]


@MODELS.register_module()
class TrackOn(BaseModel):
    """Track-On-style online point tracker (module docstring).

    Args:
        backbone (dict): an mmpretrain backbone whose outputs (after ``neck``) are three maps
            at strides 4, 8 and 16 (e.g. ``mmpretrain.ResNet`` with ``num_stages=3,
            out_indices=(0, 1, 2)``).
        in_channels (Sequence[int]): channels of those three maps.
        neck (dict, optional): turns the backbone's outputs into those maps (a ViT's
            single map: :class:`SimpleFeaturePyramid`). Defaults to None.
        input_size (Sequence[int]): ``(H, W)`` the frames are resized to; multiples of 16.
            Defaults to ``(272, 320)`` (the small synthetic preset's frames).
        dim (int): feature and query channels ``D``. Defaults to 64.
        num_heads (int): attention heads. Defaults to 4.
        decoder_layers (int): query decoder layers. Defaults to 1.
        memory_size (int): slots ``M`` of each memory. Defaults to 12 (Track-On).
        top_k (int): re-ranked candidates. Defaults to 8.
        num_points (int): deformable sampling points per level. Defaults to 4.
        use_red_mask (bool): Red-Mask map in the keys and values (Table 9). Defaults to True.
        mdg (dict, optional): the MDG block in the keys and values (Table 9), the
            arguments of :class:`TrackOnMDG` (domains, channels, flow); None: off.
            Defaults to None.
        locality_prior (bool): subtract a learned ``s · (d / stride)²`` from the correlation,
            ``d`` the distance of a patch from the point's last position (module docstring,
            step 4). Defaults to True.
        visibility_thr (float): a point is visible when ``sigmoid(visibility)`` exceeds it.
            Defaults to 0.5.
        loss (dict): :class:`TrackOnLoss` (pretraining on dense tracks) or
            :class:`PseudoLabelTrackLoss` (Eq. 8 fine-tuning on source tracks).
        soft_argmax_temperature (float): of the differentiable point Eq. 8 is computed on.
            Defaults to 0.05.
        test_cfg (dict, optional): ``support=dict(...)`` deploys the tracker on support
            points (:class:`SupportPointTracker`, its arguments); ``refresh=dict(interval=60)``
            or ``refresh=dict(adaptive=True, ...)`` wraps it in :class:`MemoryRefresh`.
            What ``tools/test.py`` measures is that deployed tracker. Defaults to neither.
        data_preprocessor (dict, optional): defaults to ``BaseDataPreprocessor`` (frames stay
            uint8; normalisation happens here, after the resize).
        init_cfg (dict, optional): e.g. ``dict(type='Pretrained', checkpoint=PATH)``.
    """

    STRIDES = (4, 8, 16)
    PATCH_STRIDE = 8

    def __init__(self,
                 backbone: dict,
                 in_channels: Sequence[int] = (32, 64, 128),
                 neck: Optional[dict] = None,
                 input_size: Sequence[int] = (272, 320),
                 dim: int = 64,
                 num_heads: int = 4,
                 decoder_layers: int = 1,
                 memory_size: int = 12,
                 top_k: int = 8,
                 num_points: int = 4,
                 use_red_mask: bool = True,
                 mdg: Optional[dict] = None,
                 locality_prior: bool = True,
                 visibility_thr: float = 0.5,
                 loss: dict = dict(type='TrackOnLoss'),
                 soft_argmax_temperature: float = 0.05,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='mmengine.BaseDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if len(in_channels) != 3:
            raise ValueError(f'TrackOn needs the backbone\'s three maps at strides 4, 8 and '
                             f'16; in_channels has {len(in_channels)} entries')
        if input_size[0] % 16 or input_size[1] % 16:
            raise ValueError(f'input_size {tuple(input_size)} must be multiples of 16')
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.input_size = tuple(int(s) for s in input_size)
        self.dim = dim
        self.use_red_mask = use_red_mask
        self.visibility_thr = visibility_thr
        self.soft_argmax_temperature = soft_argmax_temperature
        self.test_cfg = test_cfg or {}
        self.lateral = nn.ModuleList(nn.Conv2d(c, dim, 1) for c in in_channels)
        self.fuse = nn.Sequential(
            nn.Conv2d(dim, dim, 3, padding=1), nn.GroupNorm(8, dim), nn.GELU(),
            nn.Conv2d(dim, dim, 1))
        self.red_projection = nn.Conv2d(1, dim, 1) if use_red_mask else None
        self.mdg = TrackOnMDG(dim, **mdg) if mdg is not None else None
        self.feature_attention = nn.ModuleList(
            AttentionBlock(dim, num_heads) for _ in range(decoder_layers))
        self.query_attention = nn.ModuleList(
            AttentionBlock(dim, num_heads) for _ in range(decoder_layers))
        self.memory_attention = nn.ModuleList(
            AttentionBlock(dim, num_heads) for _ in range(decoder_layers))
        self.context_memory = PointMemory(dim, memory_size)
        self.spatial_memory = PointMemory(dim, memory_size)
        self.projection1 = nn.Linear(dim, dim)
        self.projection2 = nn.Linear(dim, dim)
        # start as template matching: every residual block, both projections and the
        # query's position code begin as the identity / zero, so the untrained tracker
        # correlates the first frame's feature with the frame (training moves away from it)
        for block in (*self.feature_attention, *self.query_attention, *self.memory_attention):
            for layer in (block.out_proj, block.fc2):
                nn.init.zeros_(layer.weight)
                nn.init.zeros_(layer.bias)
        for layer in (self.projection1, self.projection2):
            nn.init.eye_(layer.weight)
            nn.init.zeros_(layer.bias)
        self.position_gain = nn.Parameter(torch.zeros(1))
        # log of s in s * (d / stride)^2: 0.01 (a patch 4 strides away loses 0.16 of cosine)
        self.locality_log_scale = nn.Parameter(torch.tensor(math.log(0.01))) \
            if locality_prior else None
        self.correlation_fuse = nn.Conv2d(3, 1, 1)
        self.rerank = TopKRerankHead(dim, self.STRIDES, top_k, num_heads, num_points)
        self.head = PointPredictionHead(dim, self.STRIDES, self.PATCH_STRIDE, num_points)
        self.loss_module = MODELS.build(loss)
        h, w = self.input_size
        grid = (h // self.PATCH_STRIDE, w // self.PATCH_STRIDE)
        self.grid = grid
        ys, xs = torch.meshgrid(torch.arange(grid[0]), torch.arange(grid[1]), indexing='ij')
        centres = torch.stack([xs, ys], -1).reshape(-1, 2).float()
        self.register_buffer('centres', (centres + 0.5) * self.PATCH_STRIDE - 0.5,
                             persistent=False)

    @property
    def fine_tuning(self) -> bool:
        """Whether the loss is Eq. 8 (source tracks) rather than Track-On's (dense)."""
        return isinstance(self.loss_module, PseudoLabelTrackLoss)

    # --------------------------------------------------------------------- features
    def _resized(self, frames: torch.Tensor) -> torch.Tensor:
        """``frames`` ``(N, 3, H, W)`` as float at ``input_size`` (unchanged when already
        float at that size, so a caller that resizes once can pass its result on)."""
        x = frames.float()
        if tuple(x.shape[-2:]) != self.input_size:
            x = F.interpolate(x, size=self.input_size, mode='bilinear', align_corners=False)
        return x

    def extract(self, frames: torch.Tensor,
                mdg_inputs: Optional[Dict[str, object]] = None) -> Dict[str, torch.Tensor]:
        """Features of ``frames`` ``(N, 3, H, W)`` uint8 BGR at any size.

        Args:
            frames: the frames.
            mdg_inputs: with the MDG block on, what it compares for each frame
                (:meth:`clip_mdg_inputs` for clips, :meth:`stream_mdg_inputs` for a stream).

        Returns:
            dict: ``sample`` (maps at strides 4, 8, 16, read around points), ``corr``
            (maps at strides 8, 16, 32, correlated with queries), ``tokens`` ``(N, P, D)``
            the stride-8 map with its position code (the decoder's keys and values).
        """
        if self.mdg is not None and mdg_inputs is None:
            raise ValueError('TrackOn with the MDG block needs what it compares for each '
                             'frame: extract(frames, clip_mdg_inputs(clips)) or '
                             'stream_mdg_inputs(frame, ...)')
        x = self._resized(frames)
        rgb = x.flip(1)
        mean = rgb.new_tensor(RGB_MEAN).view(1, 3, 1, 1)
        std = rgb.new_tensor(RGB_STD).view(1, 3, 1, 1)
        maps = self.backbone((rgb - mean) / std)
        if self.neck is not None:
            maps = self.neck(maps)
        if len(maps) != 3:
            raise RuntimeError(f'the backbone returned {len(maps)} maps; TrackOn needs 3 '
                               '(strides 4, 8, 16: out_indices=(0, 1, 2))')
        f4, f8, f16 = (lat(m) for lat, m in zip(self.lateral, maps))
        f8 = self.fuse(f8 + F.avg_pool2d(f4, 2) + F.interpolate(
            f16, size=f8.shape[-2:], mode='bilinear', align_corners=False))
        if self.red_projection is not None:
            red = F.adaptive_avg_pool2d(red_mask_map(x, 'bgr')[:, None], f8.shape[-2:])
            f8 = f8 + self.red_projection(red)
        if self.mdg is not None:
            f8 = self.mdg(f8, mdg_inputs)
        tokens = f8.flatten(2).transpose(1, 2)
        tokens = tokens + sine_position_code(self.centres, self.dim)
        return dict(sample=[f4, f8, f16], corr=[f8, f16, F.avg_pool2d(f16, 2)], tokens=tokens)

    def correlation(self, query: torch.Tensor, maps: List[torch.Tensor],
                    last_xy: torch.Tensor) -> torch.Tensor:
        """Cosine correlation of ``query`` ``(B, K, D)`` with ``maps`` at strides 8, 16, 32,
        fused at stride 8, minus the locality prior around ``last_xy`` ``(B, K, 2)`` →
        ``(B, K, P)``."""
        q = F.normalize(query, dim=-1)
        size = maps[0].shape[-2:]
        levels = []
        for m in maps:
            c = torch.einsum('bkd,bdhw->bkhw', q, F.normalize(m, dim=1))
            levels.append(c if c.shape[-2:] == size else F.interpolate(
                c, size=size, mode='bilinear', align_corners=False))
        b, k = query.shape[:2]
        fused = self.correlation_fuse(torch.stack(levels, 2).flatten(0, 1)).view(b, k, -1)
        if self.locality_log_scale is None:
            return fused
        dist2 = ((self.centres - last_xy[:, :, None]) / self.PATCH_STRIDE).pow(2).sum(-1)
        return fused - self.locality_log_scale.exp() * dist2

    def clip_mdg_inputs(self, frames: torch.Tensor) -> Dict[str, object]:
        """The MDG block's inputs for clips ``(B, T, 3, H, W)`` uint8 BGR at any size, frame 0
        of each the query frame (:meth:`TrackOnMDG.clip_inputs`)."""
        b, t = frames.shape[:2]
        resized = self._resized(frames.flatten(0, 1))
        return self.mdg.clip_inputs(resized.view(b, t, *resized.shape[1:]))

    def stream_mdg_inputs(self, frame: torch.Tensor, previous: Optional[Domains] = None,
                          key: Optional[Domains] = None) -> Tuple[Dict[str, object], Domains]:
        """The MDG block's inputs for one streamed frame ``(1, 3, H, W)`` given the previous
        and the query frame's domains (None for the query frame itself), and this frame's
        domains (the next frame's ``previous``)."""
        (domains, ) = self.mdg.domains(self._resized(frame), previous)
        previous = domains if previous is None else previous
        key = domains if key is None else key
        return self.mdg.stack([domains], [previous], [key], frame.device), domains

    @staticmethod
    def _frame(features: Dict, t: int, batch: int) -> Dict:
        """Frame ``t`` of features extracted for ``batch x T`` frames."""

        def pick(x):
            return x.view(batch, -1, *x.shape[1:])[:, t]
        return dict(sample=[pick(m) for m in features['sample']],
                    corr=[pick(m) for m in features['corr']], tokens=pick(features['tokens']))

    # --------------------------------------------------------------------- tracking
    def init_state(self, features: Dict, points: torch.Tensor,
                   valid: Optional[torch.Tensor] = None) -> TrackState:
        """Start tracking ``points`` ``(B, K, 2)`` (input pixels) from the features of the
        query frame (:meth:`extract` of ``B`` frames)."""
        b, k = points.shape[:2]
        if valid is None:
            valid = torch.ones(b, k, dtype=torch.bool, device=points.device)
        query = sample_points(features['sample'][1], points, self.input_size)
        context = self.context_memory.empty(b, k, self.dim, points.device, query.dtype)
        spatial = self.spatial_memory.empty(b, k, self.dim, points.device, query.dtype)
        spatial = PointMemory.write(spatial, query, valid)
        return TrackState(query, valid, points.clone(), context, spatial)

    def step(self, state: TrackState, features: Dict) -> Tuple[TrackState, Dict]:
        """Track into the next frame (features of ``B`` frames): steps 3–7 of the module
        docstring. Returns the next state and this frame's outputs (input pixels):
        ``points``, ``soft_points``, ``patch_xy``, ``offset`` ``(B, K, 2)``, ``vis_logit``,
        ``unc_logit`` ``(B, K)``, ``corr1``, ``corr2`` ``(B, K, P)``, ``candidates``
        ``(B, K, k, 2)``, ``cand_scores``, ``cand_unc_logit`` ``(B, K, k)``."""
        b, k, dim = state.query.shape
        q = state.query + self.position_gain * sine_position_code(state.last_xy, dim)
        ctx, ctx_masked = self.context_memory.read(state.context)
        spa, spa_masked = self.spatial_memory.read(state.spatial)
        padding = ~state.valid
        for feat_attn, query_attn, mem_attn in zip(self.feature_attention,
                                                   self.query_attention,
                                                   self.memory_attention):
            q = feat_attn(q, features['tokens'])
            q = query_attn(q, key_mask=padding)
            own = q.reshape(b * k, 1, dim)
            memory = torch.cat([ctx.reshape(b * k, -1, dim), spa.reshape(b * k, -1, dim), own],
                               dim=1)
            masked = torch.cat([ctx_masked.reshape(b * k, -1), spa_masked.reshape(b * k, -1),
                                torch.zeros(b * k, 1, dtype=torch.bool, device=q.device)], 1)
            q = mem_attn(own, memory, masked).view(b, k, dim)
        q = self.projection1(q)
        corr1 = self.correlation(q, features['corr'], state.last_xy)
        q, candidates, scores, cand_unc = self.rerank(q, corr1, self.centres,
                                                      features['sample'], self.input_size)
        q = self.projection2(q)
        corr2 = self.correlation(q, features['corr'], state.last_xy)
        patch_xy = self.centres[corr2.detach().argmax(-1)]
        offset, vis_logit, unc_logit, local = self.head(q, patch_xy, features['sample'],
                                                        self.input_size)
        points = patch_xy + offset
        # the soft-argmax over the patch grid, in input pixels (patch j's centre: 8j + 3.5)
        soft_patch = soft_argmax_2d(corr2.view(b, k, *self.grid),
                                    1 / self.soft_argmax_temperature)
        soft_points = soft_patch * self.PATCH_STRIDE + (self.PATCH_STRIDE - 1) / 2 + offset
        keep = (torch.sigmoid(vis_logit.detach()) > self.visibility_thr) & state.valid
        read = sample_points(features['sample'][1], points.detach(), self.input_size)
        state = TrackState(state.query, state.valid, points.detach(),
                           PointMemory.write(state.context, q, keep),
                           PointMemory.write(state.spatial, read, keep))
        out = dict(points=points, soft_points=soft_points, patch_xy=patch_xy, offset=offset,
                   vis_logit=vis_logit, unc_logit=unc_logit, corr1=corr1, corr2=corr2,
                   candidates=candidates, cand_scores=scores, cand_unc_logit=cand_unc)
        return state, out

    def confidence(self, out: Dict) -> Tuple[torch.Tensor, torch.Tensor]:
        """``(visible (B, K) bool, confidence (B, K))`` of a :meth:`step` output."""
        vis = torch.sigmoid(out['vis_logit'])
        return vis > self.visibility_thr, vis * (1 - torch.sigmoid(out['unc_logit']))

    def unroll(self, frames: torch.Tensor, points: torch.Tensor,
               valid: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """Track ``points`` ``(B, K, 2)`` (input pixels, at frame 0) through ``frames``
        ``(B, T, 3, H, W)`` uint8 BGR: every frame's features at once, then :meth:`step`
        frame after frame. Returns the :meth:`step` outputs of frames ``1 .. T-1`` stacked
        on a time axis (``(B, T-1, ...)``)."""
        b, t = frames.shape[:2]
        # resized once here: the resizes in clip_mdg_inputs and extract are then no-ops
        frames = self._resized(frames.flatten(0, 1)).unflatten(0, (b, t))
        mdg_inputs = self.clip_mdg_inputs(frames) if self.mdg is not None else None
        features = self.extract(frames.flatten(0, 1), mdg_inputs)
        state = self.init_state(self._frame(features, 0, b), points, valid)
        outs = []
        for i in range(1, t):
            state, out = self.step(state, self._frame(features, i, b))
            outs.append(out)
        return {key: torch.stack([o[key] for o in outs], 1) for key in outs[0]}

    # --------------------------------------------------------------------- BaseModel
    def _scale(self, frames: torch.Tensor) -> torch.Tensor:
        """Frame pixels → input pixels factors ``(sx, sy)`` for frames ``(..., H, W)``."""
        h, w = frames.shape[-2:]
        return torch.tensor([self.input_size[1] / w, self.input_size[0] / h],
                            dtype=torch.float32, device=frames.device)

    def _targets(self, sample: BleedDataSample, scale: torch.Tensor
                 ) -> Tuple[torch.Tensor, ...]:
        """``(queries (K, 2), gt (T, K, 2), gt_mask (T, K), gt_visible (T, K), is_pseudo
        (K,))`` of one training sample, in the model's input pixels."""
        def field(name: str) -> np.ndarray:  # the frames' pixels (after any pipeline resize)
            return np.asarray(sample.get(name.replace('_points', '_input_points'),
                                         sample.get(name)))

        gt = torch.as_tensor(field('gt_points'), dtype=torch.float32)
        visible = torch.as_tensor(np.asarray(sample.gt_visible), dtype=torch.bool)
        if gt.ndim == 2:  # one source track (TrackingDataset): expert point + pseudo-tracks
            annotated = torch.as_tensor(np.asarray(sample.annotated), dtype=torch.bool)
            mask = annotated & visible & torch.isfinite(gt).all(-1)
            gts, masks, pseudo = [gt], [mask], [False]
            if 'pseudo_points' in sample and len(sample.pseudo_points):
                pp = torch.as_tensor(field('pseudo_points'), dtype=torch.float32)
                pv = torch.as_tensor(np.asarray(sample.pseudo_visible), dtype=torch.bool)
                pm = pv & torch.isfinite(pp).all(-1)
                for i in torch.nonzero(pm[:, 0]).flatten().tolist():
                    gts.append(pp[i])
                    masks.append(pm[i])
                    pseudo.append(True)
            gt, mask = torch.stack(gts, 1), torch.stack(masks, 1)
            visible = mask
            is_pseudo = torch.tensor(pseudo)
        else:  # dense tracks (DenseTrackDataset): (N, T, 2), every frame known
            gt, visible = gt.transpose(0, 1), visible.T
            mask = torch.ones_like(visible)
            is_pseudo = torch.zeros(gt.shape[1], dtype=torch.bool)
        gt = gt * scale
        return gt[0], gt, mask, visible, is_pseudo

    def loss(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
             data_samples: List[BleedDataSample]) -> Dict[str, torch.Tensor]:
        """Track every training sample's queries through its window and score them with
        the configured loss (Track-On's on dense tracks, Eq. 8 on source tracks)."""
        frames = torch.stack(list(inputs)) if isinstance(inputs, (list, tuple)) else inputs
        scale = self._scale(frames).to(frames.device)
        targets = [self._targets(s, scale) for s in data_samples]
        b, t, k = len(targets), frames.shape[1], max(len(x[0]) for x in targets)
        queries = torch.zeros(b, k, 2)
        gt = torch.zeros(b, t, k, 2)
        mask = torch.zeros(b, t, k, dtype=torch.bool)
        visible = torch.zeros(b, t, k, dtype=torch.bool)
        is_pseudo = torch.zeros(b, k, dtype=torch.bool)
        valid = torch.zeros(b, k, dtype=torch.bool)
        for i, (q, g, m, v, p) in enumerate(targets):
            n = len(q)
            queries[i, :n], gt[i, :, :n], mask[i, :, :n], visible[i, :, :n] = q, g, m, v
            is_pseudo[i, :n], valid[i, :n] = p, True
        device = frames.device
        queries, gt, mask, visible, valid, is_pseudo = (
            x.to(device) for x in (queries, gt, mask, visible, valid, is_pseudo))
        out = self.unroll(frames, queries, valid)
        gt, mask, visible = gt[:, 1:], mask[:, 1:] & valid[:, None], visible[:, 1:]
        if self.fine_tuning:
            return self.loss_module(out['soft_points'], gt, mask & visible, is_pseudo,
                                    float(self.PATCH_STRIDE))
        return self.loss_module(out, gt, visible, mask, self.grid, self.PATCH_STRIDE)

    def tracker(self) -> 'BasePointTracker':
        """This model behind the project's tracker interface (``init`` / ``step``), on
        support points (:class:`SupportPointTracker`) and wrapped in :class:`MemoryRefresh`
        when ``test_cfg`` asks for them."""
        from .memory_refresh import MemoryRefresh
        from .support_points import SupportPointTracker
        from .track_on_tracker import TrackOnPointTracker
        tracker = TrackOnPointTracker(self, device=str(self.centres.device))
        support = self.test_cfg.get('support')
        if support:
            tracker = SupportPointTracker(tracker, **support)
        refresh = self.test_cfg.get('refresh')
        return MemoryRefresh(tracker, **refresh) if refresh else tracker

    def forward(self,
                inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List[BleedDataSample]] = None,
                mode: str = 'tensor') -> Union[Dict, List]:
        """``'loss'``; ``'predict'`` runs each clip frame by frame through :meth:`tracker`
        (what is measured is what is deployed) and fills the data samples as
        :class:`OnlinePointTracker` does; ``'tensor'`` returns :meth:`unroll` of the
        samples' query points."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            from .online_point_tracker import OnlinePointTracker
            with torch.no_grad():
                return OnlinePointTracker(self.tracker())(inputs, data_samples, 'predict')
        if mode == 'tensor':
            frames = torch.stack(list(inputs)) if isinstance(inputs, (list, tuple)) else inputs
            scale = self._scale(frames).to(frames.device)
            queries = torch.stack([
                torch.as_tensor(np.asarray(s.get('query_input_point', s.get('query_point'))),
                                dtype=torch.float32).reshape(-1, 2)
                for s in data_samples]).to(frames.device) * scale
            return self.unroll(frames, queries)
        raise RuntimeError(f'Invalid mode "{mode}"')
