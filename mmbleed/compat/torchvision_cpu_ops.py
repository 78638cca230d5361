# Copyright (c) mmbleed contributors. All rights reserved.
"""Let torchvision's CUDA wheel import on a CPU-only torch.

Upstream problem: PyPI's torchvision 0.28.0 (the release paired with torch 2.13) is a CUDA
build; its compiled extension needs ``libtorch_cuda.so``. With the CPU torch the extension
fails to load and ``import torchvision`` dies in ``torchvision/_meta_registrations.py`` with
``RuntimeError: operator torchvision::nms does not exist``. That also breaks MMEngine's
Runner (it logs torchvision's version) and ``import mmpretrain.models``.

Fix: when, and only when, the extension cannot be loaded, define the ``torchvision::nms`` and
``torchvision::qnms`` operators (schema + a CPU kernel in plain PyTorch; torchvision registers
fake kernels for these two without checking that its ops loaded) before torchvision is first
imported.
``roi_align`` then uses torchvision's own Python fallback; ``deform_conv2d`` and ``ps_roi_*``
stay unavailable (mmbleed does not use them; mmcv provides its own ops).

Delete this module when a CPU build of torchvision matching the pinned torch is installable
from the package registry (or torchvision's wheel stops hard-linking ``libtorch_cuda``).
"""
import glob
import importlib.util
import os
import sys
from typing import Optional

import torch

_LIBRARY: Optional[torch.library.Library] = None  # kept alive: owns the definition


def _extension_path() -> Optional[str]:
    spec = importlib.util.find_spec('torchvision')
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = list(spec.submodule_search_locations)[0]
    found = glob.glob(os.path.join(folder, '_C*.so')) + glob.glob(
        os.path.join(folder, '_C*.pyd'))
    return found[0] if found else None


def torchvision_extension_loads() -> bool:
    """Whether torchvision's compiled ops load with the installed torch."""
    path = _extension_path()
    if path is None:
        return False
    try:
        torch.ops.load_library(path)
    except (OSError, RuntimeError):
        return False
    return True


def nms_cpu(dets: torch.Tensor, scores: torch.Tensor,
            iou_threshold: float) -> torch.Tensor:
    """Greedy non-maximum suppression, the semantics of ``torchvision.ops.nms``.

    Args:
        dets (Tensor): ``(N, 4)`` boxes ``(x1, y1, x2, y2)``.
        scores (Tensor): ``(N,)`` scores.
        iou_threshold (float): boxes overlapping a kept box by IoU > this are dropped.

    Returns:
        Tensor: int64 indices of the kept boxes, by decreasing score.
    """
    if dets.numel() == 0:
        return torch.empty((0, ), dtype=torch.int64, device=dets.device)
    x1, y1, x2, y2 = dets.unbind(1)
    areas = (x2 - x1) * (y2 - y1)
    order = scores.argsort(descending=True)
    keep = []
    suppressed = torch.zeros(dets.shape[0], dtype=torch.bool)
    for i in order.tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        xx1 = torch.maximum(x1[i], x1)
        yy1 = torch.maximum(y1[i], y1)
        xx2 = torch.minimum(x2[i], x2)
        yy2 = torch.minimum(y2[i], y2)
        inter = (xx2 - xx1).clamp(min=0) * (yy2 - yy1).clamp(min=0)
        iou = inter / (areas[i] + areas - inter)
        suppressed |= iou > iou_threshold
    return torch.tensor(keep, dtype=torch.int64, device=dets.device)


def _qnms_cpu(dets: torch.Tensor, scores: torch.Tensor,
              iou_threshold: float) -> torch.Tensor:
    """NMS on quantized boxes and scores (dequantized, then :func:`nms_cpu`)."""
    return nms_cpu(dets.dequantize(), scores.dequantize(), iou_threshold)


def apply() -> bool:
    """Define the NMS operators if torchvision's extension cannot provide them.

    Returns:
        bool: True when the fallback was installed by this call.
    """
    global _LIBRARY
    if _LIBRARY is not None or 'torchvision' in sys.modules:
        return False  # already fixed, or torchvision imported fine before us
    if _extension_path() is None or torchvision_extension_loads():
        return False  # torchvision absent, or healthy: nothing to fix
    _LIBRARY = torch.library.Library('torchvision', 'DEF')
    _LIBRARY.define(
        'nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor')
    _LIBRARY.impl('nms', nms_cpu, 'CPU')
    _LIBRARY.define(
        'qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor')
    _LIBRARY.impl('qnms', _qnms_cpu, 'CPU')
    return True
