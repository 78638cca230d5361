# Copyright (c) mmbleed contributors. All rights reserved.
"""tools/train.py trains and checkpoints; --resume continues where it stopped;
tools/test.py evaluates a checkpoint loaded weights-only and refuses unsafe files."""
import fractions
import os
import os.path as osp
import re
import shutil

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from tool_helpers import (TINY_CONFIG, data_options, explain, python_tool)

from mmbleed.utils import register_all_modules


@pytest.fixture(scope='module')
def trained(tiny_esd, tmp_path_factory):
    """Two epochs of the tiny regressor: (work_dir, iterations per epoch)."""
    work_dir = str(tmp_path_factory.mktemp('train'))
    out = python_tool('tools/train.py', TINY_CONFIG, '--work-dir', work_dir,
                      *data_options(tiny_esd))
    assert out.returncode == 0, explain(out)
    ckpt = torch.load(osp.join(work_dir, 'epoch_2.pth'), weights_only=False)
    iters_per_epoch = ckpt['meta']['iter'] // 2
    assert iters_per_epoch > 0
    return work_dir, iters_per_epoch


def test_train_writes_checkpoints_with_progress(trained):
    work_dir, ipe = trained
    first = torch.load(osp.join(work_dir, 'epoch_1.pth'), weights_only=False)
    second = torch.load(osp.join(work_dir, 'epoch_2.pth'), weights_only=False)
    assert (first['meta']['epoch'], first['meta']['iter']) == (1, ipe)
    assert (second['meta']['epoch'], second['meta']['iter']) == (2, 2 * ipe)
    # the weights moved between the two checkpoints
    assert any(not torch.equal(first['state_dict'][k], second['state_dict'][k])
               for k in first['state_dict'])


def test_resume_restores_iteration_weights_and_optimizer(trained, tiny_esd):
    work_dir, ipe = trained
    ckpt_path = osp.join(work_dir, 'epoch_2.pth')
    saved = torch.load(ckpt_path, weights_only=False)

    register_all_modules()
    cfg = Config.fromfile(TINY_CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = tiny_esd
    cfg.work_dir = work_dir
    cfg.resume = True
    cfg.load_from = ckpt_path
    cfg.train_cfg.max_epochs = 2  # resume only: no further epoch runs
    runner = Runner.from_cfg(cfg)
    runner.train()

    assert (runner.epoch, runner.iter) == (2, 2 * ipe)
    state = runner.model.state_dict()
    for key, value in saved['state_dict'].items():
        assert torch.equal(state[key], value), key
    resumed = runner.optim_wrapper.optimizer.state_dict()
    assert resumed['param_groups'][0]['lr'] == pytest.approx(
        saved['optimizer']['param_groups'][0]['lr'])
    assert set(resumed['state']) == set(saved['optimizer']['state'])
    for idx, slots in saved['optimizer']['state'].items():
        for name, value in slots.items():
            assert torch.equal(
                torch.as_tensor(resumed['state'][idx][name]),
                torch.as_tensor(value)), (idx, name)


def test_resume_cli_continues_at_the_next_iteration(trained, tiny_esd,
                                                    tmp_path):
    work_dir, ipe = trained
    # a copy of the work_dir, so the module's checkpoints stay as they were
    resume_dir = str(tmp_path / 'resume')
    os.makedirs(resume_dir)
    for name in ('epoch_2.pth', 'last_checkpoint'):
        with open(osp.join(work_dir, name), 'rb') as f:
            data = f.read()
        if name == 'last_checkpoint':
            data = osp.join(resume_dir, 'epoch_2.pth').encode()
        with open(osp.join(resume_dir, name), 'wb') as f:
            f.write(data)
    out = python_tool('tools/train.py', TINY_CONFIG, '--work-dir', resume_dir,
                      '--resume', *data_options(tiny_esd),
                      'train_cfg.max_epochs=3')
    assert out.returncode == 0, explain(out)
    log = out.stdout + out.stderr
    assert f'resumed epoch: 2, iter: {2 * ipe}' in log
    assert f'Epoch(train) [3][{ipe}/{ipe}]' in log
    assert 'Epoch(train) [1]' not in log  # nothing re-trained
    third = torch.load(osp.join(resume_dir, 'epoch_3.pth'), weights_only=False)
    assert (third['meta']['epoch'], third['meta']['iter']) == (3, 3 * ipe)


def test_test_tool_reports_metrics_from_a_checkpoint(trained, tiny_esd):
    work_dir, _ = trained
    out = python_tool('tools/test.py', TINY_CONFIG,
                      osp.join(work_dir, 'epoch_2.pth'), '--work-dir',
                      work_dir, *data_options(tiny_esd))
    assert out.returncode == 0, explain(out)
    log = out.stdout + out.stderr
    values = dict(re.findall(r'(source/[\w<=@%]+): ([-\d.naN]+)', log))
    for key in ('source/Err<=10', 'source/Err<=50', 'source/Err<=100',
                'source/Err_avg', 'source/PCK@5%', 'source/delta_avg'):
        assert key in values, key
    assert int(float(values['source/num_points'])) > 0
    assert 0.0 < float(values['source/Err_avg']) < 500.0  # finite, in pixels
    assert 0.0 <= float(values['source/Err<=50']) <= float(
        values['source/Err<=100']) <= 1.0


def test_load_from_a_state_dict_only_file(trained, tiny_esd, tmp_path):
    work_dir, _ = trained
    full = torch.load(osp.join(work_dir, 'epoch_2.pth'), weights_only=False)
    weights = str(tmp_path / 'weights.pth')
    torch.save({'state_dict': full['state_dict']}, weights)
    out = python_tool('tools/test.py', TINY_CONFIG, weights,
                      *data_options(tiny_esd))
    assert out.returncode == 0, explain(out)
    assert 'Load checkpoint from' in out.stdout + out.stderr


class _RunsCode:

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_test_tool_refuses_a_checkpoint_that_runs_code(tiny_esd, tmp_path):
    marker = tmp_path / 'code_ran'
    evil = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': _RunsCode(str(marker))}, evil)
    out = python_tool('tools/test.py', TINY_CONFIG, evil,
                      *data_options(tiny_esd))
    assert out.returncode != 0
    assert 'refused to load checkpoint' in out.stderr
    assert 'evil.pth' in out.stderr
    assert not marker.exists()


def test_resume_trusts_only_the_runners_own_work_dir(trained, tiny_esd,
                                                     tmp_path):
    """A checkpoint holding a non-weights object (here a Fraction) resumes from the
    Runner's own work_dir (full unpickling) but is refused when pointed at."""
    work_dir, ipe = trained
    own_dir = str(tmp_path / 'own')
    os.makedirs(own_dir)
    ckpt = torch.load(osp.join(work_dir, 'epoch_2.pth'), weights_only=False)
    ckpt['meta']['note'] = fractions.Fraction(1, 3)
    own = osp.join(own_dir, 'epoch_2.pth')
    torch.save(ckpt, own)
    with open(osp.join(own_dir, 'last_checkpoint'), 'w') as f:
        f.write(own)

    register_all_modules()
    cfg = Config.fromfile(TINY_CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = tiny_esd
    cfg.work_dir = own_dir
    cfg.resume = True  # from the latest checkpoint of its own work_dir
    runner = Runner.from_cfg(cfg)
    runner.train()  # max_epochs=2: resumes and stops
    assert (runner.epoch, runner.iter) == (2, 2 * ipe)

    foreign = str(tmp_path / 'foreign.pth')
    shutil.copy(own, foreign)
    out = python_tool('tools/test.py', TINY_CONFIG, foreign,
                      *data_options(tiny_esd))
    assert out.returncode != 0
    assert 'refused to load checkpoint' in out.stderr
    assert 'Fraction' in out.stderr


@pytest.mark.parametrize('args, message', [
    (['tools/test.py', 'configs/nope.py'], 'config configs/nope.py does not exist'),
    (['tools/train.py', 'configs/nope.py'], 'config configs/nope.py does not exist'),
    (['tools/test.py', TINY_CONFIG, 'missing.pth'], 'checkpoint missing.pth does not exist'),
    (['tools/train.py', TINY_CONFIG, '--resume', 'missing.pth'],
     'checkpoint missing.pth does not exist'),
])
def test_tools_say_what_is_missing_in_one_line(args, message):
    out = python_tool(*args)
    assert out.returncode != 0
    assert message in out.stderr
    assert 'Traceback' not in out.stderr


def test_test_tool_wants_a_checkpoint_for_a_trained_model(tiny_esd):
    out = python_tool('tools/test.py', TINY_CONFIG, *data_options(tiny_esd))
    assert out.returncode != 0
    assert 'has trainable weights: give the checkpoint' in out.stderr
    assert 'Traceback' not in out.stderr
