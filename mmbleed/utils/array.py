# Copyright (c) mmbleed contributors. All rights reserved.
"""Small array helpers shared by metrics and models."""
from typing import Any

import numpy as np
import torch


def to_numpy(value: Any, dtype: type = np.float64) -> np.ndarray:
    """A NumPy array from an array, a tensor (any device) or a nested list."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=dtype)
