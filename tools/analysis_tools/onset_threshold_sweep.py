# Copyright (c) mmbleed contributors. All rights reserved.
"""Sweep the window-confidence threshold of Eq. 2 over a trained onset detector.

Eq. 2 (BleedOrigin §4.1.1) names the onset as the earliest ``t + ⌊θN⌋`` over the windows
whose confidence passes a threshold (``model.conf_thr``: 0.5, or one chosen this way); the
streaming alert goes up at the first such window. The threshold trades misses against false
alarms and early alerts. This tool runs the detector offline once over every clip of a
split, keeps each window's ``(θ, confidence)``, and scores the onsets and alerts every threshold of
``--thresholds`` gives, with ``OnsetMetric``'s arithmetic (``onset_accuracy``,
``alert_statistics``). Choose on the train or validation split, never on test.

Example (the 80-clip validation set of new patients, seed 3; see docs/onset_detection.md)::

    python tools/analysis_tools/onset_threshold_sweep.py \\
        configs/detect/bleedorigin-detect_mdg-tiny_synthetic-esd-small.py \\
        work_dirs/detect/epoch_20.pth --split val \\
        --cfg-options test_dataloader.dataset.data_root=data/synthetic_esd_seed3/detection/ \\
        --out-json work_dirs/detect/threshold_sweep_val.json
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, List, Sequence

import torch
from mmengine.config import DictAction
from mmengine.utils import ProgressBar

from mmbleed.datasets.raw_layout import atomic_write_bytes
from mmbleed.evaluation.functional import (alert_statistics, earliest_onset_from_windows,
                                           first_alert_from_windows, onset_accuracy)

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from onset_streaming import build_detector_and_clips  # noqa: E402

#: the columns printed, in order
COLUMNS = ('Acc@2', 'Acc@4', 'Acc@8', 'Acc@16', 'MAE', 'miss_rate', 'false_alarm_rate',
           'alert_delay_median')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help='an onset detector config (configs/detect/)')
    parser.add_argument('checkpoint', help='trained weights')
    parser.add_argument('--split', default='val', choices=('train', 'val', 'test'),
                        help='annotation file of the config\'s test dataset to score '
                        '(annotations/<split>.json); default val')
    parser.add_argument('--thresholds', type=float, nargs='+',
                        default=[0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
                        help='window-confidence thresholds to score')
    parser.add_argument('--out-json', default=None, help='write every number as JSON')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, as tools/test.py')
    return parser.parse_args(argv)


def score_threshold(clips: Sequence[Dict], window: int, thr: float) -> Dict[str, float]:
    """Onset and alert scores of every clip's windows at one threshold."""
    onsets, alerts = [], []
    for c in clips:
        onsets.append(earliest_onset_from_windows(c['starts'], c['thetas'], c['confs'],
                                                  window, thr, c['valid']))
        alerts.append(first_alert_from_windows(c['starts'], c['confs'], thr, c['valid'],
                                               window))
    gts = [c['gt'] for c in clips]
    scores = onset_accuracy(onsets, gts)
    scores.update(alert_statistics(alerts, gts, [c['num_frames'] for c in clips],
                                   [c['fps'] for c in clips]))
    return scores


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.split == 'test':
        print('note: a threshold chosen here must come from train or val; test is for '
              'reporting the chosen one')
    model, dataset = build_detector_and_clips(args.config, args.checkpoint, args.split,
                                              args.cfg_options)
    clips: List[Dict] = []
    bar = ProgressBar(len(dataset))
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        packed = dataset[i]
        with torch.no_grad():
            windows = model.window_outputs(
                model.extract_frame_features(packed['inputs'])['feats'],
                int(packed['data_samples'].metainfo.get('window_start', 0)))
        clips.append(dict(clip_id=info['clip_id'], gt=info['gt_onset'],
                          num_frames=info['num_frames'], fps=info['fps'], **windows))
        bar.update()
    sys.stdout.write('\n')
    rows = {thr: score_threshold(clips, model.window, thr) for thr in args.thresholds}
    print(f'{len(clips)} clips of {dataset.ann_file}; '
          f'the config\'s threshold is {model.conf_thr}')
    print('| conf_thr | ' + ' | '.join(COLUMNS) + ' |')
    print('|---:|' + '---:|' * len(COLUMNS))
    for thr, s in rows.items():
        print(f'| {thr:g} | ' + ' | '.join(f'{s[k]:.3f}' for k in COLUMNS) + ' |')
    if args.out_json:
        report = dict(config=args.config, checkpoint=args.checkpoint, split=args.split,
                      data_root=dataset.data_root, command=' '.join(['python'] + sys.argv),
                      scores={str(t): s for t, s in rows.items()}, clips=clips)
        atomic_write_bytes(args.out_json, json.dumps(report, indent=1).encode('utf-8'))
    return 0


if __name__ == '__main__':
    sys.exit(main())
