# Copyright (c) mmbleed contributors. All rights reserved.
"""mmbleed: bleeding-source localization in endoscopic surgery video (BleedOrigin-Net)."""
from . import compat  # noqa: F401  (first: torch 2.13 fixes, before torchvision loads)
from .version import __version__, version_info

__all__ = ['__version__', 'version_info']
