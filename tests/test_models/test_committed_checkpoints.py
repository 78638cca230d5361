# Copyright (c) mmbleed contributors. All rights reserved.
"""Each committed model checkpoint (checkpoints/) is small, loads weights-only, has its sha256
in the README and holds exactly the weights of the model its config builds (the tracker's:
tests/test_models/test_track_on.py)."""
import os.path as osp

import pytest

from checkpoint_helpers import REPO_ROOT, check_committed_checkpoint, load_committed_model

COMMITTED = [
    'detect/bleedorigin-detect_mdg-tiny_4x-train-clips_synthetic-esd-small',
    'detect/bleedorigin-detect_mdg-tiny_4x-train-clips_chained-aligned-references_'
    'synthetic-esd-small',
    'detect/bleedorigin-detect_mdg-tiny_4x-train-clips_more-negatives_chained-aligned-'
    'references_synthetic-esd-small',
    'detect/bleedorigin-source_resnet18-tiny_synthetic-esd-small',
]


@pytest.mark.parametrize('name', COMMITTED)
def test_committed_checkpoint_is_small_loads_weights_only_and_matches_the_readme(name):
    checkpoint = f'checkpoints/{osp.basename(name)}.pth'
    model = load_committed_model(f'configs/{name}.py', checkpoint)
    check_committed_checkpoint(osp.join(REPO_ROOT, checkpoint), model)
