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
