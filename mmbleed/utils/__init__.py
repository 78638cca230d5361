# Copyright (c) mmbleed contributors. All rights reserved.
from .array import to_numpy
from .cap_rim import cap_rim_mask, find_cap_rim, fit_view_circle
from .geometry import apply_affine_to_points, points_inside
from .red_mask import red_mask_map
from .setup_env import register_all_modules

__all__ = [
    'apply_affine_to_points', 'cap_rim_mask', 'find_cap_rim', 'fit_view_circle',
    'points_inside', 'red_mask_map', 'register_all_modules',
    'to_numpy'
]
