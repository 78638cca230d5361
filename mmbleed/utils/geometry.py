# Copyright (c) mmbleed contributors. All rights reserved.
"""Point geometry shared by the transforms and the models' output boundary."""
import numpy as np


def apply_affine_to_points(points: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """Apply a 2x3 affine ``mat`` to ``(..., 2)`` points (float64; NaN stays NaN).

    Coordinates follow mmbleed's convention (pixel centres at integer values), so the
    transforms' ``input_to_original`` maps model-input points back exactly.
    """
    pts = np.asarray(points, dtype=np.float64)
    mat = np.asarray(mat, dtype=np.float64).reshape(2, 3)
    return pts @ mat[:, :2].T + mat[:, 2]


def points_inside(points: np.ndarray, size, margin: float = -0.5) -> np.ndarray:
    """Whether each ``(..., 2)`` point ``(x, y)`` lies in ``[margin, w - 1 - margin] x
    [margin, h - 1 - margin]`` of a frame of ``size`` ``(h, w)`` (NaN: False).

    The default ``-0.5`` is the whole frame in mmbleed's convention (pixel centres at
    integers: ``[-0.5, w - 0.5]``); ``0`` keeps points on pixel centres, a positive margin
    keeps them that far from the border.
    """
    h, w = size
    x, y = points[..., 0], points[..., 1]
    return (x >= margin) & (x <= w - 1 - margin) & (y >= margin) & (y <= h - 1 - margin)
