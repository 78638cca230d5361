# Copyright (c) mmbleed contributors. All rights reserved.
"""Hand-crafted baselines on a raw detection root: is the data hard enough to be worth learning?

1. Red-Mask argmax (source): the point of the largest ``red_mask_map`` value of a frame,
   scored as Err<=50px over the annotated visible frames of positive clips and over their onset
   frames only.
2. Frame-difference onset rule: onset = first frame whose mean absolute difference to the
   previous frame (in the red mask, or in RGB) exceeds a threshold tuned on the train split;
   scored as onset Acc+-8 frames over positive clips (no prediction counts as wrong), plus the
   false-alarm rate on clips without bleeding.

Example::

    python tools/analysis_tools/hand_crafted_baselines.py data/synthetic_esd/detection
"""
import argparse
import csv
import glob
import json
import os.path as osp
import sys
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np
from mmengine.logging import print_log

# Run the mmbleed of this checkout rather than an older installed copy (as
# dist_train.sh does with PYTHONPATH); the copy `mim` runs has no checkout around it.
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from mmbleed.utils import red_mask_map


def read_video(path: str) -> List[np.ndarray]:
    """All frames of a video as BGR uint8 arrays."""
    cap = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return frames


def read_points(root: str, patient: str, clip: str) -> Dict[int, Optional[Tuple[float, float]]]:
    """``{frame: (x, y) or None if hidden}`` from a clip's LabelMe files."""
    out: Dict[int, Optional[Tuple[float, float]]] = {}
    for f in sorted(glob.glob(osp.join(root, 'labelme', patient, clip, '*.json'))):
        with open(f) as fh:
            lm = json.load(fh)
        shapes = [s for s in lm.get('shapes', []) if s.get('label') == 'bleeding_source']
        t = int(osp.splitext(osp.basename(f))[0])
        if not shapes or (shapes[0].get('flags') or {}).get('occluded'):
            out[t] = None
        else:
            out[t] = tuple(shapes[0]['points'][0])
    return out


def diff_signals(frames: List[np.ndarray]) -> Dict[str, np.ndarray]:
    """Per-frame mean absolute difference to the previous frame (``[0] = 0``)."""
    red = [red_mask_map(f) for f in frames]
    rgb = [f.astype(np.float32) / 255.0 for f in frames]
    sig = {'red mask': [0.0], 'rgb': [0.0]}
    for t in range(1, len(frames)):
        sig['red mask'].append(float(np.abs(red[t] - red[t - 1]).mean()))
        sig['rgb'].append(float(np.abs(rgb[t] - rgb[t - 1]).mean()))
    return {k: np.asarray(v) for k, v in sig.items()}


def first_above(signal: np.ndarray, thr: float) -> Optional[int]:
    idx = np.nonzero(signal[1:] > thr)[0]
    return int(idx[0]) + 1 if len(idx) else None


def onset_acc(signals: List[np.ndarray], onsets: List[int], thr: float, k: int) -> float:
    hits = [(p is not None and abs(p - o) <= k) for p, o in
            ((first_above(s, thr), o) for s, o in zip(signals, onsets))]
    return float(np.mean(hits)) if hits else float('nan')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='raw detection root (clips.csv, videos/, labelme/)')
    parser.add_argument('--split', default='test', help="evaluated split ('all' for every one)")
    parser.add_argument('--tune-split', default='train', help='split the threshold is tuned on')
    parser.add_argument('--dist', type=float, default=50.0, help='Err<=d radius (px)')
    parser.add_argument('--k', type=int, default=8, help='onset tolerance Acc+-k (frames)')
    args = parser.parse_args()

    with open(osp.join(args.root, 'clips.csv')) as fh:
        rows = list(csv.DictReader(fh))
    wanted = {args.split, args.tune_split} if args.split != 'all' else {'train', 'val', 'test'}
    data = []
    for r in rows:
        if r['split'] not in wanted and args.split != 'all':
            continue
        frames = read_video(osp.join(args.root, 'videos', r['patient'], f"{r['clip']}.mp4"))
        onset = int(r['onset_frame']) if r['onset_frame'] else None
        item = dict(row=r, onset=onset, signals=diff_signals(frames), dists=[], onset_dist=None)
        if onset is not None:
            for t, pt in read_points(args.root, r['patient'], r['clip']).items():
                if pt is None or t >= len(frames):
                    continue
                m = red_mask_map(frames[t])
                y, x = np.unravel_index(int(np.argmax(m)), m.shape)
                d = float(np.hypot(x - pt[0], y - pt[1]))
                item['dists'].append(d)
                if t == onset:
                    item['onset_dist'] = d
        data.append(item)

    def in_split(it, split):
        return split == 'all' or it['row']['split'] == split

    ev = [it for it in data if in_split(it, args.split)]
    dists = [d for it in ev for d in it['dists']]
    onset_d = [it['onset_dist'] for it in ev if it['onset_dist'] is not None]
    res = {
        'red_mask_err50_all_visible': float(np.mean(np.asarray(dists) <= args.dist)),
        'red_mask_err50_onset': float(np.mean(np.asarray(onset_d) <= args.dist)),
        'red_mask_num_points': len(dists), 'red_mask_num_onset_points': len(onset_d),
        'red_mask_err_avg': float(np.mean(dists)),
    }
    for dom in ('red mask', 'rgb'):
        tune = [it for it in data if in_split(it, args.tune_split) and it['onset'] is not None]
        sig_t = [it['signals'][dom] for it in tune]
        cands = np.unique(np.quantile(np.concatenate(sig_t), np.linspace(0.5, 1.0, 400)))
        accs = [onset_acc(sig_t, [it['onset'] for it in tune], c, args.k) for c in cands]
        thr = float(cands[int(np.argmax(accs))])
        pos = [it for it in ev if it['onset'] is not None]
        neg = [it for it in ev if it['onset'] is None]
        acc = onset_acc([it['signals'][dom] for it in pos], [it['onset'] for it in pos], thr,
                        args.k)
        fa = float(np.mean([first_above(it['signals'][dom], thr) is not None for it in neg])) \
            if neg else float('nan')
        key = dom.replace(' ', '_')
        res[f'frame_diff_{key}_thr'] = thr
        res[f'frame_diff_{key}_train_acc{args.k}'] = float(max(accs))
        res[f'frame_diff_{key}_acc{args.k}'] = acc
        res[f'frame_diff_{key}_false_alarm_neg'] = fa
        res['num_positive_clips'] = len(pos)
        res['num_negative_clips'] = len(neg)
    print_log(f'hand-crafted baselines on {args.root} (split {args.split}):', logger='current')
    for k, v in res.items():
        print_log(f'  {k}: {v:.4f}' if isinstance(v, float) else f'  {k}: {v}',
                  logger='current')


if __name__ == '__main__':
    main()
