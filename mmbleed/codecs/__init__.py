# Copyright (c) mmbleed contributors. All rights reserved.
"""Codecs: turn points into training targets and model outputs back into points."""
from .gaussian_heatmap import GaussianHeatmap

__all__ = ['GaussianHeatmap']
