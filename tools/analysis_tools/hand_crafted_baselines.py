# Copyright (c) mmbleed contributors. All rights reserved.
"""Hand-crafted baselines on a raw detection root: is the data hard enough to be worth learning?

1. Red-Mask argmax (source): the point of the largest ``red_mask_map`` value of a frame,
   scored as Err<=50px over the annotated visible frames of positive clips and over their onset
   frames only.
2. Frame-difference onset rule: onset = first frame whose mean absolute difference to the
   previous frame (in the red mask, or in RGB) exceeds a threshold tuned on the train split;
   scored as onset Acc+-8 frames over positive clips (no prediction counts as wrong), plus the
   false-alarm rate on clips without bleeding.

Clips and points come from the converter's ``<root>/annotations/<split>.json`` (run
``tools/dataset_converters/raw_to_mmbleed.py <root>`` first; points in mmbleed pixels) and
frames from :class:`mmbleed.datasets.ClipReader` (videos or frame folders).

Example::

    python tools/analysis_tools/hand_crafted_baselines.py data/synthetic_esd/detection
"""
import argparse
import json
import os.path as osp
import sys
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
from mmengine.logging import print_log

# Run the mmbleed of this checkout rather than an older installed copy (as
# dist_train.sh does with PYTHONPATH); the copy `mim` runs has no checkout around it.
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from mmbleed.datasets import ClipReader
from mmbleed.utils import red_mask_map


def load_clips(root: str, split: str) -> List[dict]:
    """The ``data_list`` of the converter's ``<root>/annotations/<split>.json``."""
    path = osp.join(root, 'annotations', f'{split}.json')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path}: annotation file not found; run '
            f'tools/dataset_converters/raw_to_mmbleed.py {root} first')
    with open(path, encoding='utf-8') as f:
        return json.load(f)['data_list']


def clip_reader(root: str, clip: dict) -> ClipReader:
    """A :class:`ClipReader` over a clip's video or frame folder."""
    def join(rel):
        return None if rel is None else osp.join(root, rel)

    return ClipReader(video_path=join(clip.get('video')),
                      frame_dir=join(clip.get('frame_dir')),
                      num_frames=clip['num_frames'])


def read_frames(reader: ClipReader) -> Iterator[np.ndarray]:
    """Every frame of a clip in order, decoded one at a time."""
    for t in range(len(reader)):
        yield reader.get(t)


def visible_points(clip: dict) -> Dict[int, Tuple[float, float]]:
    """``{frame: (x, y)}`` of a clip's annotated frames whose source is visible."""
    return {int(a['frame']): tuple(a['point']) for a in clip.get('annotations') or []
            if a.get('point') is not None and a.get('visible', True)}


def scan_clip(frames, points: Dict[int, Tuple[float, float]]
              ) -> Tuple[Dict[str, np.ndarray], Dict[int, float]]:
    """One pass over a clip's frames (any iterable; one frame held at a time).

    Returns:
        ``signals``: per-frame mean absolute difference to the previous frame (``[0] = 0``)
        in the red mask and in RGB; ``dists``: ``{frame: distance}`` from the Red-Mask
        argmax to the point, for the frames in ``points``.
    """
    sig = {'red mask': [], 'rgb': []}
    dists: Dict[int, float] = {}
    prev = None
    for t, frame in enumerate(frames):
        red = red_mask_map(frame)
        rgb = frame.astype(np.float32) / 255.0
        if prev is None:
            sig['red mask'].append(0.0)
            sig['rgb'].append(0.0)
        else:
            sig['red mask'].append(float(np.abs(red - prev[0]).mean()))
            sig['rgb'].append(float(np.abs(rgb - prev[1]).mean()))
        prev = (red, rgb)
        if t in points:
            y, x = np.unravel_index(int(np.argmax(red)), red.shape)
            dists[t] = float(np.hypot(x - points[t][0], y - points[t][1]))
    return {k: np.asarray(v) for k, v in sig.items()}, dists


def first_above(signal: np.ndarray, thr: float) -> Optional[int]:
    idx = np.nonzero(signal[1:] > thr)[0]
    return int(idx[0]) + 1 if len(idx) else None


def onset_acc(signals: List[np.ndarray], onsets: List[int], thr: float, k: int) -> float:
    hits = [(p is not None and abs(p - o) <= k) for p, o in
            ((first_above(s, thr), o) for s, o in zip(signals, onsets))]
    return float(np.mean(hits)) if hits else float('nan')


def evaluate(root: str, split: str = 'test', tune_split: str = 'train', dist: float = 50.0,
             k: int = 8) -> Dict[str, float]:
    """The baselines' scores on ``split`` (``'all'``: every split), thresholds tuned on
    ``tune_split``; the keys :func:`main` prints."""
    wanted = {split, tune_split} if split != 'all' else {'train', 'val', 'test'}
    data = []
    for name in ('train', 'val', 'test'):
        if name not in wanted:
            continue
        for clip in load_clips(root, name):
            onset = clip.get('onset_frame')
            points = visible_points(clip) if onset is not None else {}
            with clip_reader(root, clip) as reader:
                signals, dists = scan_clip(read_frames(reader), points)
            data.append(dict(row=dict(split=name, clip_id=clip['clip_id']), onset=onset,
                             signals=signals, dists=list(dists.values()),
                             onset_dist=dists.get(onset)))

    def in_split(it, split):
        return split == 'all' or it['row']['split'] == split

    ev = [it for it in data if in_split(it, split)]
    dists = [d for it in ev for d in it['dists']]
    onset_d = [it['onset_dist'] for it in ev if it['onset_dist'] is not None]
    res = {
        'red_mask_err50_all_visible': float(np.mean(np.asarray(dists) <= dist)),
        'red_mask_err50_onset': float(np.mean(np.asarray(onset_d) <= dist)),
        'red_mask_num_points': len(dists), 'red_mask_num_onset_points': len(onset_d),
        'red_mask_err_avg': float(np.mean(dists)),
    }
    for dom in ('red mask', 'rgb'):
        tune = [it for it in data if in_split(it, tune_split) and it['onset'] is not None]
        sig_t = [it['signals'][dom] for it in tune]
        cands = np.unique(np.quantile(np.concatenate(sig_t), np.linspace(0.5, 1.0, 400)))
        accs = [onset_acc(sig_t, [it['onset'] for it in tune], c, k) for c in cands]
        thr = float(cands[int(np.argmax(accs))])
        pos = [it for it in ev if it['onset'] is not None]
        neg = [it for it in ev if it['onset'] is None]
        acc = onset_acc([it['signals'][dom] for it in pos], [it['onset'] for it in pos], thr, k)
        fa = float(np.mean([first_above(it['signals'][dom], thr) is not None for it in neg])) \
            if neg else float('nan')
        key = dom.replace(' ', '_')
        res[f'frame_diff_{key}_thr'] = thr
        res[f'frame_diff_{key}_train_acc{k}'] = float(max(accs))
        res[f'frame_diff_{key}_acc{k}'] = acc
        res[f'frame_diff_{key}_false_alarm_neg'] = fa
        res['num_positive_clips'] = len(pos)
        res['num_negative_clips'] = len(neg)
    return res


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='raw detection root after raw_to_mmbleed.py '
                        '(annotations/, videos/ or frames/)')
    parser.add_argument('--split', default='test', help="evaluated split ('all' for every one)")
    parser.add_argument('--tune-split', default='train', help='split the threshold is tuned on')
    parser.add_argument('--dist', type=float, default=50.0, help='Err<=d radius (px)')
    parser.add_argument('--k', type=int, default=8, help='onset tolerance Acc+-k (frames)')
    args = parser.parse_args(argv)
    try:
        res = evaluate(args.root, args.split, args.tune_split, args.dist, args.k)
    except (OSError, ValueError, KeyError) as e:  # VideoReadError is an OSError
        print(f'error: {e}', file=sys.stderr)
        return 1
    print_log(f'hand-crafted baselines on {args.root} (split {args.split}):', logger='current')
    for k, v in res.items():
        print_log(f'  {k}: {v:.4f}' if isinstance(v, float) else f'  {k}: {v}',
                  logger='current')
    return 0


if __name__ == '__main__':
    sys.exit(main())
