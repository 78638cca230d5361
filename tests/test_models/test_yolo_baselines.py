# Copyright (c) mmbleed contributors. All rights reserved.
"""The mmdet YOLO-style baselines (configs/baselines/): configs that download nothing, and
one short train + test through MMEngine's Runner that ends in the onset/source readouts."""
import copy
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CPU_CONFIGS = ('rtmdet-tiny_synthetic-esd-small.py', 'yolox-tiny_synthetic-esd-small.py')


def load(name):
    return Config.fromfile(osp.join(REPO_ROOT, 'configs', 'baselines', name))


def _urls(obj):
    if isinstance(obj, dict):
        return [u for v in obj.values() for u in _urls(v)]
    if isinstance(obj, (list, tuple)):
        return [u for v in obj for u in _urls(v)]
    return [obj] if isinstance(obj, str) and '://' in obj else []


@pytest.mark.parametrize('name', CPU_CONFIGS)
def test_config_is_one_class_from_scratch(name):
    cfg = load(name)
    assert _urls(cfg.model) == []  # no pretrained weights fetched at run time
    assert cfg.model.bbox_head.num_classes == 1 and cfg.load_from is None
    assert cfg.train_dataloader.dataset.type == 'mmbleed.SourceBoxDataset'
    assert cfg.test_dataloader.dataset.frames == 'all'
    assert not cfg.test_dataloader.sampler.shuffle  # the readout walks clips in order
    assert cfg.test_evaluator.type == 'mmbleed.DetectorReadoutMetric'
    assert tuple(cfg.test_evaluator.score_thrs) == (0.25, 0.10, 0.01)
    assert cfg.custom_hooks == []


@pytest.mark.parametrize('name', CPU_CONFIGS)
def test_trains_and_reads_out_onset_and_source(name, tiny_esd, tmp_path):
    cfg = load(name)
    cfg.work_dir = str(tmp_path)
    cfg.train_cfg.max_epochs = 1
    cfg.train_cfg.val_interval = 2  # > max_epochs still validates at the end: drop val
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.param_scheduler = []
    cfg.default_hooks.logger.interval = 1
    cfg.visualizer.vis_backends = []
    for key in ('train_dataloader', 'test_dataloader'):
        loader = cfg[key]
        loader.dataset.data_root = tiny_esd
        loader.num_workers, loader.persistent_workers, loader.batch_size = 0, False, 4
    cfg.train_dataloader.dataset.indices = 8
    runner = Runner.from_cfg(copy.deepcopy(cfg))
    runner.train()
    metrics = runner.test()
    for tag in ('0.25', '0.1', '0.01'):
        # the tiny test split: 2 bleeding clips of 40 frames, onset at frame 20
        assert metrics[f'onset@{tag}/num_clips'] == 2
        assert 0.0 <= metrics[f'onset@{tag}/Acc@16'] <= 1.0
        assert metrics[f'source@{tag}/num_points'] >= 1
        assert 0.0 <= metrics[f'source@{tag}/miss_rate'] <= 1.0
    # a lower threshold can only fire earlier or as early and miss fewer source points
    assert metrics['onset@0.01/miss_rate'] <= metrics['onset@0.25/miss_rate']
    assert metrics['source@0.01/miss_rate'] <= metrics['source@0.25/miss_rate']
