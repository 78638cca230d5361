# Copyright (c) mmbleed contributors. All rights reserved.
"""Toy bleeding clips and a tiny onset detector for the model tests."""
from typing import Optional

import numpy as np
import torch

from mmbleed.structures import BleedDataSample

SIZE = (40, 34)  # (w, h) the tiny detector runs at


def toy_clip(num_frames: int, onset: Optional[int], seed: int = 0,
             size=SIZE) -> np.ndarray:
    """``(T, H, W, 3)`` BGR uint8: pink textured tissue that drifts a little, and from
    ``onset`` on a dark-red pool that grows at a random place."""
    rng = np.random.default_rng(seed)
    w, h = size
    big = rng.uniform(0, 1, (h + 8, w + 8))
    for _ in range(2):  # smooth the texture
        big = (big + np.roll(big, 1, 0) + np.roll(big, 1, 1) + np.roll(big, -1, 0)) / 4
    tissue = np.stack([150 + 60 * big, 120 + 50 * big, 200 + 40 * big], axis=-1)
    cx, cy = rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h
    yy, xx = np.mgrid[0:h, 0:w]
    frames = []
    for t in range(num_frames):
        dx, dy = rng.integers(0, 3, size=2)  # camera jitter of up to 2 px
        img = tissue[dy:dy + h, dx:dx + w].copy()
        if onset is not None and t >= onset:
            radius = 1.0 + 0.35 * (t - onset)
            pool = ((xx - cx)**2 + (yy - cy)**2) <= radius**2
            img[pool] = (30, 20, 140)
        frames.append(np.clip(img + rng.normal(0, 3, img.shape), 0, 255).astype(np.uint8))
    return np.stack(frames)


def clip_inputs(frames: np.ndarray, onset: Optional[int], start: int = 0):
    """Model inputs and a data sample for a clip (as the pipeline packs them)."""
    inputs = torch.from_numpy(np.ascontiguousarray(frames.transpose(0, 3, 1, 2)))
    sample = BleedDataSample(metainfo=dict(clip_id='toy', window_start=start,
                                           num_frames=len(frames), fps=30.0))
    sample.gt_onset = -1 if onset is None else onset
    return inputs, sample


def tiny_detector_cfg(window: int = 20, readout: str = 'summary', **overrides) -> dict:
    """A detector small enough to train in seconds on ``SIZE`` frames."""
    cfg = dict(
        type='mmbleed.BleedOnsetDetector',
        window=window,
        input_size=SIZE,
        mdcfm=dict(type='mmbleed.MDCFM', feat_channels=(4, 8, 8), memory_size=3,
                   min_interval=3),
        mdg=dict(type='mmbleed.MDG', feat_channels=(4, 8, 8), out_channels=16),
        head=dict(type='mmbleed.TemporalOnsetHead', window=window, embed_dims=16,
                  num_layers=1, num_heads=2, feedforward_channels=32, dropout=0.0,
                  readout=readout),
        loss=dict(type='mmbleed.OnsetLoss', window=window),
        confidence_loss=None,
        frame_domains=dict(flow_method='dis', dis_preset='ultrafast'))
    cfg.update(overrides)
    return cfg
