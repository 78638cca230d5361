# Copyright (c) mmbleed contributors. All rights reserved.
"""The source module's configs (configs/detect/bleedorigin-source_*): each builds, differs
from the full CPU config only where its name says, and the CPU config trains and tests through
MMEngine's Runner on the tiny dataset, with the look-ahead frames reaching the model."""
import copy
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmbleed.registry import MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DETECT = osp.join(REPO_ROOT, 'configs', 'detect')
FULL = 'bleedorigin-source_resnet18-tiny_synthetic-esd-small.py'
CPU_CONFIGS = sorted(
    osp.basename(p) for p in glob.glob(osp.join(DETECT, 'bleedorigin-source_*small.py')))


def load(name):
    return Config.fromfile(osp.join(DETECT, name))


def test_every_ablation_of_the_issue_has_a_config():
    for part in ('no-red-mask', 'no-pseudo', 'no-huber', 'single-scale', 'no-lookahead',
                 'vit-tiny', 'no-alignment'):
        assert any(part in name for name in CPU_CONFIGS), part


@pytest.mark.parametrize('name', CPU_CONFIGS)
def test_cpu_config_builds(name):
    cfg = load(name)
    if cfg.model.type == 'LoRAFineTune':  # its starting checkpoint is trained first
        cfg.model.init_checkpoint = None
        model = MODELS.build(cfg.model).model
    else:
        model = MODELS.build(cfg.model)
    # validation and test load the frames up to the last evidence frame a prediction reads
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        assert loader.dataset.lookahead == max(model.predict_lookaheads, default=0)
    train = cfg.train_dataloader.dataset
    for dataset in (train.datasets if train.type == 'ConcatDataset' else [train]):
        assert dataset.lookahead == model.lookahead and dataset.frames == 'onset'
    assert tuple(model.codec.input_size) == tuple(cfg.codec.input_size)


def test_ablations_change_only_their_part():
    full = load(FULL).model
    expected = {
        'no-red-mask': lambda m: (not m.use_red_mask, m.attention.key_channels == 16,
                                  not m.prior_skip),
        'no-pseudo': lambda m: (m.loss.pseudo_weight == 0, m.pseudo_per_sample == 0),
        'no-huber': lambda m: (m.loss.point_weight == 0, m.loss.pseudo_weight == 0.5),
        'single-scale': lambda m: (tuple(m.attention.scales) == (8, ),
                                   tuple(m.attention.window_sizes) == (None, )),
        'no-lookahead': lambda m: (m.lookahead == 0, m.encoder.in_channels == 3),
        'keys-only': lambda m: (m.attention.fuse_key is False, not m.prior_skip),
        'no-prior-skip': lambda m: (not m.prior_skip, m.use_red_mask),
        'no-alignment': lambda m: (m.align_evidence is False, m.lookahead == full.lookahead,
                                   m.prior_skip),
        'plain-prior': lambda m: (m.prior_surround_sigma is None, m.prior_skip,
                                  m.prior_sigma == full.prior_sigma),
        'single-evidence-frame': lambda m: (m.predict_lookaheads is None,
                                            m.lookahead == full.lookahead),
    }
    assert full.align_evidence is True and full.align_finest_scale == 0
    assert full.prior_skip and full.prior_surround_sigma == 10.0
    assert tuple(full.predict_lookaheads) == (10, 11, 12) and full.lookahead == 10
    for part, check in expected.items():
        name = FULL.replace('_synthetic', f'_{part}_synthetic')
        model = load(name).model
        assert all(check(model)), part
        assert model.encoder.type == full.encoder.type and model.type == full.type


def test_paper_config_builds():
    cfg = load('bleedorigin-source_vit-base_synthetic-esd-780x670.py')
    assert cfg.model.encoder.arch == 'base' and cfg.model.codec.input_size == (512, 448)
    model = MODELS.build(cfg.model)
    assert model.lookahead == 10 and model.predict_lookaheads == (10, 11, 12)


def test_cpu_config_trains_and_tests_with_lookahead(tiny_esd, tmp_path):
    cfg = load(FULL)
    cfg.work_dir = str(tmp_path)
    cfg.train_cfg.max_epochs = 1
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.default_hooks.logger.interval = 1
    cfg.visualizer.vis_backends = []
    for key in ('train_dataloader', 'test_dataloader'):
        loader = cfg[key]
        loader.dataset.data_root = tiny_esd
        loader.num_workers, loader.persistent_workers, loader.batch_size = 0, False, 2
    cfg.train_dataloader.dataset.indices = 4
    runner = Runner.from_cfg(copy.deepcopy(cfg))
    runner.train()
    batch = next(iter(runner.train_dataloader))
    sample = batch['data_samples'][0]
    # the frames after the sample: n = 10 pseudo-labelled ones and the look-ahead (clip end
    # permitting), the pseudo-labels beyond n left unlabelled
    assert sample.pseudo_inputs.shape[0] <= 20
    assert sample.pseudo_inputs.shape[1:] == (3, 136, 160)
    assert float(sample.pseudo_weights[10:].sum()) == 0.0
    metrics = runner.test()
    # the tiny test split: 2 bleeding clips, onset at frame 20, both sources visible
    assert metrics['source/num_points'] == 2
    assert 0.0 <= metrics['source/PCK@5%'] <= 1.0
