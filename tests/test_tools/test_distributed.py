# Copyright (c) mmbleed contributors. All rights reserved.
"""Two CPU processes: tools/dist_train.sh (torchrun), `mim train`, and mmdet's own
tools/train.py running mmbleed components through custom_imports."""
import glob
import os
import os.path as osp
import shutil
import sys

import torch
from tool_helpers import (REPO_ROOT, TEST_CONFIGS, data_options, explain,
                          free_port, run)

DIST_CONFIG = osp.join(TEST_CONFIGS, 'tiny_source_regressor_dist.py')
HOOK_DIR = osp.join(REPO_ROOT, 'tests', 'data')


def _assert_two_ranks_trained_identically(work_dir: str) -> None:
    ranks = [
        torch.load(osp.join(work_dir, f'rank{r}_params.pth'))
        for r in (0, 1)
    ]
    assert ranks[0].keys() == ranks[1].keys() and ranks[0]
    for name in ranks[0]:
        assert torch.equal(ranks[0][name], ranks[1][name]), name
    ckpt = torch.load(osp.join(work_dir, 'epoch_2.pth'), weights_only=False)
    first = torch.load(osp.join(work_dir, 'epoch_1.pth'), weights_only=False)
    # the saved weights are those of rank 0 after training ...
    for name, value in ranks[0].items():
        assert torch.equal(ckpt['state_dict'][name], value), name
    assert ckpt['meta']['epoch'] == 2
    # ... and the second epoch changed them
    assert any(not torch.equal(first['state_dict'][n], v) for n, v in ranks[0].items())


def test_dist_train_sh_two_cpu_processes(tiny_esd, tmp_path):
    work_dir = str(tmp_path / 'dist')
    out = run(
        ['bash', 'tools/dist_train.sh', DIST_CONFIG, '2', '--work-dir',
         work_dir, *data_options(tiny_esd)],
        env=dict(
            PYTHON=sys.executable,
            PORT=str(free_port()),
            PYTHONPATH=HOOK_DIR + os.pathsep + os.environ.get('PYTHONPATH', '')))
    assert out.returncode == 0, explain(out)
    assert 'gloo' in out.stdout + out.stderr
    _assert_two_ranks_trained_identically(work_dir)


def test_mim_train_two_processes(tiny_esd, tmp_path):
    mim = shutil.which('mim', path=osp.dirname(sys.executable))
    assert mim, ('openmim is not installed in this environment; run '
                 'bash tools/install.sh')
    work_dir = str(tmp_path / 'mim')
    out = run(
        [mim, 'train', 'mmbleed', DIST_CONFIG, '--launcher', 'pytorch',
         '--gpus', '2', '--port', str(free_port()), '--work-dir', work_dir,
         *data_options(tiny_esd)],
        env=dict(PYTHONPATH=HOOK_DIR))
    assert out.returncode == 0, explain(out)
    # mim ran the train.py installed inside the package, not the checkout's: it trains
    # the mmbleed installed by tools/install.sh (re-run it after changing the code)
    assert 'mmbleed/.mim/tools/train.py' in out.stdout + out.stderr
    _assert_two_ranks_trained_identically(work_dir)


def test_mmdet_tools_train_builds_mmbleed_components(tiny_esd, tmp_path):
    import mmdet
    train_py = osp.join(osp.dirname(mmdet.__file__), '.mim', 'tools',
                        'train.py')
    assert osp.isfile(train_py), train_py
    work_dir = str(tmp_path / 'mmdet')
    root = tiny_esd.rstrip('/') + '/'
    out = run([
        sys.executable, train_py,
        osp.join(TEST_CONFIGS, 'mmdet_runs_mmbleed_components.py'),
        '--work-dir', work_dir, '--cfg-options',
        f'train_dataloader.dataset.data_root={root}'
    ])
    assert out.returncode == 0, explain(out)
    ckpts = glob.glob(osp.join(work_dir, 'epoch_1.pth'))
    assert ckpts, explain(out)
    state = torch.load(ckpts[0], weights_only=False)['state_dict']
    assert any(k.startswith('head.') for k in state)
    assert any(k.startswith('backbone.') for k in state)
