# Copyright (c) mmbleed contributors. All rights reserved.
"""Per-frame tracking error on long clips with and without memory refresh (BleedOrigin Fig. 13).

For every clip of a split longer than ``--min-frames``, the tracker of ``--tracker-config``
starts at the clip's first visible annotation (the expert point, as ``TrackingDataset``'s long
mode) and runs to the end, once per refresh setting (no refresh, every 30, 60 and 390 frames,
adaptive: :class:`mmbleed.models.trackers.MemoryRefresh`). The error of every frame where the
source is visible is taken against the generator's dense ground truth (``source_xy``); the
plot shows the mean error against frames since the query, the table Err_avg over those frames
and over the annotated ones (what ``TrackMetric`` scores).

Usage::

    python tools/analysis_tools/refresh_curve.py data/synthetic_esd/tracking --split test \\
        --out-png docs/refresh_curve.png --out-md work_dirs/refresh_curve.md
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List

import numpy as np

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from mmengine.config import Config  # noqa: E402
from mmengine.logging import print_log  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402

from mmbleed.datasets.synthetic import load_dense_gt  # noqa: E402
from mmbleed.datasets.video_reader import ClipReader  # noqa: E402
from mmbleed.models.trackers import MemoryRefresh, build_point_tracker  # noqa: E402
from mmbleed.utils import register_all_modules  # noqa: E402

DEFAULT_TRACKER = 'configs/baselines/mft-dis_synthetic-esd-small.py'
#: line style of each setting in the plot (no refresh and every 390 coincide on clips
#: shorter than 390 frames)
STYLES = {
    'no refresh': dict(color='black', linewidth=2.2),
    'every 30': dict(color='tab:orange'),
    'every 60': dict(color='tab:green'),
    'every 390': dict(color='tab:red', linestyle='--'),
    'adaptive': dict(color='tab:purple'),
}
#: name -> MemoryRefresh arguments
SETTINGS = {
    'no refresh': dict(interval=None),
    'every 30': dict(interval=30),
    'every 60': dict(interval=60),
    'every 390': dict(interval=390),
    'adaptive': dict(adaptive=True),
}
BIN = 10  # frames per point of the curve


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='tracking root (annotations/<split>.json, dense_gt/)')
    parser.add_argument('--split', default='test', choices=('train', 'val', 'test'))
    parser.add_argument('--tracker-config', default=DEFAULT_TRACKER)
    parser.add_argument('--checkpoint', default=None,
                        help='weights of a learned tracker (TrackOn configs)')
    parser.add_argument('--min-frames', type=int, default=300,
                        help='clips with more frames than this')
    parser.add_argument('--out-png', default=None, help='the Fig. 13-like plot')
    parser.add_argument('--out-md', default=None, help='the table as markdown')
    parser.add_argument('--out-json', default=None, help='every number as JSON')
    return parser.parse_args(argv)


def run_clip(frames: List[np.ndarray], query: np.ndarray, tracker) -> np.ndarray:
    """``(T, 2)`` predictions from ``frames[0]`` (the query frame) on."""
    out = [tracker.init(frames[0], query[None]).points[0]]
    out += [tracker.step(frame).points[0] for frame in frames[1:]]
    return np.array(out)


def main(argv=None) -> int:
    args = parse_args(argv)
    register_all_modules()
    try:
        with open(osp.join(args.root, 'annotations', f'{args.split}.json')) as f:
            entries = json.load(f)['data_list']
        cfg = Config.fromfile(args.tracker_config)
    except (FileNotFoundError, ValueError, KeyError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    inner = cfg.model.get('tracker', cfg.model)
    clips = [e for e in entries if e['num_frames'] > args.min_frames and e.get('dense_gt')
             and any(a.get('visible') and a.get('point') for a in e['annotations'])]
    if not clips:
        print(f'error: no {args.split} clip longer than {args.min_frames} frames with dense '
              'ground truth and a visible annotation', file=sys.stderr)
        return 1
    print_log(f'{len(clips)} {args.split} clips longer than {args.min_frames} frames; '
              f'{inner["type"]} x {len(SETTINGS)} refresh settings', logger='current')
    errors: Dict[str, List[np.ndarray]] = {name: [] for name in SETTINGS}
    annotated: Dict[str, List[np.ndarray]] = {name: [] for name in SETTINGS}
    refreshes: Dict[str, int] = {name: 0 for name in SETTINGS}
    tracker_to_refresh = build_point_tracker(cfg.model, args.checkpoint)  # init() restarts it
    bar = ProgressBar(len(clips) * len(SETTINGS))
    for entry in clips:
        first = next(a for a in entry['annotations'] if a.get('visible') and a.get('point'))
        start = first['frame']
        with ClipReader.from_entry(args.root, entry) as reader:
            frames = reader.get_many(range(start, entry['num_frames']))
        gt = load_dense_gt(osp.join(args.root, entry['dense_gt']),
                           keys=('source_xy', 'source_visible'))
        truth, visible = gt['source_xy'][start:], gt['source_visible'][start:]
        marks = np.zeros(len(frames), bool)
        for a in entry['annotations']:
            if a['frame'] > start and a.get('visible') and a.get('point') is not None:
                marks[a['frame'] - start] = True
        for name, kwargs in SETTINGS.items():
            tracker = MemoryRefresh(tracker_to_refresh, **kwargs)
            pred = run_clip(frames, np.asarray(first['point'], np.float64), tracker)
            err = np.linalg.norm(pred - truth, axis=1)
            err[~visible] = np.nan
            err[0] = np.nan  # the query frame
            errors[name].append(err)
            annotated[name].append(err[marks & visible])
            refreshes[name] += len(tracker.refreshed_at)
            bar.update()
    sys.stdout.write('\n')

    rows = []
    for name in SETTINGS:
        every = np.concatenate(errors[name])
        every = every[~np.isnan(every)]
        marked = np.concatenate(annotated[name])
        rows.append(dict(setting=name, err_avg_visible=float(every.mean()),
                         err_avg_annotated=float(marked.mean()), frames=int(every.size),
                         annotated=int(marked.size), refreshes=refreshes[name]))
    lines = [f'Tracker `{args.tracker_config}` ({inner["type"]}) on the {len(clips)} '
             f'{args.split} clips longer than {args.min_frames} frames, from the first visible '
             'annotation to the end.', '',
             '| refresh | Err_avg, visible frames (px) | Err_avg, annotated frames (px) | '
             'frames | annotated | refreshes |', '|---|---:|---:|---:|---:|---:|']
    for r in rows:
        lines.append(f'| {r["setting"]} | {r["err_avg_visible"]:.1f} | '
                     f'{r["err_avg_annotated"]:.1f} | {r["frames"]} | {r["annotated"]} | '
                     f'{r["refreshes"]} |')
    table = '\n'.join(lines)
    print(table)
    if args.out_md:
        os.makedirs(osp.dirname(osp.abspath(args.out_md)), exist_ok=True)
        with open(args.out_md, 'w') as f:
            f.write(table + '\n')
    if args.out_json:
        os.makedirs(osp.dirname(osp.abspath(args.out_json)), exist_ok=True)
        with open(args.out_json, 'w') as f:
            json.dump(dict(rows=rows, clips=[e['clip_id'] for e in clips], args=vars(args)),
                      f, indent=1)
    if args.out_png:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        length = max(len(e) for e in errors['no refresh'])
        fig, ax = plt.subplots(figsize=(7, 3.6))
        for name in SETTINGS:
            padded = np.full((len(errors[name]), length), np.nan)
            for i, e in enumerate(errors[name]):
                padded[i, :len(e)] = e
            nbins = length // BIN
            binned = [np.nanmean(padded[:, b * BIN:(b + 1) * BIN])
                      if np.isfinite(padded[:, b * BIN:(b + 1) * BIN]).any() else np.nan
                      for b in range(nbins)]
            ax.plot(np.arange(nbins) * BIN + BIN / 2, binned, label=name, **STYLES[name])
        ax.set_xlabel('frames since the query (30 fps)')
        ax.set_ylabel('mean error, visible frames (px)')
        ax.set_title(f'{inner["type"]}, {len(clips)} {args.split} clips > {args.min_frames} '
                     'frames')
        ax.legend(fontsize=8)
        fig.tight_layout()
        os.makedirs(osp.dirname(osp.abspath(args.out_png)), exist_ok=True)
        fig.savefig(args.out_png, dpi=110)
        print_log(f'plot -> {args.out_png}', logger='current')
    return 0


if __name__ == '__main__':
    sys.exit(main())
