# Copyright (c) mmbleed contributors. All rights reserved.
"""User-pointed checkpoints load weights-only; only a Runner's own work_dir is trusted."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.runner import CheckpointLoader

import mmbleed  # noqa: F401  (installs the loader)
from mmbleed.compat import UnsafeCheckpointError, trust_checkpoints_under
from mmbleed.compat.checkpoint_loading import is_trusted, load_weights_only


class _RunsCode:
    """Unpickling this would run ``touch <marker>``."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def _mmengine_style_checkpoint(path: str) -> None:
    hub = MessageHub.get_instance('test_checkpoint_loading')
    hub.update_scalar('train/loss', 0.25)
    hub.update_scalar('train/loss', 0.75)
    torch.save(
        dict(
            meta=dict(epoch=2, iter=40, seed=np.int64(3)),
            state_dict={'w': torch.arange(3.)},
            message_hub=hub.state_dict()), path)


def test_mmengine_checkpoint_loads_weights_only(tmp_path):
    path = str(tmp_path / 'epoch_2.pth')
    _mmengine_style_checkpoint(path)
    # torch's own weights-only default refuses it ...
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    # ... mmbleed's loader reads it, HistoryBuffer and all.
    ckpt = CheckpointLoader.load_checkpoint(path, map_location='cpu')
    assert ckpt['meta']['iter'] == 40
    assert torch.equal(ckpt['state_dict']['w'], torch.arange(3.))
    buffer = ckpt['message_hub']['log_scalars']['train/loss']
    assert buffer.mean() == pytest.approx(0.5)
    assert buffer.current() == pytest.approx(0.75)


def test_crafted_pickle_is_refused_and_runs_nothing(tmp_path):
    marker = tmp_path / 'code_ran'
    path = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict={}, payload=_RunsCode(str(marker))), path)
    with pytest.raises(UnsafeCheckpointError) as info:
        CheckpointLoader.load_checkpoint(path, map_location='cpu')
    message = str(info.value)
    assert '\n' not in message
    assert 'evil.pth' in message and 'system' in message
    assert 'weights-only' in message
    assert not marker.exists()


def test_getattr_is_limited_to_history_buffer_methods(tmp_path):

    from mmengine.logging import HistoryBuffer

    class _GetattrPrivate:

        def __reduce__(self):
            return (getattr, (HistoryBuffer, '__init__'))

    path = str(tmp_path / 'getattr.pth')
    torch.save({'x': _GetattrPrivate()}, path)
    with pytest.raises(UnsafeCheckpointError, match='__init__'):
        load_weights_only(path)


def test_full_unpickling_only_under_a_trusted_dir(tmp_path):
    marker = tmp_path / 'work_dir' / 'code_ran'
    (tmp_path / 'work_dir').mkdir()
    inside = str(tmp_path / 'work_dir' / 'epoch_1.pth')
    outside = str(tmp_path / 'elsewhere.pth')
    for path in (inside, outside):
        torch.save(dict(payload=_RunsCode(str(marker))), path)
    with trust_checkpoints_under(str(tmp_path / 'work_dir')):
        assert is_trusted(inside) and not is_trusted(outside)
        with pytest.raises(UnsafeCheckpointError):
            CheckpointLoader.load_checkpoint(outside)
        CheckpointLoader.load_checkpoint(inside)  # the Runner's own file
    assert marker.exists()
    assert not is_trusted(inside)  # trust ends with the block


def test_missing_checkpoint_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'nope.pth'))


def test_init_cfg_pretrained_is_weights_only(tmp_path):
    from mmbleed.registry import MODELS
    head = MODELS.build(dict(type='mmbleed.HeatmapHead', in_channels=4))
    good = str(tmp_path / 'head.pth')
    torch.save({'state_dict': {k: torch.full_like(v, 0.5)
                               for k, v in head.state_dict().items()}}, good)
    loaded = MODELS.build(
        dict(type='mmbleed.HeatmapHead', in_channels=4,
             init_cfg=dict(type='Pretrained', checkpoint=good)))
    loaded.init_weights()
    assert torch.all(loaded.final.weight == 0.5)

    marker = tmp_path / 'code_ran'
    evil = str(tmp_path / 'evil_head.pth')
    torch.save({'state_dict': {}, 'x': _RunsCode(str(marker))}, evil)
    victim = MODELS.build(
        dict(type='mmbleed.HeatmapHead', in_channels=4,
             init_cfg=dict(type='Pretrained', checkpoint=evil)))
    with pytest.raises(UnsafeCheckpointError):
        victim.init_weights()
    assert not marker.exists()
