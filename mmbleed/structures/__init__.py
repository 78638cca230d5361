# Copyright (c) mmbleed contributors. All rights reserved.
from .bleed_data_sample import BleedDataSample

__all__ = ['BleedDataSample']
