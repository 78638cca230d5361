# Copyright (c) mmbleed contributors. All rights reserved.
"""mmbleed's registries: scope, parents, lazy locations, cross-scope builds, configs."""
import os.path as osp
import subprocess
import sys

import mmengine.registry as mmengine_registry
import pytest
import torch
from mmengine.config import Config

import mmbleed.registry as mmbleed_registry
from mmbleed.registry import MODELS

CONFIGS = osp.join(osp.dirname(__file__), '..', 'data', 'configs')
ROOT_NAMES = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'DATASETS',
    'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
    'WEIGHT_INITIALIZERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR',
    'TASK_UTILS', 'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS',
    'INFERENCERS', 'FUNCTIONS'
]


@pytest.mark.parametrize('name', ROOT_NAMES)
def test_every_root_registry_has_an_mmbleed_child(name):
    child = getattr(mmbleed_registry, name)
    assert child.scope == 'mmbleed'
    assert child.parent is getattr(mmengine_registry, name)
    assert child.parent.children['mmbleed'] is child


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True,
                          timeout=600)


def test_another_project_builds_mmbleed_components_by_scope():
    # a fresh interpreter that only reads a config with custom_imports, as a
    # downstream project (mmdet, mmpose ...) would
    code = '\n'.join([
        'from mmengine.config import Config',
        'from mmengine.registry import MODELS, METRICS, DefaultScope',
        "DefaultScope.get_instance('downstream', scope_name='mmengine')",
        "cfg = Config(dict(custom_imports=dict(imports=['mmbleed'], "
        'allow_failed_imports=False)))',
        "head = MODELS.build(dict(type='mmbleed.HeatmapHead', in_channels=8))",
        "metric = METRICS.build(dict(type='mmbleed.PointMetric'))",
        'print(type(head).__module__, type(metric).__module__)',
    ])
    out = _run(code)
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'mmbleed.models.heads.heatmap_head' in out.stdout
    assert 'mmbleed.evaluation.metrics.point_metric' in out.stdout


def test_mmbleed_builds_mmpretrain_backbone_by_scope():
    backbone = MODELS.build(
        dict(type='mmpretrain.ResNet', depth=18, out_indices=(1, )))
    assert type(backbone).__module__.startswith('mmpretrain.')
    backbone.eval()  # mmpretrain's ResNet.train() returns None: do not chain
    with torch.no_grad():
        (feat, ) = backbone(torch.zeros(1, 3, 64, 64))
    assert feat.shape == (1, 128, 8, 8)


def test_config_inherits_mmbleed_bases():
    cfg = Config.fromfile(osp.join(CONFIGS, 'inherits_runtime.py'))
    assert cfg.default_scope == 'mmbleed'
    assert cfg.train_cfg.max_epochs == 3  # overridden
    assert cfg.train_cfg.val_interval == 4  # inherited
    assert cfg.model_wrapper_cfg.type == 'mmbleed.CPUCompatibleDDP'


def test_config_inherits_an_mmdet_config_by_scope():
    cfg = Config.fromfile(osp.join(CONFIGS, 'yolox_tiny_from_mmdet.py'))
    assert cfg.model.type == 'mmdet.YOLOX' or cfg.model.type == 'YOLOX'
    assert cfg.model.bbox_head.num_classes == 1  # overridden
    assert cfg.model.backbone.deepen_factor == 0.33  # inherited from mmdet
    from mmdet.registry import MODELS as MMDET_MODELS
    from mmdet.utils import register_all_modules
    register_all_modules()
    detector = MMDET_MODELS.build(cfg.model)
    assert detector.bbox_head.num_classes == 1
