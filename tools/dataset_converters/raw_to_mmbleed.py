# Copyright (c) mmbleed contributors. All rights reserved.
"""Validate a raw layout and write its annotation files (docs/data_format.md §1-2).

Usage::

    python tools/dataset_converters/raw_to_mmbleed.py <root> [--out-dir DIR]

Writes ``<root>/annotations/{train,val,test}.json`` all at once, or nothing: on bad input it
prints one line naming the file and the problem and exits with status 1 (also when a file
cannot be read or written).
"""
import argparse
import os.path as osp
import sys

from mmengine.logging import print_log

# Run the mmbleed of this checkout rather than an older installed copy (as
# dist_train.sh does with PYTHONPATH); the copy `mim` runs has no checkout around it.
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from mmbleed.datasets.raw_layout import RawLayoutError, convert_raw_layout


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert an mmbleed raw layout (videos or frames, LabelMe '
        'files, clips.csv) into annotation files for the dataset classes.')
    parser.add_argument('root', help='raw layout root (holds clips.csv)')
    parser.add_argument(
        '--out-dir',
        default=None,
        help='where to write {train,val,test}.json (default: '
        '<root>/annotations); paths inside stay relative to <root>')
    parser.add_argument(
        '--dataset-name', default=None, help='metainfo dataset_name '
        '(default: the root folder name)')
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        summary = convert_raw_layout(
            args.root,
            out_dir=args.out_dir,
            dataset_name=args.dataset_name,
            show_progress=not args.no_progress)
    except (RawLayoutError, OSError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    for split in ('train', 'val', 'test'):
        print_log(
            f"{split}: {summary['clips'][split]} clips, "
            f"{summary['patients'][split]} patients, "
            f"{summary['positive_clips'][split]} with onset, "
            f"{summary['annotated_frames'][split]} annotated frames -> "
            f"{summary['files'][split]}",
            logger='current')
    return 0


if __name__ == '__main__':
    sys.exit(main())
