# Copyright (c) mmbleed contributors. All rights reserved.
"""The main job on the embedded default, end to end on the CPU.

1. Generate the synthetic ESD dataset into ``data/synthetic_esd`` (first use only; cached).
2. Train the heat-map source regressor on it with ``tools/train.py``.
3. Test the trained checkpoint, and the hand-crafted Red-Mask baseline, with ``tools/test.py``.
4. Test BleedOrigin's source module (the CPU config, its weights committed under
   ``checkpoints/``) on the same test split, with ``tools/test.py``: what the method reaches.
5. Score the shortcut rules the model must beat on the same test split (frame centre,
   brightest region, darkest-red blob, Red-Mask argmax), with
   ``tools/analysis_tools/hand_crafted_baselines.py``.

Each step is the standard OpenMMLab command, printed before it runs, so it can be repeated by
hand.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = 'configs/source/heatmap-regressor_resnet18-tiny_synthetic-esd-small.py'
BASELINE_CONFIG = 'configs/baselines/red-mask_synthetic-esd-small.py'
SOURCE_MODULE_CONFIG = 'configs/detect/bleedorigin-source_resnet18-tiny_synthetic-esd-small.py'
SOURCE_MODULE_CHECKPOINT = 'checkpoints/bleedorigin-source_resnet18-tiny_synthetic-esd-small.pth'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default='data/synthetic_esd')
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument(
        '--work-dir',
        default='work_dirs/heatmap-regressor_resnet18-tiny_synthetic-esd-small')
    parser.add_argument(
        '--regenerate', action='store_true', help='regenerate the dataset')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def run(cmd: list) -> None:
    """Run one step; a failed step ends the job with one line (its own error is above)."""
    print('\n$ ' + ' '.join(cmd), flush=True)
    code = subprocess.run(cmd, cwd=ROOT).returncode
    if code != 0:
        sys.exit(f'error: this step failed (exit {code}): {" ".join(cmd)}')


def cached_dataset_is_current(data_root: str) -> bool:
    """The dataset was fully written (annotations exist) by this generator version."""
    sys.path.insert(0, ROOT)
    from mmbleed.datasets.synthetic.generator import FORMAT_VERSION, MARKER
    marker = osp.join(ROOT, data_root, MARKER)
    done = osp.join(ROOT, data_root, 'detection', 'annotations', 'test.json')
    if not (osp.isfile(marker) and osp.isfile(done)):
        return False
    with open(marker) as f:
        return json.load(f).get('format_version') == FORMAT_VERSION


def ensure_dataset(data_root: str, seed: int, regenerate: bool) -> None:
    if cached_dataset_is_current(data_root) and not regenerate:
        print(f'using the cached synthetic ESD dataset in {data_root}')
        return
    run([
        sys.executable, 'tools/dataset_converters/generate_synthetic_esd.py',
        '--out', data_root, '--preset', 'small', '--seed',
        str(seed)
    ])


def main() -> None:
    args = parse_args()
    os.chdir(ROOT)
    start = time.time()
    ensure_dataset(args.data_root, args.seed, args.regenerate)
    root = f'{args.data_root}/detection/'
    test_opts = ['--cfg-options', f'test_dataloader.dataset.data_root={root}']
    data_opts = test_opts + [
        f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}'
    ]
    run([sys.executable, 'tools/train.py', args.config, '--work-dir',
         args.work_dir] + data_opts)
    with open(osp.join(args.work_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    run([sys.executable, 'tools/test.py', args.config, checkpoint,
         '--work-dir', args.work_dir] + data_opts)
    run([sys.executable, 'tools/test.py', BASELINE_CONFIG, '--work-dir',
         args.work_dir + '_red-mask'] + test_opts)
    run([sys.executable, 'tools/test.py', SOURCE_MODULE_CONFIG, SOURCE_MODULE_CHECKPOINT,
         '--work-dir', args.work_dir + '_bleedorigin-source'] + test_opts)
    run([sys.executable, 'tools/analysis_tools/hand_crafted_baselines.py', args.data_root,
         '--stages', 'source'])
    print(f'\nmain job done in {time.time() - start:.0f} s; checkpoint: '
          f'{checkpoint}')


if __name__ == '__main__':
    main()
