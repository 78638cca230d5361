# Copyright (c) mmbleed contributors. All rights reserved.
"""Write pseudo tracks between annotated frames (BleedOrigin §4.3; docs/data_format.md §2).

For every pair of consecutive annotated frames ``t`` and ``t'`` of a split (``t' - t`` at most
``--span``, 30 as the paper; both with a visible source point), SIFT matches near the source
are tracked from ``t`` to ``t'`` by the tracker of ``--tracker-config`` and smoothed by a
constant-velocity Kalman filter + RTS smoother ending at the matched point
(:class:`mmbleed.datasets.pseudo_track_labeler.PseudoTrackLabeler`). The tracks are written to
``<root>/pseudo_labels/<split>.json`` (or ``--out``), atomically, never over an annotation or
LabelMe file; ``TrackingDataset(pseudo_label_file=...)`` reads them.

Where a clip has dense ground truth (the synthetic generator's ``dense_gt`` tissue tracks),
the pseudo tracks are also scored against it, before and after smoothing: the true position of
a pseudo point in a later frame is the motion of the dense tracks interpolated at it (a
thin-plate spline through all of the clip's tracks; its own leave-one-out error on the dense
tracks near the source is reported too, as the accuracy of that reference).

Usage::

    python tools/dataset_converters/make_pseudo_tracks.py data/synthetic_esd/tracking \\
        --split train --tracker-config configs/baselines/mft-dis_synthetic-esd-small.py \\
        --report-json work_dirs/pseudo_tracks_train.json
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Sequence

import numpy as np

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from mmengine.config import Config  # noqa: E402
from mmengine.logging import print_log  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402

from mmbleed.datasets.pseudo_track_labeler import PseudoTrackLabeler  # noqa: E402
from mmbleed.datasets.raw_layout import RawLayoutError, atomic_write_bytes  # noqa: E402
from mmbleed.datasets.synthetic import load_dense_gt  # noqa: E402
from mmbleed.datasets.video_reader import ClipReader, VideoReadError  # noqa: E402
from mmbleed.models.trackers import build_point_tracker  # noqa: E402
from mmbleed.utils import register_all_modules  # noqa: E402

DEFAULT_TRACKER = 'configs/baselines/mft-dis_synthetic-esd-small.py'
#: errors against the dense truth: every frame after the first (tracked, smoothed), the
#: last frame (the tracker's, the SIFT match's, the smoothed point), and the reference itself
REPORTED = ('tracked', 'smoothed', 'end_tracked', 'end_matched', 'end_smoothed',
            'reference_leave_one_out')
#: folders of a root whose files are expert annotations or derived from them
PROTECTED = ('annotations', 'labelme', 'videos', 'frames', 'dense_gt')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('root', help='dataset root holding annotations/<split>.json')
    parser.add_argument('--split', default='train', choices=('train', 'val', 'test'))
    parser.add_argument('--tracker-config', default=DEFAULT_TRACKER,
                        help='a tracker config (model.tracker, or model = a tracker)')
    parser.add_argument('--checkpoint', default=None,
                        help='weights of a learned tracker (loaded weights-only)')
    parser.add_argument('--out', default=None,
                        help='output file (default: <root>/pseudo_labels/<split>.json)')
    parser.add_argument('--span', type=int, default=30,
                        help='longest gap between two annotated frames to fill')
    parser.add_argument('--radius', type=float, default=50.0)
    parser.add_argument('--ratio', type=float, default=0.7)
    parser.add_argument('--max-points', type=int, default=36)
    parser.add_argument('--max-clips', type=int, default=None, help='first N clips only')
    parser.add_argument('--report-json', default=None,
                        help='write the error against the dense ground truth here')
    return parser.parse_args(argv)


def check_output(root: str, out: str) -> None:
    """Refuse an output inside the annotation folders, or over a file that is not a pseudo
    track file (one line each)."""
    rel = osp.relpath(osp.abspath(out), osp.abspath(root))
    if rel.split(os.sep)[0] in PROTECTED or not out.endswith('.json'):
        raise ValueError(f'{out}: pseudo tracks go to their own .json file, never into '
                         f'{"/".join(PROTECTED)} (default: <root>/pseudo_labels/<split>.json)')
    if osp.exists(out):
        try:
            with open(out, encoding='utf-8') as f:
                kind = json.load(f).get('metainfo', {}).get('kind')
        except (OSError, ValueError, AttributeError):
            kind = None
        if kind != 'pseudo_tracks':
            raise ValueError(f'{out}: exists and is not a pseudo-track file; not overwritten')


def segments_of(entry: dict, span: int) -> List[tuple]:
    """``(t, t', point_t, point_t')`` of consecutive annotated frames at most ``span`` apart,
    both with a visible source point."""
    anns = [a for a in entry['annotations'] if a.get('visible') and a.get('point') is not None]
    out = []
    for a, b in zip(anns, anns[1:]):
        if 0 < b['frame'] - a['frame'] <= span:
            out.append((a['frame'], b['frame'], a['point'], b['point']))
    return out


def dense_truth(tracks: np.ndarray, points: np.ndarray) -> np.ndarray:
    """True ``(K, L, 2)`` positions of ``points`` (frame 0 of the ``(L, N, 2)`` dense
    tracks), the tracks' motion interpolated by a thin-plate spline."""
    from scipy.interpolate import RBFInterpolator
    out = np.zeros((len(points), len(tracks), 2))
    for t in range(len(tracks)):
        field = RBFInterpolator(tracks[0], tracks[t] - tracks[0], kernel='thin_plate_spline')
        out[:, t] = points + field(points)
    return out


def leave_one_out_error(tracks: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray:
    """Errors of :func:`dense_truth` at each dense track within ``radius`` of ``centre``
    (frame 0), predicted from the other tracks, over frames ``1 ..``."""
    near = np.flatnonzero(np.linalg.norm(tracks[0] - centre, axis=1) <= radius)
    errors = []
    for i in near:
        others = np.delete(tracks, i, axis=1)
        pred = dense_truth(others, tracks[0, i][None])[0]
        errors.append(np.linalg.norm(pred[1:] - tracks[1:, i], axis=1))
    return np.concatenate(errors) if errors else np.zeros(0)


def score_segment(errors: Dict[str, List[np.ndarray]], seg, tracks: np.ndarray,
                  source: Sequence[float], reference_radius: float) -> None:
    """Add one segment's errors against the dense truth (``tracks``: its ``(L, N, 2)``
    dense tracks) to ``errors`` (the lists of :data:`REPORTED`)."""
    truth = dense_truth(tracks, seg.raw[:, 0])
    errors['tracked'].append(np.linalg.norm(seg.raw - truth, axis=-1)[:, 1:].ravel())
    errors['smoothed'].append(np.linalg.norm(seg.smoothed - truth, axis=-1)[:, 1:].ravel())
    for name, points in (('end_tracked', seg.raw[:, -1]), ('end_matched', seg.end_match),
                         ('end_smoothed', seg.smoothed[:, -1])):
        errors[name].append(np.linalg.norm(points - truth[:, -1], axis=-1))
    errors['reference_leave_one_out'].append(
        leave_one_out_error(tracks, np.asarray(source, np.float64), reference_radius))


def summarise(errors: Dict[str, List[np.ndarray]]) -> Dict[str, float]:
    out = {}
    for name, chunks in errors.items():
        e = np.concatenate(chunks) if chunks else np.zeros(0)
        out[name] = dict(num=int(e.size),
                         mean_px=float(e.mean()) if e.size else float('nan'),
                         median_px=float(np.median(e)) if e.size else float('nan'),
                         within_2px=float((e <= 2).mean()) if e.size else float('nan'))
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    register_all_modules()
    ann_file = osp.join(args.root, 'annotations', f'{args.split}.json')
    out = args.out or osp.join(args.root, 'pseudo_labels', f'{args.split}.json')
    try:
        check_output(args.root, out)
        with open(ann_file, encoding='utf-8') as f:
            entries = json.load(f)['data_list']
        tracker = build_point_tracker(Config.fromfile(args.tracker_config).model,
                                      args.checkpoint)
    except FileNotFoundError as e:
        print(f'error: {e.filename or e}: not found', file=sys.stderr)
        return 1
    except (ValueError, KeyError, TypeError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    labeler = PseudoTrackLabeler(tracker, radius=args.radius, ratio=args.ratio,
                                 max_points=args.max_points)
    entries = entries[:args.max_clips] if args.max_clips else entries
    segments = {e['clip_id']: segments_of(e, args.span) for e in entries}
    num_segments = sum(len(s) for s in segments.values())
    print_log(f'{num_segments} segments of {len(entries)} {args.split} clips; tracker '
              f'{type(tracker).__name__} ({args.tracker_config})', logger='current')
    data_list, skipped = [], 0
    errors: Dict[str, List[np.ndarray]] = {name: [] for name in REPORTED}
    bar = ProgressBar(num_segments) if num_segments else None
    for entry in (e for e in entries if segments[e['clip_id']]):
        # each clip's video and dense tracks are read once, for all its segments
        tracks = None
        if entry.get('dense_gt'):
            tracks = load_dense_gt(osp.join(args.root, entry['dense_gt']),
                                   keys=('tracks_xy', ))['tracks_xy'].astype(np.float64)
        try:
            with ClipReader.from_entry(args.root, entry) as reader:
                for t0, t1, p0, p1 in segments[entry['clip_id']]:
                    seg = labeler.label(reader.get_many(range(t0, t1 + 1)), p0, p1)
                    if bar:
                        bar.update()
                    if seg is None:
                        skipped += 1
                        continue
                    data_list.append(dict(
                        clip_id=entry['clip_id'], start=t0,
                        points=[[[round(float(x), 3), round(float(y), 3)] for x, y in track]
                                for track in seg.smoothed],
                        visible=seg.visible.tolist()))
                    if tracks is not None:
                        score_segment(errors, seg, tracks[t0:t1 + 1], p0, 2 * args.radius)
        except (FileNotFoundError, VideoReadError) as e:
            print(f'error: clip {entry["clip_id"]}: {e}', file=sys.stderr)
            return 1
    if bar:
        sys.stdout.write('\n')
    content = dict(
        metainfo=dict(kind='pseudo_tracks', split=args.split,
                      method='SIFT matches + tracker + Kalman/RTS (BleedOrigin §4.3)',
                      tracker_config=args.tracker_config, checkpoint=args.checkpoint,
                      span=args.span, radius=args.radius, ratio=args.ratio,
                      max_points=args.max_points),
        data_list=data_list)
    try:
        os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
        atomic_write_bytes(out, json.dumps(content).encode('utf-8'))
    except (RawLayoutError, OSError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    num_points = sum(len(d['points']) for d in data_list)
    print_log(f'{len(data_list)} segments ({skipped} without a SIFT match), {num_points} '
              f'pseudo tracks -> {out}', logger='current')
    report = summarise(errors)
    if report['tracked']['num']:
        for name in REPORTED:
            r = report[name]
            print_log(f'error vs dense truth, {name}: mean {r["mean_px"]:.2f} px, median '
                      f'{r["median_px"]:.2f} px, <= 2 px {100 * r["within_2px"]:.1f} % '
                      f'({r["num"]} points)', logger='current')
    if args.report_json:
        os.makedirs(osp.dirname(osp.abspath(args.report_json)), exist_ok=True)
        with open(args.report_json, 'w', encoding='utf-8') as f:
            json.dump(dict(segments=len(data_list), skipped=skipped, pseudo_tracks=num_points,
                           errors=report, args=vars(args)), f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
