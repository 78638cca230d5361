# Copyright (c) mmbleed contributors. All rights reserved.
"""The one boundary where model-input pixels become original-frame pixels (STYLE.md)."""
import numpy as np

from mmbleed.utils.geometry import apply_affine_to_points


def input_to_original(points: np.ndarray, metainfo: dict) -> np.ndarray:
    """Map ``(..., 2)`` points from model-input pixels to original-frame pixels.

    Uses ``metainfo['input_to_original']`` (a 2x3 affine written by the geometric
    transforms) when present, else undoes a plain resize by ``metainfo['scale_factor']``
    ``(sx, sy)`` with pixel centres at integers: ``x = (x' + 0.5) / sx - 0.5``.
    """
    affine = metainfo.get('input_to_original', None)
    if affine is not None:
        return apply_affine_to_points(points, affine).astype(np.float32)
    points = np.asarray(points, dtype=np.float64)
    sx, sy = metainfo.get('scale_factor', (1.0, 1.0))
    return ((points + 0.5) / np.array([sx, sy]) - 0.5).astype(np.float32)
