# Copyright (c) mmbleed contributors. All rights reserved.
"""Test (evaluate) a model with an MMEngine Runner (standard OpenMMLab arguments).

The checkpoint you give is loaded weights-only: it never runs code from the file.
"""
import argparse
import os
import os.path as osp
import sys

# Run the mmbleed of this checkout rather than an older installed copy (as
# dist_train.sh does with PYTHONPATH); the copy `mim` runs has no checkout around it.
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..')))

import mmbleed  # noqa: F401  (torch 2.13 fixes before anything else loads)
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmbleed.registry import RUNNERS
from mmbleed.utils import register_all_modules
from mmbleed.utils.input_errors import run_reporting_input_errors


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test an mmbleed model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        default=None,
        help='checkpoint file (omit for models without weights, e.g. Red-Mask)')
    parser.add_argument(
        '--work-dir', help='the dir to save the evaluation results and logs')
    parser.add_argument(
        '--out', help='dump the per-sample predictions to this pickle file')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if not osp.isfile(args.config):
        parser.error(f'config {args.config} does not exist')
    if args.checkpoint is not None and not osp.isfile(args.checkpoint):
        parser.error(f'checkpoint {args.checkpoint} does not exist')
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        parser.error(f'--out must name a .pkl file, got {args.out}')
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

    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    cfg.load_from = args.checkpoint

    if args.out is not None:
        cfg.test_evaluator = [cfg.test_evaluator] if isinstance(
            cfg.test_evaluator, dict) else list(cfg.test_evaluator)
        cfg.test_evaluator.append(
            dict(type='DumpResults', out_file_path=args.out))

    if 'runner_type' not in cfg:
        runner = Runner.from_cfg(cfg)
    else:
        runner = RUNNERS.build(cfg)
    if args.checkpoint is None and any(
            p.requires_grad for p in runner.model.parameters()):
        sys.exit(f'error: {args.config} has trainable weights: give the checkpoint to '
                 'test (tools/test.py CONFIG CHECKPOINT)')
    runner.test()


if __name__ == '__main__':
    run_reporting_input_errors(main)
