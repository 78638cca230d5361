# Copyright (c) mmbleed contributors. All rights reserved.
"""Motion-compensated references for MDG's difference maps (mmbleed's addition to §4.1.1).

MDG compares the frame ``I(t)`` with the previous frame ``I(t-1)`` and with the MDCFM key
frames ``K_m`` (seconds earlier), pixel by pixel in RGB and HSV. Between them the camera
jitters and the tissue moves, so read pixel by pixel every moved edge is a "change" as large
as fresh blood (the paper does not say how it keeps them apart). This class warps each
reference onto ``I(t)`` by dense optical flow before the difference, as the source stage's
:class:`~mmbleed.models.fusion.EvidenceAlignment` does for its evidence frame: then both show
the same tissue at the same pixel and what differs is what really changed.

The flow runs on the grey frames at the model's resolution (``cv2`` DIS, from ``I(t)`` into
the reference, so every pixel of ``I(t)`` finds its reference pixel); where it leaves the
reference, ``I(t)``'s own value is kept (no change). The flow domain is left as it is (it is
motion already). It costs one flow per reference per frame: with 4 key frames and the
previous frame, five DIS flows and warps at 80×68 per frame; measured in training, the 4x
config's step (two clips of 90 frames) takes 2.4 s on 2 cores instead of 1.2 s.

**Chained flows** (``chain_frames > 1``, :meth:`align_frame`). A key frame stays in memory
for tens of frames and is compared with every one of them, so its flow is mostly computed
again from scratch. Instead the flow from ``I(t)`` into a key frame ``K`` can be *chained*
through the flow into the previous frame, which is computed anyway:

    F(t → K)(x) = F(t → t−1)(x) + F(t−1 → K)(x + F(t → t−1)(x))

(bilinear; where ``x + F(t → t−1)(x)`` falls outside ``I(t−1)`` the flow at its border is
taken, the flow being smooth, and where the chained flow leaves the key frame ``I(t)``'s
own value is kept, as for a direct flow). Chains drift and cannot see through an occluder,
so a key's flow is computed directly again once it has been chained ``chain_frames − 1``
times, and whenever the frame or the previous one is unusable (black, saturated). Per frame
that is one DIS flow and ``memory_size / chain_frames`` direct ones instead of
``1 + memory_size``: with ``chain_frames=8`` the 4x config's 832 steps take 18 minutes on 2
cores (docs/onset_detection.md). ``chain_frames=1`` is the direct flow every frame (the
results are those of :meth:`__call__`).
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmbleed.datasets.transforms.optical_flow import (_FlowEstimator, compose_flows,
                                                      warp_by_flow)

#: the domains whose difference maps are compensated (flow is motion itself)
ALIGNED_DOMAINS = ('rgb', 'hsv')


class ReferenceAlignment:
    """Warp a reference frame's RGB and HSV domains onto the current frame.

    Args:
        dis_preset (str): OpenCV DIS preset of the flow. Defaults to ``'medium'``.
        finest_scale (int, optional): pyramid level where DIS stops refining (0 = the
            model's resolution); None keeps the preset's. Defaults to None.
        domains (Sequence[str]): the domains warped. Defaults to ``('rgb', 'hsv')``.
        chain_frames (int): in :meth:`align_frame`, a key frame's flow is computed directly
            every ``chain_frames`` frames and chained through the previous frame's flow in
            between; 1 computes every flow directly. Defaults to 1.
    """

    def __init__(self,
                 dis_preset: str = 'medium',
                 finest_scale: Optional[int] = None,
                 domains: Sequence[str] = ALIGNED_DOMAINS,
                 chain_frames: int = 1) -> None:
        unknown = set(domains) - set(ALIGNED_DOMAINS)
        if unknown:
            raise ValueError(f'ReferenceAlignment warps the domains {ALIGNED_DOMAINS}, got '
                             f'{sorted(unknown)}')
        if int(chain_frames) != chain_frames or chain_frames < 1:
            raise ValueError(f'chain_frames must be a whole number >= 1 (1 = every flow '
                             f'computed directly), got {chain_frames}')
        self.flow = _FlowEstimator('dis', dis_preset, dis_finest_scale=finest_scale)
        self.domains = tuple(domains)
        self.chain_frames = int(chain_frames)

    def __call__(self, current: Dict[str, np.ndarray],
                 reference: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        """The reference's domains in the current frame's pixels.

        Args:
            current: the current frame's domains (:class:`FrameDomains`, channels first, with
                its ``(H, W)`` uint8 ``gray``).
            reference: the reference frame's, the same way.

        Returns:
            dict: ``reference`` with each of ``domains`` warped (float32, channels first);
            the other domains as they were.
        """
        _check_one_stream(current, reference)
        flow = self.flow(current['gray'], reference['gray'])
        return self._warp(self._stacked(current), reference, flow)

    def _stacked(self, domains: Dict[str, np.ndarray]) -> np.ndarray:
        """``domains`` as one ``(H, W, C)`` image, channels in the order of ``domains``."""
        return np.concatenate([domains[d] for d in self.domains]).transpose(1, 2, 0)

    def _warp(self, current: np.ndarray, reference: Dict[str, np.ndarray],
              flow: np.ndarray) -> Dict[str, np.ndarray]:
        """``reference`` warped by ``flow`` ``(H, W, 2)``, all of ``domains`` in one
        :func:`warp_by_flow` call; ``current`` (the frame's :meth:`_stacked` domains) where
        the flow leaves the frame."""
        warped = warp_by_flow(self._stacked(reference), flow, current).transpose(2, 0, 1)
        out, start = dict(reference), 0
        for d in self.domains:
            out[d] = np.ascontiguousarray(warped[start:start + len(reference[d])])
            start += len(reference[d])
        return out

    def align_frame(
        self, chains: Dict[int, Tuple[np.ndarray, int]], frame: int,
        current: Dict[str, np.ndarray], previous: Optional[Dict[str, np.ndarray]],
        keys: Sequence[Tuple[int, Dict[str, np.ndarray]]]
    ) -> Tuple[Dict[str, np.ndarray], List[Dict[str, np.ndarray]]]:
        """MDG's references of frame ``frame``, warped onto it, with chained flows.

        Call it on every frame of a stream in order (offline and streaming alike, so both
        give the same numbers).

        Args:
            chains: the stream's chained flows, ``key frame → (flow, times chained)``;
                start a stream with ``{}``; updated in place.
            frame: the frame's index in the stream.
            current: the frame's domains (:class:`FrameDomains`, with ``gray`` and
                ``unusable``).
            previous: the previous frame's, None for a stream's first frame (then the frame
                is its own previous reference).
            keys: the key frames it is compared with, ``(index, domains)``, oldest first.

        Returns:
            tuple: the previous frame aligned and the key frames aligned, in order.
        """
        for reference in ([] if previous is None else [previous]) + [k for _, k in keys]:
            _check_one_stream(current, reference)
        stacked = self._stacked(current)
        if previous is None:
            step, prev_out = None, current
        else:
            step = self.flow(current['gray'], previous['gray'])
            prev_out = self._warp(stacked, previous, step)
        can_chain = (step is not None and not current.get('unusable', False)
                     and not previous.get('unusable', False))
        out, updated = [], {}
        for index, reference in keys:
            old = chains.get(index)
            if index == frame - 1 and step is not None:
                flow, chained = step, 0
            elif (can_chain and old is not None and old[1] + 1 < self.chain_frames):
                flow, chained = compose_flows(step, old[0]), old[1] + 1
            else:
                flow, chained = self.flow(current['gray'], reference['gray']), 0
            updated[index] = (flow, chained)
            out.append(self._warp(stacked, reference, flow))
        chains.clear()
        chains.update(updated)
        return prev_out, out


def _check_one_stream(current: Dict[str, np.ndarray], reference: Dict[str, np.ndarray]) -> None:
    if current['gray'].shape != reference['gray'].shape:
        raise ValueError(f"the reference frame is {reference['gray'].shape[::-1]} but the "
                         f"frame is {current['gray'].shape[::-1]}: they must be one stream")
