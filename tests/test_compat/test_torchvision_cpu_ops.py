# Copyright (c) mmbleed contributors. All rights reserved.
import subprocess
import sys

import torch

from mmbleed.compat.torchvision_cpu_ops import nms_cpu


def test_nms_cpu_keeps_highest_non_overlapping_boxes():
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30],
                          [0, 0, 10, 10.]])
    scores = torch.tensor([0.9, 0.95, 0.7, 0.1])
    # box 1 wins; box 0 overlaps it (IoU 0.68) and box 3 == box 0; box 2 is apart
    assert nms_cpu(boxes, scores, 0.5).tolist() == [1, 2]
    assert nms_cpu(boxes, scores, 0.99).tolist() == [1, 0, 2]
    assert nms_cpu(boxes[:0], scores[:0], 0.5).numel() == 0


def test_torchvision_imports_after_mmbleed_in_a_fresh_process():
    code = ('import mmbleed, torchvision, torch; '
            'from torchvision.ops import roi_align; '
            'out = roi_align(torch.ones(1, 1, 8, 8), '
            '[torch.tensor([[0., 0., 4., 4.]])], 2); '
            'print(tuple(out.shape), float(out.mean()))')
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert '(1, 1, 2, 2) 1.0' in out.stdout
