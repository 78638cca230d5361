# Copyright (c) mmbleed contributors. All rights reserved.
"""tools/analysis_tools/loss_plateau.py: per-epoch mean loss from MMEngine's scalars.json and
the plateau verdict, by hand."""
import importlib.util
import json
import os
import os.path as osp

import pytest
from tool_helpers import REPO_ROOT

_spec = importlib.util.spec_from_file_location(
    'loss_plateau', osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'loss_plateau.py'))
loss_plateau = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(loss_plateau)


def write_log(work_dir, losses_per_epoch, stamp='20261206_000000'):
    """A scalars.json as MMEngine writes it: two training records per epoch, a validation
    record (no loss, no epoch) after each epoch."""
    folder = osp.join(work_dir, stamp, 'vis_data')
    os.makedirs(folder)
    with open(osp.join(folder, 'scalars.json'), 'w') as f:
        for epoch, (a, b) in enumerate(losses_per_epoch, 1):
            for i, loss in enumerate((a, b)):
                f.write(json.dumps(dict(loss=loss, lr=1e-3, epoch=epoch, iter=5 * (i + 1),
                                        step=10 * epoch + i)) + '\n')
            f.write(json.dumps({'onset/Acc@8': 0.5, 'step': epoch}) + '\n')


def test_epoch_means_skip_validation_records():
    records = [dict(loss=2.0, epoch=1), dict(loss=4.0, epoch=1), {'val/x': 1.0, 'step': 1},
               dict(loss=1.0, epoch=2)]
    assert loss_plateau.epoch_means(records) == {1: 3.0, 2: 1.0}


def test_plateau_by_hand():
    means = {e: 1.0 for e in range(1, 5)}
    means.update({5: 0.60, 6: 0.60, 7: 0.59, 8: 0.59})
    # epochs 5-8 (0.595) against 1-4 (1.0): still falling
    ok, why = loss_plateau.plateau(means, window=4, tolerance=0.03)
    assert not ok and '-40.5 %' in why
    means.update({9: 0.59, 10: 0.58, 11: 0.58, 12: 0.58})
    # medians: epochs 9-12 (0.58) against 5-8 (0.595): -2.5 %, within 3 %
    ok, why = loss_plateau.plateau(means, window=4, tolerance=0.03)
    assert ok and '-2.5 %' in why and 'median loss' in why
    # means: 0.5825 against 0.595, -2.1 %
    ok, why = loss_plateau.plateau(means, window=4, tolerance=0.03, statistic='mean')
    assert ok and '-2.1 %' in why and 'mean loss' in why
    # judged at epoch 8 (e.g. where a constant learning rate ends) it was still falling
    assert not loss_plateau.plateau(means, window=4, tolerance=0.03, last_epoch=8)[0]
    # too few epochs to judge
    ok, why = loss_plateau.plateau(means, window=8)
    assert not ok and 'needs epochs' in why


def test_one_spiking_epoch_moves_the_mean_not_the_median():
    means = {e: 1.0 for e in range(1, 9)}
    means[8] = 1.5  # one bad epoch among flat ones
    assert loss_plateau.plateau(means, window=4)[0]  # median 1.0 vs 1.0
    ok, why = loss_plateau.plateau(means, window=4, statistic='mean')
    assert not ok and '+12.5 %' in why  # 1.125 vs 1.0
    with pytest.raises(ValueError, match='median'):
        loss_plateau.plateau(means, statistic='max')


def test_a_resumed_run_continues_the_epochs_of_the_first(tmp_path, capsys):
    # first start: epochs 1-3, killed in epoch 3; resumed from the epoch-2 checkpoint, the
    # second start repeats epoch 3 and goes on to 4
    write_log(str(tmp_path), [(4.0, 4.0), (2.0, 2.0), (9.0, 9.0)], stamp='20261207_050902')
    folder = osp.join(str(tmp_path), '20261207_070140', 'vis_data')
    os.makedirs(folder)
    with open(osp.join(folder, 'scalars.json'), 'w') as f:
        for epoch, loss in ((3, 1.0), (4, 1.0)):
            f.write(json.dumps(dict(loss=loss, epoch=epoch, iter=5, step=10 * epoch)) + '\n')
    assert loss_plateau.main([str(tmp_path), '--window', '1']) == 0  # epoch 4 vs 3: 1.0 vs 1.0
    out = capsys.readouterr().out
    assert '| 1 | 4.0000 |' in out and '| 3 | 1.0000 |' in out and '9.0000' not in out


def test_main_prints_the_epoch_means_and_the_verdict(tmp_path, capsys):
    write_log(str(tmp_path), [(3.0, 3.0)] * 4, stamp='20261205_000000')
    write_log(str(tmp_path), [(2.0, 2.2), (1.2, 1.0), (1.0, 1.0), (0.98, 1.0)])
    assert loss_plateau.main([str(tmp_path), '--window', '1']) == 0  # 0.99 vs 1.0
    out = capsys.readouterr().out
    assert '| 1 | 2.1000 |' in out and 'plateau: ' in out and '20261206_000000' in out
    assert loss_plateau.main([str(tmp_path), '--window', '2']) == 1  # 0.995 vs 1.6
    with pytest.raises(FileNotFoundError, match='scalars.json'):
        loss_plateau.main([str(tmp_path / 'nothing')])
