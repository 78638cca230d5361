# Copyright (c) mmbleed contributors. All rights reserved.
"""What every committed checkpoint promises: small, loadable weights-only, its sha256 in the
README, and exactly the weights of the model its config builds."""
import os
import os.path as osp
import sys

import pytest
import torch
from torch import nn

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'model_converters'))
from publish_checkpoint import sha256  # noqa: E402

MAX_BYTES = 10 * 2**20


def load_committed_model(config: str, checkpoint: str) -> nn.Module:
    """The model ``config`` (a path under the repository) builds, with the committed
    ``checkpoint`` loaded strictly, in eval mode."""
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint

    from mmbleed.registry import MODELS
    from mmbleed.utils import register_all_modules
    register_all_modules()
    model = MODELS.build(Config.fromfile(osp.join(REPO_ROOT, config)).model)
    load_checkpoint(model, osp.join(REPO_ROOT, checkpoint), map_location='cpu', strict=True,
                    logger='silent')
    return model.eval()


def check_committed_checkpoint(path: str, loaded_model: nn.Module) -> None:
    """Fail unless ``path`` is at most 10 MB, its sha256 is in README.md, it loads with
    ``weights_only=True`` and its ``state_dict`` equals ``loaded_model``'s, key for key and
    value for value (the model built from its config with the checkpoint loaded)."""
    if not osp.isfile(path):
        pytest.fail(f'{path} is missing')
    assert os.path.getsize(path) <= MAX_BYTES, f'{path} is over 10 MB'
    with open(osp.join(REPO_ROOT, 'README.md'), encoding='utf-8') as f:
        assert sha256(path) in f.read(), f'README.md must give the sha256 of {path}'
    state = torch.load(path, map_location='cpu', weights_only=True)['state_dict']
    own = loaded_model.state_dict()
    assert set(state) == set(own), sorted(set(state) ^ set(own))[:5]
    for name, value in state.items():
        assert torch.equal(own[name], value), name
