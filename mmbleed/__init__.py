# Copyright (c) mmbleed contributors. All rights reserved.
"""mmbleed: bleeding-source localization in endoscopic surgery video (BleedOrigin-Net)."""
from . import compat  # noqa: F401  (first: torch 2.13 fixes, before torchvision loads)

import mmcv  # noqa: E402
import mmengine  # noqa: E402
from mmengine.utils import digit_version  # noqa: E402

from .version import __version__, version_info  # noqa: E402

# mmdet 3.3.0 needs mmcv < 2.2.0; mmbleed's own models need no mmcv ops (mmcv-lite works)
mmcv_minimum_version = '2.0.0'
mmcv_maximum_version = '2.2.0'
mmengine_minimum_version = '0.10.0'
mmengine_maximum_version = '1.0.0'

assert (digit_version(mmcv_minimum_version) <= digit_version(mmcv.__version__)
        < digit_version(mmcv_maximum_version)), \
    f'mmbleed needs {mmcv_minimum_version} <= mmcv < {mmcv_maximum_version}, ' \
    f'found mmcv {mmcv.__version__}; run bash tools/install.sh'
assert (digit_version(mmengine_minimum_version) <= digit_version(
    mmengine.__version__) < digit_version(mmengine_maximum_version)), \
    f'mmbleed needs {mmengine_minimum_version} <= mmengine < ' \
    f'{mmengine_maximum_version}, found mmengine {mmengine.__version__}; ' \
    'run bash tools/install.sh'

__all__ = ['__version__', 'version_info']
