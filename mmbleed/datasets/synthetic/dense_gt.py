# Copyright (c) mmbleed contributors. All rights reserved.
"""Read the synthetic generator's dense ground truth (``dense_gt/<patient>/<clip>.npz``).

The file layout is in ``docs/data_format.md`` §3. Blood masks are stored bit-packed along
the frame's width (``np.packbits(mask, axis=-1)``) to keep the files small;
:func:`load_dense_gt` unpacks them.
"""
from typing import Dict, Optional, Sequence

import numpy as np


def unpack_blood_mask(packed: np.ndarray, width: int) -> np.ndarray:
    """Bit-packed blood masks ``(..., H, ceil(W/8))`` uint8 → ``(..., H, W)`` bool."""
    return np.unpackbits(packed, axis=-1, count=int(width)).astype(bool)


def load_dense_gt(path: str, keys: Optional[Sequence[str]] = None) -> Dict[str, np.ndarray]:
    """The arrays of a ``dense_gt`` file, the blood mask unpacked to ``(T, H, W)`` bool.

    The packed mask's width is rounded up to a multiple of 8; the real width is the file's
    ``frame_size`` ``(W, H)``. ``source_region`` comes back as a ``str``. ``keys`` reads only
    those arrays (the others are not decompressed; the blood mask is the largest).
    """
    with np.load(path, allow_pickle=False) as f:
        wanted = f.files if keys is None else list(keys)
        out = {k: f[k] for k in wanted}
        if 'blood_mask' in out:
            out['blood_mask'] = unpack_blood_mask(out['blood_mask'], f['frame_size'][0])
    if 'source_region' in out:
        out['source_region'] = str(out['source_region'].reshape(-1)[0])
    return out

