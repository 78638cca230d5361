# Copyright (c) mmbleed contributors. All rights reserved.
"""The Track-On-style tracker behind the project's ``init`` / ``step`` interface (§4.3).

:class:`TrackOnPointTracker` is how :class:`TrackOn` is deployed and evaluated: frames
arrive one at a time as ``(H, W, 3)`` uint8 BGR at their own size, points go in and come out
in those frames' pixels; the resize to the model's ``input_size`` happens here and only
here. Each ``step`` extracts the frame's features once and runs :meth:`TrackOn.step`, the
same function training unrolls, with the state (query, memories) kept between calls; with
the MDG block on, the previous and the query frame's domains are kept too.
"""
from typing import Dict, Optional

import numpy as np
import torch

from .base_tracker import BasePointTracker, TrackStep


class TrackOnPointTracker(BasePointTracker):
    """Run a trained :class:`TrackOn` online (build one from a config and checkpoint with
    :func:`build_point_tracker`, or with ``TrackOn.tracker()``).

    Args:
        model (TrackOn): the model (put in eval mode here).
        device (str): where it runs. Defaults to ``'cpu'``.
        black_level (int): see :class:`BasePointTracker`. Defaults to 16.
    """

    def __init__(self, model: torch.nn.Module, device: str = 'cpu',
                 black_level: int = 16) -> None:
        super().__init__(black_level=black_level)
        self.model = model.to(device).eval()
        self.device = torch.device(device)
        self._state = None
        self._scale = None
        self._previous = None  # MDG block: the previous and the query frame's domains
        self._key = None

    def _tensor(self, frame: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(frame)).permute(2, 0, 1)[None].to(
            self.device)

    def _mdg_inputs(self, x: torch.Tensor, query_frame: bool) -> Optional[Dict[str, object]]:
        """The MDG block's inputs for frame ``x`` (None when the model has no MDG block)."""
        if self.model.mdg is None:
            return None
        if query_frame:
            self._previous = self._key = None
        inputs, domains = self.model.stream_mdg_inputs(x, self._previous, self._key)
        self._previous = domains
        if query_frame:
            self._key = domains
        return inputs

    @torch.no_grad()
    def _init(self, frame: np.ndarray, points: np.ndarray) -> None:
        x = self._tensor(frame)
        self._scale = self.model._scale(x).cpu().numpy().astype(np.float64)
        x = self.model._resized(x)  # once: the MDG inputs and the features share it
        query = torch.from_numpy(points * self._scale).float()[None].to(self.device)
        self._state = self.model.init_state(self.model.extract(x, self._mdg_inputs(x, True)),
                                            query)

    @torch.no_grad()
    def _step(self, frame: np.ndarray) -> TrackStep:
        x = self.model._resized(self._tensor(frame))
        self._state, out = self.model.step(self._state,
                                           self.model.extract(x, self._mdg_inputs(x, False)))
        visible, confidence = self.model.confidence(out)
        return TrackStep(out['points'][0].cpu().numpy().astype(np.float64) / self._scale,
                         visible[0].cpu().numpy(), confidence[0].cpu().numpy())
