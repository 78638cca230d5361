# Copyright (c) mmbleed contributors. All rights reserved.
"""Train a model with an MMEngine Runner (standard OpenMMLab arguments)."""
import argparse
import logging
import os
import os.path as osp
import sys

# Run the mmbleed of this checkout rather than an older installed copy (as
# dist_train.sh does with PYTHONPATH); the copy `mim` runs has no checkout around it.
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..')))

import mmbleed  # noqa: F401  (torch 2.13 fixes before anything else loads)
from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmbleed.registry import RUNNERS
from mmbleed.utils import register_all_modules
from mmbleed.utils.input_errors import run_reporting_input_errors


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train an mmbleed model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic mixed precision')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint; without a path, from the latest '
        'checkpoint in the work_dir')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value '
        '(e.g. train_cfg.max_iters=100 "model.backbone.depth=34")')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch (used by `mim train`) passes --local_rank or
    # --local-rank; torchrun sets LOCAL_RANK instead.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if not osp.isfile(args.config):
        parser.error(f'config {args.config} does not exist')
    if args.resume not in (None, 'auto') and not osp.isfile(args.resume):
        parser.error(f'checkpoint {args.resume} does not exist')
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    register_all_modules(init_default_scope=False)

    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    # work_dir: command line > config > ./work_dirs/<config name>
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper == 'AmpOptimWrapper':
            print_log(
                'AMP training is already enabled in your config.',
                logger='current',
                level=logging.WARNING)
        else:
            if optim_wrapper != 'OptimWrapper':
                sys.exit('error: --amp needs optim_wrapper.type OptimWrapper, '
                         f'the config has {optim_wrapper}')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    runner.train()


if __name__ == '__main__':
    run_reporting_input_errors(main)
