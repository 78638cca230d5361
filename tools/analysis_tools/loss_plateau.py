# Copyright (c) mmbleed contributors. All rights reserved.
"""Has a training run's loss reached a plateau? Per-epoch mean loss from MMEngine's log.

Reads the ``vis_data/scalars.json`` files that MMEngine's ``LocalVisBackend`` writes into a
work dir (one JSON record per logged iteration, one folder per start of ``tools/train.py``),
averages a loss key over each epoch, and compares the median of the per-epoch means of the
last ``--window`` epochs (up to ``--last-epoch``, e.g. the end of a constant learning rate)
with that of the ``--window`` epochs before: a plateau is a relative change within
``--tolerance``. The median, not the mean, because single epochs of a small-batch CPU run
spike (YOLOX-tiny's epochs 21-22 and 30-31 on v2 moved an 8-epoch mean by 4 %);
``--statistic mean`` gives the mean. A run resumed with ``--resume`` writes a new folder and
repeats the epochs after its checkpoint: the folders are read oldest first and an epoch of a
later one replaces the same epoch of an earlier one. The YOLO-style baselines' CPU schedule
keeps the learning rate constant to epoch 32 so that the judgement is not made by a decaying
rate (``configs/_base_/datasets/synthetic_esd_boxes.py``).

Example::

    python tools/analysis_tools/loss_plateau.py work_dirs/rtmdet-tiny_synthetic-esd-small \\
        --last-epoch 32

Exit status 0 when the loss has plateaued, 1 when it has not (or the log is too short).
"""
import argparse
import glob
import json
import os.path as osp
import statistics
import sys
from typing import Dict, List, Optional, Tuple


def find_scalars(path: str) -> List[str]:
    """``[path]`` for a file, else every ``<work dir>/<timestamp>/vis_data/scalars.json``,
    oldest first (MMEngine names the folders by start time)."""
    if osp.isfile(path):
        return [path]
    found = sorted(glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    if not found:
        raise FileNotFoundError(f'{path}: no */vis_data/scalars.json (is it an MMEngine '
                                'work dir with a LocalVisBackend?)')
    return found


def read_records(path: str) -> List[dict]:
    """The JSON records of one scalars.json; a malformed line is named with its number."""
    records = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise ValueError(f'{path}:{n}: not a JSON record ({e})') from None
    return records


def epoch_means(records: List[dict], key: str = 'loss') -> Dict[int, float]:
    """Mean of ``key`` over each epoch's training records (those with ``epoch`` and
    ``key``; validation records carry neither)."""
    sums: Dict[int, List[float]] = {}
    for r in records:
        if key in r and 'epoch' in r:
            sums.setdefault(int(r['epoch']), []).append(float(r[key]))
    return {e: sum(v) / len(v) for e, v in sorted(sums.items())}


def plateau(means: Dict[int, float], window: int = 8, tolerance: float = 0.03,
            last_epoch: Optional[int] = None,
            statistic: str = 'median') -> Tuple[bool, str]:
    """Whether the ``statistic`` (median or mean) of the per-epoch losses of the last
    ``window`` epochs (to ``last_epoch``) is within ``tolerance`` (relative) of that of the
    ``window`` epochs before, and why."""
    if statistic not in ('median', 'mean'):
        raise ValueError(f'statistic must be "median" or "mean", not "{statistic}"')
    summary = statistics.median if statistic == 'median' else statistics.fmean
    last = max(means) if last_epoch is None else last_epoch
    recent = [means[e] for e in range(last - window + 1, last + 1) if e in means]
    before = [means[e] for e in range(last - 2 * window + 1, last - window + 1) if e in means]
    if len(recent) < window or len(before) < window:
        return False, (f'needs epochs {last - 2 * window + 1}-{last}; the log has '
                       f'{min(means, default=0)}-{max(means, default=0)}')
    a, b = summary(before), summary(recent)
    change = (b - a) / abs(a) if a else float('inf')
    verdict = abs(change) <= tolerance
    return verdict, (f'{statistic} loss of epochs {last - window + 1}-{last}: {b:.4f}, of epochs '
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
    parser.add_argument('--statistic', choices=('median', 'mean'), default='median',
                        help='how each window of per-epoch losses is summarised')
    parser.add_argument('--last-epoch', type=int, default=None,
                        help='judge up to this epoch (default: the last logged)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    paths = find_scalars(args.path)
    means: Dict[int, float] = {}
    for path in paths:  # a resumed run's epochs replace those it repeats
        means.update(epoch_means(read_records(path), args.key))
    means = dict(sorted(means.items()))
    if not means:
        print(f'{args.path}: no training record has "{args.key}"')
        return 1
    print('\n'.join(paths) + f'\n| epoch | mean {args.key} |\n|---:|---:|')
    for e, v in means.items():
        print(f'| {e} | {v:.4f} |')
    ok, why = plateau(means, args.window, args.tolerance, args.last_epoch, args.statistic)
    print(('plateau: ' if ok else 'no plateau: ') + why)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
