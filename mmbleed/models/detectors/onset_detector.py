# Copyright (c) mmbleed contributors. All rights reserved.
"""BleedOrigin-Detect's temporal stage: the bleeding-onset detector (§4.1.1, Eq. 1, 2, 4).

Per frame: its RGB, HSV and flow domains (:class:`FrameDomains`), MDCFM's colour/motion
confidences and key-frame memory (Eq. 1), and MDG's feature from the differences with the
previous frame and the key frames. mmbleed adds two read-outs for deep supervision (they make
the frame features learn blood within a CPU training budget; the paper trains with Eq. 4
only): a 1×1-conv *blood map* on MDG's fused map, supervised per cell with "this cell holds
the bleeding's blood" (its share of the cell above ``blood_cell_thr``) where the data has
blood masks (the synthetic generator's; real clips have none and skip it), and a linear
*bleeding-state* read-out ("bleeding has begun by this frame", supervised with
``t ≥ onset``, available for any annotated clip; ``state_loss=None`` switches it off, an
ablation). The map is summarised per frame as its *blood evidence*, the largest cell
probability and ``log(1 + Σ probabilities)`` (how much blood, whose growth over the window
dates the onset). The two confidences, the blood evidence and the state probability are
appended to the MDG feature that the temporal head reads. With ``reference_alignment``
(mmbleed's addition) MDG's references, the previous frame and the key frames, are first
warped onto the frame by optical flow (:class:`ReferenceAlignment`), so that camera and
tissue motion do not count as change. Per window of ``N`` frames: the
temporal head's ``(θ, confidence)``. Per clip (Eq. 2): the onset is the earliest
``t + ⌊θN⌋`` over windows ``[t, t + N)`` with confidence ``> conf_thr``.

Everything per frame is computed once and shared by the ``N`` windows that contain the
frame, offline (a whole clip, :meth:`predict`) and in streaming (:meth:`init`, then
:meth:`step` per frame, :meth:`finish` at the end); both run the same per-frame code and the
same memory, so they name the same onset.

**Streaming and the alert.** After frame ``t`` (``t ≥ N − 1``) the window ``[t − N + 1, t]``
is complete and is scored. The alert is raised at the first frame whose window is
confident, with the onset Eq. 2 names over the windows seen so far. Later windows can still
name an earlier frame (a window starting before the onset that only became confident once
more of the bleeding was in view), so the onset is revised (only ever earlier) until it is
*final*: no window still to come can start at or before it (frame ``onset + N − 1``). The
final onset equals the offline one. The *alert delay* a surgeon waits is the alert frame
minus the true onset.
"""
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple, Union

import cv2
import numpy as np
import torch
from mmengine.model import BaseModel
from torch import nn
from torch.nn import functional as F

from mmbleed.evaluation.functional import (earliest_onset_from_windows,
                                           first_alert_from_windows, window_onset)
from mmbleed.registry import MODELS
from mmbleed.structures import BleedDataSample
from ..memory.frame_domains import DOMAINS, FrameDomains
from ..memory.mdcfm import select_key_frames, update_memory
from ..memory.reference_alignment import ReferenceAlignment

#: per-frame summary of the blood map: its largest cell probability and log(1 + their sum)
BLOOD_EVIDENCE = 2

_INTERPOLATION = dict(bilinear=cv2.INTER_LINEAR, area=cv2.INTER_AREA,
                      nearest=cv2.INTER_NEAREST, bicubic=cv2.INTER_CUBIC)


def _to_tensors(domains: Dict[str, np.ndarray], device: torch.device) -> Dict[str, torch.Tensor]:
    """One frame's domains as ``(1, C, H, W)`` tensors on ``device``."""
    return {d: torch.from_numpy(domains[d]).unsqueeze(0).to(device) for d in DOMAINS}


@dataclass
class OnsetStreamStatus:
    """What the streaming detector knows after a frame.

    Attributes:
        frame: index of the frame just processed (0-based, from :meth:`init`).
        alert: the alert is up (it stays up once raised).
        new_alert: the alert was raised at this frame.
        onset: the onset frame Eq. 2 names so far, or None.
        onset_final: no later window can change ``onset``.
        window_confidence: confidence of the window ending at this frame (None before
            ``N`` frames).
        color_change, motion_change: MDCFM's confidences of this frame.
        key_frames: the memory's key frames after this frame.
        unusable: this frame is all black or saturated.
    """
    frame: int
    alert: bool = False
    new_alert: bool = False
    onset: Optional[int] = None
    onset_final: bool = False
    window_confidence: Optional[float] = None
    color_change: float = 0.0
    motion_change: float = 0.0
    key_frames: List[int] = field(default_factory=list)
    unusable: bool = False


@MODELS.register_module()
class BleedOnsetDetector(BaseModel):
    """MDCFM + MDG + temporal head, trained with Eq. 4 (BleedOrigin §4.1.1).

    Inputs: per clip a ``(T, 3, H, W)`` uint8 BGR tensor at the model's ``input_size`` (the
    pipeline's ``Resize``), from ``OnsetDataset(clip_mode=True)``. In training a clip is a
    segment of ``T ≥ N`` frames; all its ``T − N + 1`` windows are scored.

    Args:
        mdcfm (dict): the :class:`MDCFM` (confidences and memory).
        mdg (dict): the :class:`MDG` (frame features).
        head (dict): the :class:`TemporalOnsetHead`; its ``in_channels`` is set here to
            ``mdg.out_channels + 5`` (the MDG feature, two confidences, the blood
            evidence, the state).
        loss (dict): Eq. 4, :class:`OnsetLoss`.
        confidence_loss (dict, optional): auxiliary supervision of MDCFM's confidences
            (:class:`MaskedBCELoss` on ``gt_frame_changes``); None trains them only through
            the onset loss.
        state_loss (dict, optional): supervision of the bleeding-state read-out
            (:class:`MaskedBCELoss` on ``t ≥ onset``); None leaves the read-out to the
            onset loss.
        blood_loss (dict, optional): supervision of the blood map (:class:`MaskedBCELoss`,
            best with a ``pos_weight``: the bleeding's blood is in few cells) on
            ``gt_blood_masks`` pooled to the map's cells; None switches it off.
        blood_cell_thr (float): a map cell is "blood" when the bleeding's blood covers more
            than this share of it. Defaults to 0.01 (about 10 pixels of a 320×272 frame in a
            cell of the CPU config).
        frame_domains (dict): arguments of :class:`FrameDomains` (flow method, scale,
            unusable-frame levels).
        reference_alignment (dict, optional): arguments of :class:`ReferenceAlignment`:
            MDG compares the frame with its previous frame and its key frames each warped
            onto it by optical flow, so that camera and tissue motion are not read as
            change (MDCFM's confidences still read the frames as they are: motion is what
            their motion branch measures). None (default) compares them pixel by pixel.
        window (int): ``N``. Defaults to 60.
        conf_thr (float): window confidence threshold of Eq. 2. Defaults to 0.5.
        input_size (tuple): ``(w, h)`` the model runs at; streaming resizes frames to it
            with ``interpolation`` (the test pipeline's ``Resize`` must do the same).
        interpolation (str): ``'area'`` (default) or ``'bilinear'``, ``'bicubic'``,
            ``'nearest'``.
        frame_chunk (int): frames per MDG batch (bounds memory on long clips). Defaults
            to 64.
        data_preprocessor (dict, optional): defaults to MMEngine's
            ``BaseDataPreprocessor`` (moves data to the device; frames stay uint8).
    """

    def __init__(self,
                 mdcfm: dict,
                 mdg: dict,
                 head: dict,
                 loss: dict = dict(type='OnsetLoss'),
                 confidence_loss: Optional[dict] = dict(type='MaskedBCELoss', loss_weight=0.5),
                 state_loss: Optional[dict] = dict(type='MaskedBCELoss', loss_weight=1.0),
                 blood_loss: Optional[dict] = dict(
                     type='MaskedBCELoss', loss_weight=1.0, pos_weight=10.0),
                 blood_cell_thr: float = 0.01,
                 frame_domains: Optional[dict] = None,
                 reference_alignment: Optional[dict] = None,
                 window: int = 60,
                 conf_thr: float = 0.5,
                 input_size: Tuple[int, int] = (80, 68),
                 interpolation: str = 'area',
                 frame_chunk: int = 64,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if interpolation not in _INTERPOLATION:
            raise ValueError(f'interpolation must be one of {sorted(_INTERPOLATION)}, got '
                             f'{interpolation!r}')
        self.mdcfm = MODELS.build(mdcfm)
        self.mdg = MODELS.build(mdg)
        self.state_fc = nn.Linear(self.mdg.out_channels + BLOOD_EVIDENCE, 1)
        self.blood_conv = nn.Conv2d(self.mdg.map_channels, 1, 1)
        self.blood_cell_thr = float(blood_cell_thr)
        self.head = MODELS.build(
            dict(head, in_channels=self.mdg.out_channels + 3 + BLOOD_EVIDENCE))
        if self.head.window != window:
            raise ValueError(f'head.window={self.head.window} differs from window={window}')
        self.loss_module = MODELS.build(loss)
        self.confidence_loss = (None if confidence_loss is None else
                                MODELS.build(confidence_loss))
        self.state_loss = None if state_loss is None else MODELS.build(state_loss)
        self.blood_loss = None if blood_loss is None else MODELS.build(blood_loss)
        uses_flow = 'flow' in self.mdcfm.domains or 'flow' in self.mdg.domains
        self.domains = FrameDomains(**dict(frame_domains or {}, compute_flow=uses_flow))
        self.reference_alignment = (None if reference_alignment is None else
                                    ReferenceAlignment(**reference_alignment))
        self.window = window
        self.conf_thr = conf_thr
        self.input_size = (int(input_size[0]), int(input_size[1]))
        self.interpolation = interpolation
        self.frame_chunk = frame_chunk
        self._stream = None

    # ------------------------------------------------------------------ per frame
    def _domains_of_clip(
        self, frames: torch.Tensor
    ) -> Tuple[Dict[str, torch.Tensor], List[bool], List[Dict[str, np.ndarray]]]:
        """Domains ``(T, C, H, W)`` of a ``(T, 3, H, W)`` uint8 clip, unusable flags, and
        each frame's domains as :class:`FrameDomains` gives them (with its grey frame)."""
        if frames.ndim != 4 or frames.shape[1] != 3 or frames.dtype != torch.uint8:
            raise ValueError(f'a clip must be a (T, 3, H, W) uint8 tensor, got '
                             f'{tuple(frames.shape)} {frames.dtype}')
        if frames.shape[0] == 0:
            raise ValueError('an empty clip (0 frames) has no onset to find')
        h, w = frames.shape[-2:]
        if (w, h) != self.input_size:
            raise ValueError(f'frames are {w}x{h} but the detector runs at '
                             f'{self.input_size[0]}x{self.input_size[1]}: the pipeline\'s '
                             f'Resize scale must equal the model\'s input_size')
        arrays = frames.permute(0, 2, 3, 1).cpu().numpy()
        per_frame = self.domains.sequence(arrays)
        unusable = [doms['unusable'] for doms in per_frame]
        device = self._device()
        stacked = {
            d: torch.from_numpy(np.stack([doms[d] for doms in per_frame])).to(device)
            for d in DOMAINS
        }
        return stacked, unusable, per_frame

    def _stack_references(self, per_frame: List[Dict[str, np.ndarray]],
                          keys: List[List[int]]) -> Tuple[Dict[str, torch.Tensor],
                                                          Dict[str, torch.Tensor]]:
        """Every frame's aligned previous frame ``(T, C, H, W)`` and key frames
        ``(T, M, C, H, W)`` per domain (empty slots hold the frame itself; masked)."""
        m = max(self.mdcfm.memory_size, 1)
        previous: Dict[str, list] = {d: [] for d in DOMAINS}
        memory: Dict[str, list] = {d: [] for d in DOMAINS}
        chains: dict = {}
        for i, current in enumerate(per_frame):
            prev, refs = self.reference_alignment.align_frame(
                chains, i, current, per_frame[i - 1] if i else None,
                [(k, per_frame[k]) for k in keys[i]])
            refs = (refs + [current] * m)[:m]
            for d in DOMAINS:
                previous[d].append(prev[d])
                memory[d].append(np.stack([r[d] for r in refs]))
        device = self._device()
        return ({d: torch.from_numpy(np.stack(v)).to(device) for d, v in previous.items()},
                {d: torch.from_numpy(np.stack(v)).to(device) for d, v in memory.items()})

    def _device(self) -> torch.device:
        return next(self.parameters()).device

    def _frame_feature(self, logits: torch.Tensor, mdg_feat: torch.Tensor,
                       fused: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The head's per-frame input, the bleeding-state logit ``(T,)`` and the blood map's
        logits ``(T, h, w)``, from MDCFM's logits, MDG's feature and its fused map."""
        blood_logits = self.blood_conv(fused)[:, 0]
        prob = blood_logits.sigmoid().flatten(1)
        evidence = torch.stack([prob.amax(1), torch.log1p(prob.sum(1))], dim=1)
        x = torch.cat([mdg_feat, evidence], dim=1)
        state = self.state_fc(x)
        return (torch.cat([x, logits.sigmoid(), state.sigmoid()], dim=1), state[:, 0],
                blood_logits)

    def extract_frame_features(self, frames: torch.Tensor) -> Dict[str, object]:
        """Run MDCFM, the memory and MDG over a clip, once per frame.

        Returns:
            dict: ``feats`` ``(T, F)`` (MDG feature, blood evidence, the two confidences,
            the state),
            ``conf_logits`` ``(T, 2)``, ``state_logits`` ``(T,)``, ``blood_logits``
            ``(T, h, w)``, ``key_frames`` (per frame, the key frames it was compared with)
            and ``unusable`` (per frame).
        """
        doms, unusable, per_frame = self._domains_of_clip(frames)
        t = frames.shape[0]
        prev_idx = torch.clamp(torch.arange(t, device=doms['rgb'].device) - 1, min=0)
        previous = {d: v[prev_idx] for d, v in doms.items()}
        conf_logits = torch.cat([
            self.mdcfm({d: v[s:s + self.frame_chunk] for d, v in doms.items()},
                       {d: v[s:s + self.frame_chunk] for d, v in previous.items()})
            for s in range(0, t, self.frame_chunk)
        ])
        confs = conf_logits.detach().sigmoid().cpu().tolist()
        keys = select_key_frames(self.mdcfm.new_memory(), confs, unusable)
        m = max(self.mdcfm.memory_size, 1)
        index = torch.zeros(t, m, dtype=torch.long)
        mask = torch.zeros(t, m, dtype=torch.bool)
        for i, k in enumerate(keys):
            index[i, :len(k)] = torch.tensor(k, dtype=torch.long)
            mask[i, :len(k)] = True
        index, mask = index.to(prev_idx.device), mask.to(prev_idx.device)
        aligned = (None if self.reference_alignment is None else
                   self._stack_references(per_frame, keys))
        feats, maps = [], []
        for s in range(0, t, self.frame_chunk):
            sl = slice(s, s + self.frame_chunk)
            if aligned is None:
                prev = {d: v[sl] for d, v in previous.items()}
                memory = {d: v[index[sl]] for d, v in doms.items()}
            else:
                prev = {d: v[sl] for d, v in aligned[0].items()}
                memory = {d: v[sl] for d, v in aligned[1].items()}
            feat, fused = self.mdg({d: v[sl] for d, v in doms.items()}, prev, memory, mask[sl])
            feats.append(feat)
            maps.append(fused)
        feats, state_logits, blood_logits = self._frame_feature(
            conf_logits, torch.cat(feats), torch.cat(maps))
        return dict(feats=feats, conf_logits=conf_logits, state_logits=state_logits,
                    blood_logits=blood_logits, key_frames=keys, unusable=unusable)

    # ------------------------------------------------------------------ per window
    def score_windows(self, feats: torch.Tensor) -> Dict[str, torch.Tensor]:
        """All windows of a clip at stride 1 (Eq. 2).

        A clip shorter than ``N`` gives one window, its missing frames masked out.

        Returns:
            dict: ``starts`` ``(W,)``, ``valid_lens`` ``(W,)``, ``theta_logits`` and
            ``conf_logits`` ``(W,)``.
        """
        t, n = feats.shape[0], self.window
        if t == 0:
            raise ValueError('an empty clip has no windows')
        if t >= n:
            windows = feats.unfold(0, n, 1).permute(0, 2, 1)  # W, N, F
            padding = None
            starts = torch.arange(t - n + 1)
            valid = torch.full((t - n + 1, ), n)
        else:
            windows = torch.cat([feats, feats.new_zeros(n - t, feats.shape[1])]).unsqueeze(0)
            padding = torch.arange(n, device=feats.device).unsqueeze(0) >= t
            starts = torch.zeros(1, dtype=torch.long)
            valid = torch.full((1, ), t)
        thetas, confs = [], []
        chunk = 256
        for s in range(0, windows.shape[0], chunk):
            pad = None if padding is None else padding[s:s + chunk]
            theta, conf = self.head(windows[s:s + chunk], pad)
            thetas.append(theta)
            confs.append(conf)
        return dict(starts=starts, valid_lens=valid, theta_logits=torch.cat(thetas),
                    conf_logits=torch.cat(confs))

    # ------------------------------------------------------------------ runner API
    def forward(self,
                inputs: Union[torch.Tensor, List[torch.Tensor]],
                data_samples: Optional[List[BleedDataSample]] = None,
                mode: str = 'tensor'):
        clips = list(inputs) if not isinstance(inputs, torch.Tensor) or inputs.ndim == 5 \
            else [inputs]
        if mode == 'loss':
            return self.loss(clips, data_samples)
        if mode == 'predict':
            return self.predict(clips, data_samples)
        if mode == 'tensor':
            return [self.score_windows(self.extract_frame_features(c)['feats']) for c in clips]
        raise RuntimeError(f'Invalid mode "{mode}"')

    def loss(self, clips: List[torch.Tensor],
             data_samples: List[BleedDataSample]) -> Dict[str, torch.Tensor]:
        """Eq. 4 over every window of every clip segment, plus the per-frame losses."""
        thetas, confs, has_onset, gt_theta, valid_lens = [], [], [], [], []
        conf_logits, conf_targets, state_logits, state_targets = [], [], [], []
        blood_logits, blood_targets = [], []
        for clip, sample in zip(clips, data_samples):
            out = self.extract_frame_features(clip)
            windows = self.score_windows(out['feats'])
            start = int(sample.metainfo.get('window_start', 0))
            onset = int(sample.gt_onset) - start if int(sample.gt_onset) >= 0 else -1
            starts, valid = windows['starts'], windows['valid_lens']
            inside = (onset >= starts) & (onset < starts + valid) if onset >= 0 else \
                torch.zeros_like(starts, dtype=torch.bool)
            thetas.append(windows['theta_logits'])
            confs.append(windows['conf_logits'])
            has_onset.append(inside.to(clip.device))
            gt_theta.append(((onset - starts).float() / self.window).to(clip.device))
            valid_lens.append(valid.to(clip.device))
            frames = torch.arange(clip.shape[0], dtype=torch.float32)
            state_logits.append(out['state_logits'])
            state_targets.append((frames >= onset).float() if onset >= 0 else
                                 torch.zeros_like(frames))
            masks = sample.get('gt_blood_masks', None)
            if self.blood_loss is not None and masks is not None:
                logits = out['blood_logits']
                masks = torch.as_tensor(np.asarray(masks), dtype=torch.float32)
                blood_logits.append(logits)
                share = F.adaptive_avg_pool2d(masks, logits.shape[-2:])[:, 0]
                blood_targets.append((share > self.blood_cell_thr).float())
            if self.confidence_loss is not None:
                target = sample.get('gt_frame_changes', None)
                if target is not None:
                    conf_logits.append(out['conf_logits'])
                    conf_targets.append(torch.as_tensor(np.asarray(target),
                                                         dtype=torch.float32))
        losses = self.loss_module(torch.cat(thetas), torch.cat(confs), torch.cat(has_onset),
                                  torch.cat(gt_theta), torch.cat(valid_lens))
        if self.confidence_loss is not None and conf_logits:
            losses['loss_memory_conf'] = self.confidence_loss(
                torch.cat(conf_logits), torch.cat(conf_targets).to(conf_logits[0].device))
        if blood_logits:
            losses['loss_blood_map'] = self.blood_loss(
                torch.cat(blood_logits), torch.cat(blood_targets).to(blood_logits[0].device))
        elif self.blood_loss is not None:  # no masks in this batch: keep DDP's graph whole
            losses['loss_blood_map'] = self.blood_conv.weight.sum() * 0.0
        if self.state_loss is not None:
            losses['loss_bleeding_state'] = self.state_loss(
                torch.cat(state_logits), torch.cat(state_targets).to(state_logits[0].device))
        return losses

    def window_outputs(self, feats: torch.Tensor, first_frame: int = 0) -> Dict[str, list]:
        """Every window of a clip's frame features ``(T, F)``, as Eq. 2 reads them:
        ``starts`` (absolute frames: the clip begins at ``first_frame``), ``valid`` (real
        frames per window), ``thetas`` and ``confs`` (after the sigmoid), one value per
        window each."""
        windows = self.score_windows(feats)
        return dict(starts=(windows['starts'] + first_frame).tolist(),
                    valid=windows['valid_lens'].tolist(),
                    thetas=windows['theta_logits'].sigmoid().tolist(),
                    confs=windows['conf_logits'].sigmoid().tolist())

    def predict(self, clips: List[torch.Tensor],
                data_samples: List[BleedDataSample]) -> List[BleedDataSample]:
        """Onset, alert frame and window outputs of each clip, in absolute frames."""
        for clip, sample in zip(clips, data_samples):
            out = self.extract_frame_features(clip)
            windows = self.window_outputs(out['feats'],
                                          int(sample.metainfo.get('window_start', 0)))
            starts, valid = windows['starts'], windows['valid']
            thetas, confs = windows['thetas'], windows['confs']
            onset = earliest_onset_from_windows(starts, thetas, confs, self.window,
                                                self.conf_thr, valid)
            alert = first_alert_from_windows(starts, confs, self.conf_thr, valid, self.window)
            sample.pred_onset = -1 if onset is None else onset
            sample.pred_alert_frame = -1 if alert is None else alert
            sample.pred_score = max(confs)  # the most confident window's confidence
            sample.pred_window_confidence = np.asarray(confs, dtype=np.float32)
            sample.pred_window_theta = np.asarray(thetas, dtype=np.float32)
            sample.pred_frame_changes = out['conf_logits'].sigmoid().cpu().numpy()
            sample.pred_bleeding_state = out['state_logits'].sigmoid().cpu().numpy()
            sample.num_unusable_frames = int(sum(out['unusable']))
        return data_samples

    # ------------------------------------------------------------------ streaming
    def init(self) -> None:
        """Start a new stream: empty memory, empty ring buffer, no alert."""
        self.eval()
        self._stream = dict(
            frame=-1, shape=None, prev=None, prev_unusable=False,
            memory=self.mdcfm.new_memory(), chains={}, feats=deque(maxlen=self.window),
            onset=None, alert=None, score=0.0)

    def _prepare(self, frame: np.ndarray) -> np.ndarray:
        frame = np.asarray(frame)
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f'frame {self._stream["frame"] + 1}: expected an (H, W, 3) '
                             f'uint8 BGR image, got {frame.shape} {frame.dtype}')
        shape = frame.shape[:2]
        if self._stream['shape'] is None:
            self._stream['shape'] = shape
        elif shape != self._stream['shape']:
            first = self._stream['shape']
            raise ValueError(f'frame {self._stream["frame"] + 1} is {shape[1]}x{shape[0]} '
                             f'but the stream started at {first[1]}x{first[0]}; call init() '
                             f'to start a new stream')
        if (shape[1], shape[0]) != self.input_size:
            frame = cv2.resize(frame, self.input_size,
                               interpolation=_INTERPOLATION[self.interpolation])
        return frame

    @torch.no_grad()
    def step(self, frame: np.ndarray) -> OnsetStreamStatus:
        """Process the next frame, ``(H, W, 3)`` BGR uint8 at any resolution (resized to
        ``input_size`` here, as the test pipeline does)."""
        if self._stream is None:
            raise RuntimeError('call init() before step()')
        st = self._stream
        frame = self._prepare(frame)
        t = st['frame'] + 1
        doms = self.domains(frame, None if st['prev'] is None else st['prev']['domains']['gray'])
        device = self._device()
        current = _to_tensors(doms, device)
        previous = current if st['prev'] is None else st['prev']['tensors']
        logits = self.mdcfm(current, previous)
        memory = st['memory']
        m = max(self.mdcfm.memory_size, 1)
        mask = torch.zeros(1, m, dtype=torch.bool, device=device)
        mask[0, :len(memory.frames)] = True
        if self.reference_alignment is None:
            mdg_previous = previous
            refs = [p['tensors'] for p in memory.payloads]
        else:
            prev, keys = self.reference_alignment.align_frame(
                st['chains'], t, doms, None if st['prev'] is None else st['prev']['domains'],
                [(k, p['domains']) for k, p in zip(memory.frames, memory.payloads)])
            mdg_previous = _to_tensors(prev, device)
            refs = [_to_tensors(k, device) for k in keys]
        mem = {}
        for d in DOMAINS:
            slots = [r[d] for r in refs] + [current[d]] * (m - len(refs))
            mem[d] = torch.stack(slots[:m], dim=1)
        feat, _, _ = self._frame_feature(logits, *self.mdg(current, mdg_previous, mem, mask))
        conf = logits.sigmoid()[0].tolist()
        unusable = {t: doms['unusable'], t - 1: st['prev_unusable']}
        payload = (dict(tensors=current, domains=doms) if t == 0 else
                   dict(tensors=previous, domains=st['prev']['domains']))
        update_memory(memory, t, conf, unusable, payload)
        st['feats'].append(feat[0])
        st.update(frame=t, prev=dict(tensors=current, domains=doms),
                  prev_unusable=doms['unusable'])
        status = OnsetStreamStatus(frame=t, color_change=conf[0], motion_change=conf[1],
                                   unusable=doms['unusable'])
        if len(st['feats']) == self.window:
            windows = self.score_windows(torch.stack(list(st['feats'])))
            start = t - self.window + 1
            status.window_confidence = float(windows['conf_logits'].sigmoid()[0])
            self._consider(start, float(windows['theta_logits'].sigmoid()[0]),
                           status.window_confidence, self.window, status)
        return self._fill(status, next_start=t - self.window + 2)

    def _consider(self, start: int, theta: float, conf: float, valid: int,
                  status: OnsetStreamStatus) -> None:
        st = self._stream
        if not conf > self.conf_thr:
            return
        if st['alert'] is None:
            st['alert'] = st['frame']
            status.new_alert = True
        candidate = window_onset(start, theta, valid, self.window)
        if st['onset'] is None or candidate < st['onset']:
            st['onset'], st['score'] = candidate, conf

    def _fill(self, status: OnsetStreamStatus, next_start: int) -> OnsetStreamStatus:
        st = self._stream
        status.alert = st['alert'] is not None
        status.onset = st['onset']
        status.onset_final = st['onset'] is not None and next_start > st['onset']
        status.key_frames = list(st['memory'].frames)
        return status

    @torch.no_grad()
    def finish(self) -> OnsetStreamStatus:
        """End the stream. A stream shorter than ``N`` frames is scored as one window with
        its missing frames masked out (as offline); a longer one has had every window
        scored already. The returned onset is final (None: no bleeding found)."""
        if self._stream is None:
            raise RuntimeError('call init() before finish()')
        st = self._stream
        status = OnsetStreamStatus(frame=st['frame'])
        n_seen = len(st['feats'])
        if 0 < n_seen < self.window:
            windows = self.score_windows(torch.stack(list(st['feats'])))
            status.window_confidence = float(windows['conf_logits'].sigmoid()[0])
            self._consider(0, float(windows['theta_logits'].sigmoid()[0]),
                           status.window_confidence, n_seen, status)
        status = self._fill(status, next_start=math.inf)
        status.onset_final = True  # no window is still to come, also when none fired
        return status

    @property
    def stream_alert_frame(self) -> Optional[int]:
        """Frame at which the current stream's alert was raised (None: not yet)."""
        return None if self._stream is None else self._stream['alert']
