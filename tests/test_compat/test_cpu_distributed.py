# Copyright (c) mmbleed contributors. All rights reserved.
import os
import subprocess
import sys

import pytest
import torch
from torch import nn

from mmbleed.compat import CPUCompatibleDDP
from mmbleed.compat.cpu_distributed import _init_dist_pytorch


@pytest.fixture
def single_process_group(monkeypatch):
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', str(29400 + os.getpid() % 500))
    _init_dist_pytorch('nccl')  # nccl asked for, gloo used without CUDA
    yield
    torch.distributed.destroy_process_group()


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only path')
def test_cpu_init_and_ddp_wrap(single_process_group):
    assert torch.distributed.get_backend() == 'gloo'
    model = nn.Linear(2, 1)
    # the Runner passes device_ids=[LOCAL_RANK]; torch refuses it for a CPU module
    wrapped = CPUCompatibleDDP(module=model, device_ids=[0])
    out = wrapped(torch.ones(3, 2))
    out.sum().backward()
    assert model.weight.grad is not None
    assert wrapped.device_ids is None


@pytest.mark.skipif(torch.cuda.is_available(), reason='CPU-only path')
def test_gloo_process_group_destroyed_at_exit(tmp_path):
    """The exit handlers run while the interpreter is whole and leave no process group."""
    script = tmp_path / 'init_then_exit.py'
    script.write_text(
        'import atexit, torch.distributed as dist\n'
        'from mmbleed.compat.cpu_distributed import _init_dist_pytorch\n'
        "_init_dist_pytorch('nccl')\n"
        "print('initialised', dist.is_initialized())\n"
        'atexit._run_exitfuncs()\n'
        "print('after exit handlers', dist.is_initialized())\n")
    env = dict(os.environ, RANK='0', LOCAL_RANK='0', WORLD_SIZE='1',
               MASTER_ADDR='127.0.0.1', MASTER_PORT=str(29900 + os.getpid() % 90))
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'initialised True' in out.stdout
    assert 'after exit handlers False' in out.stdout
