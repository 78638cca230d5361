# Copyright (c) mmbleed contributors. All rights reserved.
"""How far support points can carry the source: the generator's own tissue tracks as support.

The ceiling of :class:`mmbleed.models.trackers.SupportPointTracker` on the synthetic data
(docs/source_tracking.md, "Support points"). For every clip of the splits, the query is the
first visible annotation, as ``TrackingDataset``'s long mode; at every later annotated frame
with a visible source, a similarity transform is fitted with RANSAC to the ``dense_gt`` tissue
tracks visible in both frames (a perfect tracker of the tissue) and carries the query point.
The points are scored as ``TrackMetric`` scores them: PCK@2/5/10 % of the squared frame's
side and the mean error in pixels, beside the static point (the query point itself).

Usage::

    python tools/analysis_tools/support_ceiling.py data/synthetic_esd/tracking --splits train val
"""
import argparse
import json
import os.path as osp
import sys
from typing import List

import cv2
import numpy as np

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from mmbleed.datasets.synthetic import load_dense_gt  # noqa: E402
from mmbleed.evaluation.functional import pck  # noqa: E402
from mmbleed.utils import apply_affine_to_points  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='tracking root (annotations/<split>.json, dense_gt/)')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'],
                        choices=('train', 'val', 'test'))
    parser.add_argument('--ransac-thr', type=float, default=3.0, help='RANSAC distance (px)')
    return parser.parse_args(argv)


def carried_points(entry: dict, root: str, ransac_thr: float) -> List[tuple]:
    """``(predicted, query, annotated, (w, h))`` for each scored annotation of one clip."""
    annotations = [a for a in entry['annotations'] if a.get('visible') and a.get('point')]
    if len(annotations) < 2:
        return []
    dense = load_dense_gt(osp.join(root, entry['dense_gt']),
                          keys=('tracks_xy', 'tracks_visible'))
    tracks, visible = dense['tracks_xy'], dense['tracks_visible']
    t0, query = annotations[0]['frame'], np.asarray(annotations[0]['point'], np.float64)
    size = (entry['width'], entry['height'])
    out = []
    for a in annotations[1:]:
        both = visible[t0] & visible[a['frame']]
        transform = None
        if both.sum() >= 3:
            transform, _ = cv2.estimateAffinePartial2D(
                tracks[t0][both], tracks[a['frame']][both], method=cv2.RANSAC,
                ransacReprojThreshold=ransac_thr)
        predicted = query if transform is None else apply_affine_to_points(query, transform)
        out.append((predicted, query, np.asarray(a['point'], np.float64), size))
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    rows = []
    for split in args.splits:
        path = osp.join(args.root, 'annotations', f'{split}.json')
        if not osp.isfile(path):
            print(f'error: {path} not found', file=sys.stderr)
            return 1
        with open(path) as f:
            entries = [e for e in json.load(f)['data_list'] if e.get('dense_gt')]
        for entry in entries:
            rows += carried_points(entry, args.root, args.ransac_thr)
    if not rows:
        print(f'error: no annotated point after a query in {args.splits}', file=sys.stderr)
        return 1
    pred, query, gt, sizes = (np.array(x) for x in zip(*rows))
    print(f'{" + ".join(args.splits)}: {len(rows)} annotated points after the query')
    for name, points in ((f'similarity from the visible tissue tracks (RANSAC '
                          f'{args.ransac_thr:g} px)', pred), ('the static point', query)):
        error = np.linalg.norm(points - gt, axis=1)
        print(f'  {name}: ' + ', '.join(f'{k} {100 * v:.1f} %'
                                        for k, v in pck(points, gt, sizes).items())
              + f', Err_avg {error.mean():.1f} px, median {np.median(error):.1f} px')
    return 0


if __name__ == '__main__':
    sys.exit(main())
