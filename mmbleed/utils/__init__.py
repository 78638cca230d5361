# Copyright (c) mmbleed contributors. All rights reserved.
from .array import to_numpy
from .red_mask import red_mask_map
from .setup_env import register_all_modules

__all__ = ['red_mask_map', 'register_all_modules', 'to_numpy']
