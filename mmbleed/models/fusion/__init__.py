# Copyright (c) mmbleed contributors. All rights reserved.
from .mdg import MDG

__all__ = ['MDG']
