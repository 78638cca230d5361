# Copyright (c) mmbleed contributors. All rights reserved.
"""Build the deployed point tracker of any tracking config, learned or not."""
from typing import Optional

from mmengine.config import ConfigDict

from mmbleed.registry import MODELS
from .base_tracker import BasePointTracker


def build_point_tracker(model_cfg: dict, checkpoint: Optional[str] = None) -> BasePointTracker:
    """The :class:`BasePointTracker` a config's ``model`` deploys.

    ``model_cfg`` is a config's ``model``: an :class:`OnlinePointTracker` (its ``tracker``
    is built), a tracker itself, or a learned model with a ``tracker()`` method
    (:class:`TrackOn`, also inside :class:`LoRAFineTune`), whose ``checkpoint`` is loaded
    weights-only and whose adapters are merged before it is put behind ``init`` / ``step``.
    """
    cfg = ConfigDict(model_cfg)
    model = MODELS.build(cfg.get('tracker', cfg))
    if isinstance(model, BasePointTracker):
        if checkpoint:
            raise ValueError(f'{type(model).__name__} has no weights to load from {checkpoint}')
        return model
    if checkpoint:
        from mmengine.runner import load_checkpoint
        load_checkpoint(model, checkpoint, map_location='cpu', logger='current')
    from ..fine_tuning import LoRAFineTune, merge_lora
    if isinstance(model, LoRAFineTune):
        model = merge_lora(model)
    if not callable(getattr(model, 'tracker', None)):
        raise TypeError(f'{type(model).__name__} is not a point tracker (no tracker())')
    return model.eval().tracker()
