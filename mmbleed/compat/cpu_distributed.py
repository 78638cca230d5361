# Copyright (c) mmbleed contributors. All rights reserved.
"""Distributed training on CPU-only machines (gloo), with MMEngine's launcher and Runner.

Upstream problems (mmengine 0.10.7, torch >= 2.x CPU builds):

1. ``mmengine.dist.utils._init_dist_pytorch`` always calls ``torch.cuda.set_device``, which
   on a CPU torch fails with ``module 'torch._C' has no attribute '_cuda_setDevice'``, and it
   keeps the default ``nccl`` backend, which does not exist without CUDA.
2. ``Runner.wrap_model`` always passes ``device_ids=[LOCAL_RANK]`` to DDP, and torch refuses
   ``device_ids`` for a module on the CPU.
3. A process that exits without ``destroy_process_group()`` (mmengine's Runner never calls
   it) can abort with SIGABRT while the interpreter shuts down: gloo's worker threads still
   hold work objects whose tensors need the GIL (pytorch/pytorch#179291, left open
   upstream). Seen once in CI: rank 0 of a two-process ``mim train`` died after a finished
   run.

Fix: (1) when no CUDA device is available, the launcher initialises the ``gloo`` process
group directly; (2) :class:`CPUCompatibleDDP` (registered in ``mmbleed.MODEL_WRAPPERS``; the
configs' ``model_wrapper_cfg`` names it) drops ``device_ids`` for a CPU module and is plain
``MMDistributedDataParallel`` otherwise; (3) the gloo initialiser registers an ``atexit``
handler that destroys the process group while the interpreter is still whole.

Delete this module when MMEngine's launcher and ``wrap_model`` handle CPU-only hosts
(upstream mmengine > 0.10.7).
"""
import atexit
import os

import torch
import torch.distributed as torch_dist
from mmengine.dist import utils as dist_utils
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel
from torch import nn

from mmbleed.registry import MODEL_WRAPPERS

_original_init_dist_pytorch = dist_utils._init_dist_pytorch


def _init_dist_pytorch(backend: str = 'nccl',
                       init_backend: str = 'torch',
                       **kwargs) -> None:
    """MMEngine's torchrun initialisation, with a gloo path for CPU-only hosts."""
    if torch.cuda.is_available() or init_backend != 'torch':
        return _original_init_dist_pytorch(
            backend, init_backend=init_backend, **kwargs)
    if backend != 'gloo':
        print_log(
            f'no CUDA device: using the gloo backend instead of {backend}',
            logger='current')
    torch_dist.init_process_group(
        backend='gloo',
        rank=int(os.environ['RANK']),
        world_size=int(os.environ['WORLD_SIZE']),
        **kwargs)
    atexit.unregister(_destroy_process_group_at_exit)  # once, however often initialised
    atexit.register(_destroy_process_group_at_exit)


def _destroy_process_group_at_exit() -> None:
    """Tear the gloo process group down before interpreter finalisation (problem 3)."""
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.destroy_process_group()


@MODEL_WRAPPERS.register_module()
class CPUCompatibleDDP(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that also wraps a model living on the CPU.

    The Runner passes ``device_ids=[LOCAL_RANK]``; torch accepts it only for a GPU module,
    so it is dropped when the module's parameters are on the CPU.
    """

    def __init__(self, module: nn.Module, **kwargs) -> None:
        params = list(module.parameters())
        if not params or params[0].device.type == 'cpu':
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        super().__init__(module=module, **kwargs)


def apply() -> None:
    """Route MMEngine's PyTorch launcher through the CPU-aware initialiser."""
    dist_utils._init_dist_pytorch = _init_dist_pytorch
