# Copyright (c) mmbleed contributors. All rights reserved.
"""Fixes for running the pinned OpenMMLab stack on PyTorch 2.13 (see ``STACK.md``).

Each module covers one upstream problem, says which, and says when it can be deleted.
They are applied once, when :mod:`mmbleed` is imported. The torchvision fix must run before
anything imports torchvision, so it is applied before the others (they import MMEngine).
"""
from . import torchvision_cpu_ops

torchvision_cpu_ops.apply()

from . import checkpoint_loading, cpu_distributed  # noqa: E402
from .checkpoint_loading import (UnsafeCheckpointError,  # noqa: E402
                                 load_weights_only, trust_checkpoints_under)
from .cpu_distributed import CPUCompatibleDDP  # noqa: E402

checkpoint_loading.apply()
cpu_distributed.apply()

__all__ = [
    'CPUCompatibleDDP', 'UnsafeCheckpointError', 'load_weights_only',
    'trust_checkpoints_under'
]
