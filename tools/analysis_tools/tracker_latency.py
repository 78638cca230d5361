# Copyright (c) mmbleed contributors. All rights reserved.
"""Per-frame latency of trackers streaming a clip, as next to an endoscope (a benchmark).

Each tracker config (``model.tracker``, optionally wrapped in ``MemoryRefresh`` with
``--refresh``) gets the first frames of the tracking clips of a split through ``init`` and
then one ``step(frame)`` per frame, at the original resolution, with ``--points`` query points
(the source is one point; dense tissue tracks are many). The time of each ``step`` is
measured (frame decoding excluded) and summarised per tracker: mean, median and 95th
percentile in milliseconds and the frames per second the median allows. The numbers depend on
the machine and its load; no test asserts them.

Example::

    python tools/analysis_tools/tracker_latency.py \\
        configs/baselines/lucas-kanade_synthetic-esd-small.py \\
        configs/baselines/mft-dis_synthetic-esd-small.py --out-md work_dirs/tracker_latency.md
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import List

import numpy as np

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402

from mmbleed.datasets import ClipReader  # noqa: E402
from mmbleed.models.trackers import MemoryRefresh, build_point_tracker  # noqa: E402
from mmbleed.utils import register_all_modules  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='tracker configs (model.tracker)')
    parser.add_argument('--root', default='data/synthetic_esd/tracking',
                        help='tracking root with annotations/<split>.json')
    parser.add_argument('--split', default='test', choices=('train', 'val', 'test'))
    parser.add_argument('--clips', type=int, default=5, help='first N clips of the split')
    parser.add_argument('--frames', type=int, default=120, help='frames per clip')
    parser.add_argument('--points', type=int, default=1, help='query points per clip')
    parser.add_argument('--refresh', type=int, default=None,
                        help='wrap each tracker in MemoryRefresh(interval=N)')
    parser.add_argument('--threads', type=int, default=2, help='torch / OpenCV threads')
    parser.add_argument('--out-md', default=None)
    parser.add_argument('--out-json', default=None)
    return parser.parse_args(argv)


def query_points(frame: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` points in the middle half of the frame (the first one at its centre)."""
    h, w = frame.shape[:2]
    pts = rng.uniform([w / 4, h / 4], [3 * w / 4, 3 * h / 4], size=(k, 2))
    pts[0] = [(w - 1) / 2, (h - 1) / 2]
    return pts


def main(argv=None) -> int:
    args = parse_args(argv)
    register_all_modules()
    torch.set_num_threads(args.threads)
    import cv2
    cv2.setNumThreads(args.threads)
    try:
        with open(osp.join(args.root, 'annotations', f'{args.split}.json')) as f:
            entries = json.load(f)['data_list'][:args.clips]
        configs = [Config.fromfile(c) for c in args.configs]
    except (FileNotFoundError, ValueError, KeyError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    clips: List[List[np.ndarray]] = []
    for entry in entries:
        with ClipReader.from_entry(args.root, entry) as reader:
            clips.append(reader.get_many(range(min(args.frames, entry['num_frames']))))
    rows = []
    bar = ProgressBar(len(configs) * len(clips))
    for path, cfg in zip(args.configs, configs):
        inner = cfg.model.get('tracker', cfg.model)
        times = []
        for i, frames in enumerate(clips):
            tracker = build_point_tracker(cfg.model)  # weights do not change the time
            if args.refresh:
                tracker = MemoryRefresh(tracker, interval=args.refresh)
            tracker.init(frames[0], query_points(frames[0], args.points,
                                                 np.random.default_rng(i)))
            for frame in frames[1:]:
                t0 = time.perf_counter()
                tracker.step(frame)
                times.append(time.perf_counter() - t0)
            bar.update()
        ms = 1000 * np.asarray(times)
        rows.append(dict(config=path, tracker=inner['type'], steps=int(ms.size),
                         mean_ms=float(ms.mean()), median_ms=float(np.median(ms)),
                         p95_ms=float(np.percentile(ms, 95)),
                         fps_at_median=float(1000 / np.median(ms))))
    sys.stdout.write('\n')
    h, w = clips[0][0].shape[:2]
    lines = [f'{len(clips)} {args.split} clips x {args.frames} frames at {w}x{h}, '
             f'{args.points} query point(s), {args.threads} threads'
             + (f', MemoryRefresh every {args.refresh}' if args.refresh else '') + '.', '',
             '| tracker | steps | mean (ms) | median (ms) | p95 (ms) | frames/s at the median |',
             '|---|---:|---:|---:|---:|---:|']
    for r in rows:
        lines.append(f'| {r["tracker"]} (`{r["config"]}`) | {r["steps"]} | {r["mean_ms"]:.2f} | '
                     f'{r["median_ms"]:.2f} | {r["p95_ms"]:.2f} | {r["fps_at_median"]:.0f} |')
    table = '\n'.join(lines)
    print(table)
    for out, text in ((args.out_md, table + '\n'),
                      (args.out_json, json.dumps(dict(rows=rows, args=vars(args)), indent=1))):
        if out:
            os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
            with open(out, 'w') as f:
                f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
