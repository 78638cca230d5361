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
THRESHOLDS = {
    'bleedorigin-detect_mdg-tiny_4x-train-clips_synthetic-esd-small.py': 0.65,
    'bleedorigin-detect_mdg-tiny_13x-train-clips_synthetic-esd-small.py': 0.6,
    'bleedorigin-detect_mdg-tiny_4x-train-clips_evidence-8_synthetic-esd-small.py': 0.8,
    'bleedorigin-detect_mdg-tiny_4x-train-clips_aligned-references_synthetic-esd-small.py': 0.85,
    ('bleedorigin-detect_mdg-tiny_4x-train-clips_aligned-references_5-epochs_'
     'synthetic-esd-small.py'): 0.6,
    ('bleedorigin-detect_mdg-tiny_4x-train-clips_chained-aligned-references_'
     'synthetic-esd-small.py'): 0.86,
    ('bleedorigin-detect_mdg-tiny_4x-train-clips_more-negatives_chained-aligned-references_'
     'synthetic-esd-small.py'): 0.74,
    ('bleedorigin-detect_mdg-tiny_4x-train-clips_more-negatives-120_chained-aligned-references_'
     'synthetic-esd-small.py'): 0.28,
}


def build(name):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'detect', name))
    return cfg, MODELS.build(cfg.model)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_and_its_pipeline_matches_the_model(path):
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)
    assert model.window == 60 and model.head.window == 60
    # 0.5 unless chosen on a validation set (the data ablations, docs/onset_detection.md)
    assert model.conf_thr == THRESHOLDS.get(osp.basename(path), 0.5)
    datasets = [cfg.val_dataloader.dataset, cfg.test_dataloader.dataset]
    train = cfg.train_dataloader.dataset
    datasets += train.datasets if train.type == 'ConcatDataset' else [train]
    for dataset in datasets:
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
    assert full.loss_module.min_frames_after == 0  # the paper's window labels
    cfg, evidence = build(
        'bleedorigin-detect_mdg-tiny_4x-train-clips_evidence-8_synthetic-esd-small.py')
    assert evidence.loss_module.min_frames_after == 8
    four_x, four_x_model = build(
        'bleedorigin-detect_mdg-tiny_4x-train-clips_synthetic-esd-small.py')
    assert cfg.train_dataloader == four_x.train_dataloader and cfg.train_cfg == four_x.train_cfg
    assert full.reference_alignment is None and four_x_model.reference_alignment is None
    cfg, aligned = build(
        'bleedorigin-detect_mdg-tiny_4x-train-clips_aligned-references_synthetic-esd-small.py')
    assert aligned.reference_alignment is not None
    assert aligned.reference_alignment.chain_frames == 1  # every flow computed directly
    assert aligned.loss_module.min_frames_after == 0
    assert cfg.train_dataloader == four_x.train_dataloader and cfg.train_cfg == four_x.train_cfg
    cfg, chained = build(('bleedorigin-detect_mdg-tiny_4x-train-clips_chained-aligned-'
                          'references_synthetic-esd-small.py'))
    assert chained.reference_alignment.chain_frames == 8
    assert cfg.train_dataloader == four_x.train_dataloader and cfg.train_cfg == four_x.train_cfg
    more_negatives, _ = build(('bleedorigin-detect_mdg-tiny_4x-train-clips_more-negatives_'
                               'chained-aligned-references_synthetic-esd-small.py'))
    # the chained detector's model and clips, 60 bleeding-free clips more, 804 steps not 832
    assert {k: v for k, v in more_negatives.model.items() if k != 'conf_thr'} == \
        {k: v for k, v in cfg.model.items() if k != 'conf_thr'}
    datasets = more_negatives.train_dataloader.dataset.datasets
    assert datasets[:2] == cfg.train_dataloader.dataset.datasets
    assert datasets[2].data_root == 'data/synthetic_esd_seed4/detection/'
    assert more_negatives.train_cfg.max_epochs == 6
    assert more_negatives.param_scheduler[1].T_max == 6
    twice, _ = build(('bleedorigin-detect_mdg-tiny_4x-train-clips_more-negatives-120_'
                      'chained-aligned-references_synthetic-esd-small.py'))
    assert twice.model.reference_alignment == cfg.model.reference_alignment
    assert twice.train_dataloader.dataset.datasets[:3] == datasets
    assert twice.train_dataloader.dataset.datasets[3].data_root == \
        'data/synthetic_esd_seed5/detection/'
    assert twice.train_cfg.max_epochs == twice.param_scheduler[1].T_max == 5


def test_data_ablations_add_training_clips_and_keep_the_v2_evaluation_splits():
    base, _ = build('bleedorigin-detect_mdg-tiny_synthetic-esd-small.py')
    roots = dict(base=[base.train_dataloader.dataset.data_root])
    for name in ('4x', '13x'):
        cfg, _ = build(f'bleedorigin-detect_mdg-tiny_{name}-train-clips_synthetic-esd-small.py')
        for loader in ('val_dataloader', 'test_dataloader'):
            assert cfg[loader].dataset == base[loader].dataset
        datasets = cfg.train_dataloader.dataset.datasets
        assert all(d.ann_file == 'annotations/train.json' for d in datasets)
        assert all(d.pipeline == base.train_pipeline for d in datasets)
        roots[name] = [d.data_root for d in datasets]
    assert roots['4x'][:1] == roots['base'] and len(roots['4x']) == 2
    assert roots['13x'][:2] == roots['4x'] and len(roots['13x']) == 3
