# Copyright (c) mmbleed contributors. All rights reserved.
"""Stream every clip of a split through the onset detector, frame by frame, and compare.

For each clip of the config's test (or ``--split``) dataset this tool runs the detector
twice (BleedOrigin §4.1.1, Eq. 2):

- **offline**: the clip through the config's test pipeline and ``model.predict``;
- **streaming**: the clip's frames at their original resolution, one at a time, through
  ``model.init()``, ``model.step(frame)`` and ``model.finish()``, as an endoscope feed.

It reports whether both name the same onset and raise the alert at the same frame on every
clip, the onset accuracy of the streamed onsets (``OnsetMetric``'s arithmetic), the alert
delay (frames from the true onset to the alert), false alarms, and the per-frame latency of
``step`` on this machine (mean, median, 95th percentile; frame decoding excluded). The speed
numbers are a benchmark: they depend on the machine and its load, and no test asserts them.

Example::

    python tools/analysis_tools/onset_streaming.py \\
        configs/detect/bleedorigin-detect_mdg-tiny_synthetic-esd-small.py \\
        work_dirs/detect/best.pth --out-json work_dirs/detect/streaming.json

Exit status 1 when a clip's streamed onset or alert frame differs from the offline one.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.utils import ProgressBar

from mmbleed.datasets import ClipReader
from mmbleed.datasets.raw_layout import atomic_write_bytes
from mmbleed.evaluation.functional import alert_statistics, onset_accuracy
from mmbleed.registry import DATASETS, MODELS
from mmbleed.utils import register_all_modules


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='an onset detector config (configs/detect/)')
    parser.add_argument('checkpoint', nargs='?', default=None,
                        help='trained weights; omitted: the config\'s initial weights '
                        '(for checking streaming against offline only)')
    parser.add_argument('--split', default=None, choices=('train', 'val', 'test'),
                        help='annotation file of the config\'s test dataset to use instead '
                        'of its own (annotations/<split>.json)')
    parser.add_argument('--max-clips', type=int, default=None, help='first N clips only')
    parser.add_argument('--out-json', default=None, help='write every number as JSON')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, as tools/test.py')
    return parser.parse_args(argv)


def stream_clip(model, video: str, frame_dir: str, num_frames: int) -> Dict:
    """Run one clip through ``init``/``step``/``finish``; time each ``step``."""
    with ClipReader(video_path=video, frame_dir=frame_dir, num_frames=num_frames) as reader:
        frames = [np.asarray(f) for f in reader.get_many(list(range(num_frames)))]
    model.init()
    latencies, alert = [], None
    for frame in frames:
        start = time.perf_counter()
        status = model.step(frame)
        latencies.append(time.perf_counter() - start)
        if status.new_alert:
            alert = status.frame
    final = model.finish()
    if final.new_alert:
        alert = final.frame
    return dict(onset=final.onset, alert=alert, latencies=latencies)


def build_detector_and_clips(config: str, checkpoint: Optional[str], split: Optional[str],
                             cfg_options: Optional[dict]) -> Tuple[torch.nn.Module, object]:
    """The config's onset detector (with ``checkpoint``'s weights, in eval mode) and its
    test dataset, one sample per clip (``split``: that annotation file instead)."""
    register_all_modules()
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmbleed'))
    model = MODELS.build(cfg.model)
    if checkpoint:
        load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    model.eval()
    ds_cfg = cfg.test_dataloader.dataset
    if split:
        ds_cfg.ann_file = f'annotations/{split}.json'
    dataset = DATASETS.build(ds_cfg)
    if not getattr(dataset, 'clip_mode', False):
        sys.exit(f'{config}: the test dataset must be an OnsetDataset with '
                 'clip_mode=True (one sample per clip)')
    return model, dataset


def main(argv=None) -> int:
    args = parse_args(argv)
    model, dataset = build_detector_and_clips(args.config, args.checkpoint, args.split,
                                              args.cfg_options)
    num = len(dataset) if args.max_clips is None else min(args.max_clips, len(dataset))
    clips: List[dict] = []
    latencies: List[float] = []
    bar = ProgressBar(num)
    for i in range(num):
        info = dataset.get_data_info(i)
        packed = dataset[i]
        with torch.no_grad():
            offline = model.predict([packed['inputs']], [packed['data_samples']])[0]
        streamed = stream_clip(model, info['video'], info['frame_dir'], info['num_frames'])
        latencies += streamed['latencies']
        off_onset = None if offline.pred_onset < 0 else int(offline.pred_onset)
        off_alert = None if offline.pred_alert_frame < 0 else int(offline.pred_alert_frame)
        clips.append(dict(clip_id=info['clip_id'], gt=info['gt_onset'],
                          num_frames=info['num_frames'], fps=info['fps'],
                          offline_onset=off_onset, offline_alert=off_alert,
                          stream_onset=streamed['onset'], stream_alert=streamed['alert']))
        bar.update()
    sys.stdout.write('\n')
    mismatched = [c['clip_id'] for c in clips
                  if (c['offline_onset'], c['offline_alert']) != (c['stream_onset'],
                                                                   c['stream_alert'])]
    gts = [c['gt'] for c in clips]
    scores = onset_accuracy([c['stream_onset'] for c in clips], gts)
    scores.update(alert_statistics([c['stream_alert'] for c in clips], gts,
                                   [c['num_frames'] for c in clips], [c['fps'] for c in clips]))
    ms = np.asarray(latencies) * 1000.0
    speed = dict(frames=int(ms.size), mean_ms=float(ms.mean()), median_ms=float(np.median(ms)),
                 p95_ms=float(np.percentile(ms, 95)), max_ms=float(ms.max()),
                 threads=torch.get_num_threads())
    print(f'clips: {len(clips)}; streaming == offline (onset and alert frame) on '
          f'{len(clips) - len(mismatched)}; differing: {mismatched or "none"}')
    print('streamed onsets: ' + ', '.join(
        f'{k} {scores[k]:.3f}' for k in ('Acc@0', 'Acc@2', 'Acc@4', 'Acc@8', 'Acc@16', 'MAE',
                                          'miss_rate', 'false_alarm_rate',
                                          'false_alarms_per_min', 'alert_delay_median',
                                          'alert_delay_mean')))
    print(f'step() latency over {speed["frames"]} frames ({speed["threads"]} torch threads): '
          f'mean {speed["mean_ms"]:.1f} ms, median {speed["median_ms"]:.1f} ms, '
          f'p95 {speed["p95_ms"]:.1f} ms, max {speed["max_ms"]:.1f} ms '
          f'({1000.0 / speed["mean_ms"]:.0f} frames/s)')
    if args.out_json:
        os.makedirs(osp.dirname(osp.abspath(args.out_json)), exist_ok=True)
        report = dict(config=args.config, checkpoint=args.checkpoint,
                      command=' '.join(['python'] + sys.argv), clips=clips,
                      mismatched=mismatched, scores=scores, latency=speed)
        atomic_write_bytes(args.out_json, json.dumps(report, indent=1).encode('utf-8'))
    return 1 if mismatched else 0


if __name__ == '__main__':
    sys.exit(main())
