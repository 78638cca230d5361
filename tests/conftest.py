# Copyright (c) mmbleed contributors. All rights reserved.
"""Fixtures shared by the whole suite: a tiny synthetic ESD dataset, generated once."""
import os.path as osp

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='session')
def tiny_esd(tmp_path_factory) -> str:
    """A tiny synthetic ESD dataset (raw layout + annotations), the detection root.

    6 patients (4:1:1), 2 bleeding clips each (8/2/2 per split) of 40 frames with onset at
    frame 20, one tracking clip of 31 frames each.
    """
    from mmbleed.datasets import generate_synthetic_esd
    out = str(tmp_path_factory.mktemp('tiny_esd'))
    generate_synthetic_esd(
        out,
        preset='small',
        seed=0,
        num_patients=6,
        det_positive=(8, 2, 2),
        det_negative=0,
        track_clips=(4, 1, 1),
        det_frames=40,
        onset_range=20,
        track_frames=(31, 31),
        num_tracks=8,
        convert=True,
        progress=False)
    return osp.join(out, 'detection')
