# Copyright (c) mmbleed contributors. All rights reserved.
"""Generate the synthetic ESD bleeding dataset in mmbleed's raw layout.

Example::

    python tools/dataset_converters/generate_synthetic_esd.py --out data/synthetic_esd \
        --preset small --seed 0 --num-workers 2
"""
import argparse
import os
import os.path as osp
import sys

# Run the mmbleed of this checkout rather than an older installed copy (as
# dist_train.sh does with PYTHONPATH); the copy `mim` runs has no checkout around it.
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from mmbleed.datasets.raw_layout import RawLayoutError
from mmbleed.datasets.synthetic import DATASET_PRESETS, SCENARIOS, SITE_PRESETS, \
    generate_synthetic_esd


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Generate synthetic ESD bleeding videos.')
    parser.add_argument('--out', required=True, help='output folder (detection/, tracking/)')
    parser.add_argument('--preset', default='small', choices=sorted(DATASET_PRESETS))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-patients', type=int, default=None)
    parser.add_argument('--det-positive', type=int, nargs='+', default=None,
                        metavar='N', help='bleeding detection clips per split: one number '
                        'for every split, or three (train val test)')
    parser.add_argument('--det-negative', type=int, nargs='+', default=None, metavar='N',
                        help='detection clips without bleeding per split (1 or 3 numbers)')
    parser.add_argument('--track-clips', type=int, nargs='+', default=None, metavar='N',
                        help='tracking clips per split (1 or 3 numbers)')
    parser.add_argument('--det-frames', type=int, default=None, help='detection clip length')
    parser.add_argument('--onset-range', type=int, nargs=2, default=None, metavar=('MIN', 'MAX'),
                        help='onset frames of bleeding detection clips are drawn uniformly '
                        'from MIN..MAX (default 45 120)')
    parser.add_argument('--track-frames', type=int, nargs=2, default=None, metavar=('MIN', 'MAX'),
                        help='tracking clip length range')
    parser.add_argument('--track-annotate-every', type=int, default=None, metavar='K',
                        help='tracking clips are annotated every K frames and on the last')
    parser.add_argument('--num-tracks', type=int, default=None, help='dense point tracks per clip')
    parser.add_argument('--sites', nargs='+', default=None, choices=list(SITE_PRESETS),
                        metavar='SITE', help=f'site presets to use: {list(SITE_PRESETS)}')
    parser.add_argument('--scenarios', nargs='+', default=None, choices=list(SCENARIOS),
                        metavar='SCENARIO', help=f'force scenarios: {list(SCENARIOS)}')
    parser.add_argument('--num-workers', type=int, default=min(4, os.cpu_count() or 1),
                        help='worker processes over clips (output does not depend on it); '
                        '0 renders in this process')
    parser.add_argument('--no-convert', action='store_true',
                        help='do not write annotations/{train,val,test}.json')
    return parser.parse_args(argv)


def _counts(values):
    """``--det-positive 4`` -> 4 (each split); ``--det-positive 48 16 104`` -> a tuple."""
    if values is None:
        return None
    return values[0] if len(values) == 1 else tuple(values)


def main(argv=None) -> int:
    """Generate; on bad arguments or output folder print one ``error: ...`` line, return 1."""
    args = parse_args(argv)
    try:
        generate_synthetic_esd(
            args.out, preset=args.preset, seed=args.seed, num_patients=args.num_patients,
            det_positive=_counts(args.det_positive), det_negative=_counts(args.det_negative),
            track_clips=_counts(args.track_clips), det_frames=args.det_frames,
            onset_range=tuple(args.onset_range) if args.onset_range else None,
            track_frames=tuple(args.track_frames) if args.track_frames else None,
            num_tracks=args.num_tracks, sites=args.sites, scenarios=args.scenarios,
            track_annotate_every=args.track_annotate_every,
            num_workers=args.num_workers, convert=not args.no_convert)
    except (FileExistsError, ValueError, RawLayoutError) as e:  # RawLayoutError: a ValueError
        print(f'error: {e}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
