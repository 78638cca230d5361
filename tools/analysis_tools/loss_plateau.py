# Copyright (c) mmbleed contributors. All rights reserved.
"""Has a training run's loss reached a plateau? Per-epoch mean loss from MMEngine's log.

Reads the ``vis_data/scalars.json`` that MMEngine's ``LocalVisBackend`` writes into a work
dir (one JSON record per logged iteration; the newest run when there are several), averages
a loss key over each epoch, and compares the mean of the last ``--window`` epochs (up to
``--last-epoch``, e.g. the end of a constant learning rate) with the mean of the ``--window``
epochs before: a plateau is a relative change within ``--tolerance``. The YOLO-style
baselines' CPU schedule keeps the learning rate constant to epoch 32 so that the judgement is
not made by a decaying rate (``configs/_base_/datasets/synthetic_esd_boxes.py``).

Example::

    python tools/analysis_tools/loss_plateau.py work_dirs/rtmdet-tiny_synthetic-esd-small \\
        --last-epoch 32

Exit status 0 when the loss has plateaued, 1 when it has not (or the log is too short).
"""
import argparse
import glob
import json
import os.path as osp
import sys
from typing import Dict, List, Optional, Tuple


def find_scalars(path: str) -> str:
    """``path`` itself, or the newest ``<work dir>/<timestamp>/vis_data/scalars.json``."""
    if osp.isfile(path):
        return path
    found = sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    if not found:
        raise FileNotFoundError(f'{path}: no */vis_data/scalars.json (is it an MMEngine '
                                'work dir with a LocalVisBackend?)')
    return found[-1]


def epoch_means(records: List[dict], key: str = 'loss') -> Dict[int, float]:
    """Mean of ``key`` over each epoch's training records (those with ``epoch`` and
    ``key``; validation records carry neither)."""
    sums: Dict[int, List[float]] = {}
    for r in records:
        if key in r and 'epoch' in r:
            sums.setdefault(int(r['epoch']), []).append(float(r[key]))
    return {e: sum(v) / len(v) for e, v in sorted(sums.items())}


def plateau(means: Dict[int, float], window: int = 8, tolerance: float = 0.03,
            last_epoch: Optional[int] = None) -> Tuple[bool, str]:
    """Whether the mean of the last ``window`` epochs (to ``last_epoch``) is within
    ``tolerance`` (relative) of the mean of the ``window`` epochs before, and why."""
    last = max(means) if last_epoch is None else last_epoch
    recent = [means[e] for e in range(last - window + 1, last + 1) if e in means]
    before = [means[e] for e in range(last - 2 * window + 1, last - window + 1) if e in means]
    if len(recent) < window or len(before) < window:
        return False, (f'needs epochs {last - 2 * window + 1}-{last}; the log has '
                       f'{min(means, default=0)}-{max(means, default=0)}')
    a, b = sum(before) / window, sum(recent) / window
    change = (b - a) / abs(a) if a else float('inf')
    verdict = abs(change) <= tolerance
    return verdict, (f'mean loss of epochs {last - window + 1}-{last}: {b:.4f}, of epochs '
                     f'{last - 2 * window + 1}-{last - window}: {a:.4f}, change '
                     f'{100 * change:+.1f} % ({"within" if verdict else "beyond"} '
                     f'{100 * tolerance:g} %)')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('path', help='a work dir, or a scalars.json')
    parser.add_argument('--key', default='loss', help='the logged loss to judge')
    parser.add_argument('--window', type=int, default=8, help='epochs compared')
    parser.add_argument('--tolerance', type=float, default=0.03,
                        help='relative change that still counts as a plateau')
    parser.add_argument('--last-epoch', type=int, default=None,
                        help='judge up to this epoch (default: the last logged)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    path = find_scalars(args.path)
    records = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f'{path}:{n}: not a JSON record ({e})') from None
    means = epoch_means(records, args.key)
    if not means:
        print(f'{path}: no training record has "{args.key}"')
        return 1
    print(f'{path}\n| epoch | mean {args.key} |\n|---:|---:|')
    for e, v in means.items():
        print(f'| {e} | {v:.4f} |')
    ok, why = plateau(means, args.window, args.tolerance, args.last_epoch)
    print(('plateau: ' if ok else 'no plateau: ') + why)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
