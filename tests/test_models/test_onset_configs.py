# Copyright (c) mmbleed contributors. All rights reserved.
"""configs/detect/: every onset config builds, and each ablation changes what it says."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmbleed.registry import MODELS
from mmbleed.utils import register_all_modules

register_all_modules()
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(glob.glob(osp.join(REPO_ROOT, 'configs', 'detect', 'bleedorigin-detect_*.py')))


def build(name):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'detect', name))
    return cfg, MODELS.build(cfg.model)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_and_its_pipeline_matches_the_model(path):
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)
    assert model.window == 60 and model.head.window == 60 and model.conf_thr == 0.5
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[loader].dataset
        assert dataset.clip_mode and dataset.window == 60
        resize = [t for t in dataset.pipeline if t['type'] == 'Resize'][0]
        # streaming resizes like the test pipeline: same size, same interpolation
        assert tuple(resize['scale']) == model.input_size
        assert resize['interpolation'] == model.interpolation
    assert cfg.model.mdcfm.alpha == cfg.model.mdcfm.gamma == 0.5


def test_ablations_change_what_their_names_say():
    _, full = build('bleedorigin-detect_mdg-tiny_synthetic-esd-small.py')
    assert full.mdcfm.memory_size == 4 and full.mdg.use_memory
    assert full.mdg.domains == ('rgb', 'hsv', 'flow') and full.domains.compute_flow
    assert full.confidence_loss is not None and full.state_loss is not None
    _, no_memory = build('bleedorigin-detect_mdg-tiny_no-memory_synthetic-esd-small.py')
    assert no_memory.mdcfm.memory_size == 0 and not no_memory.mdg.use_memory
    _, rgb = build('bleedorigin-detect_mdg-tiny_rgb_synthetic-esd-small.py')
    assert rgb.mdg.domains == rgb.mdcfm.domains == ('rgb', )
    assert not rgb.domains.compute_flow
    _, rgb_hsv = build('bleedorigin-detect_mdg-tiny_rgb-hsv_synthetic-esd-small.py')
    assert rgb_hsv.mdg.domains == ('rgb', 'hsv') and not rgb_hsv.domains.compute_flow
    _, no_conf = build('bleedorigin-detect_mdg-tiny_no-conf-supervision_synthetic-esd-small.py')
    assert no_conf.confidence_loss is None and no_conf.state_loss is not None
    _, no_state = build('bleedorigin-detect_mdg-tiny_no-state-supervision_synthetic-esd-small.py')
    assert no_state.state_loss is None and no_state.confidence_loss is not None
