# Copyright (c) mmbleed contributors. All rights reserved.
"""Turn VL-SurgPT point-tracking clips into an mmbleed raw layout (docs/data_format.md §5).

VL-SurgPT (Bridging Vision and Language for Robust Context-Aware Surgical Point Tracking)
has no bleeding; its real robotic-surgery clips and sparse point tracks exercise the real
ingest path (H.264 decoding, odd resolutions, hidden points) end to end. Usage::

    python tools/dataset_converters/vlsurgpt_to_labelme.py <VL-SurgPT-Dataset> <out_root> \
        [--point-index 0] [--copy] [--onset first|none] [--no-convert]

Input, per sequence ``<src>/dataset/<category>_with_text/<k>/left/<seq>/``:
``frames/*.mp4`` (one clip), ``segmentation/labels.json`` = ``{frame: [[x, y] | null per
point]}`` every 30 frames and on the last frame, ``segmentation/texts.json`` = ``{frame:
[{... 'status': str | [str]} per point]}``. Sequences whose video is absent are skipped.

Mapping to the raw layout:

- **patient** = one per distinct video *content* (``VL000``, ``VL001``, ...; tissue/0/seq001
  and instrument/0/seq000 share a video, so they share a patient and never straddle a
  split); **clip** = ``<category><k>_<seq>`` (e.g. ``tissue0_seq000``).
- **split** by patient in order: the last ``max(1, round(n/6))`` patients are test, the
  ``max(1, round(n/6))`` before them val, the rest train (needs >= 3 patients;
  ``raw_layout.split_patients``).
- **video**: ``videos/<patient>/<clip>.mp4``, a symlink to the source (``--copy`` copies).
- **bleeding_source** = point number ``--point-index`` (default 0) of ``labels.json``; one
  LabelMe file ``labelme/<patient>/<clip>/<%06d>.json`` per frame key of ``labels.json``, in
  the decoded frame's pixels (``imageWidth``/``imageHeight`` = the coded size; for
  instrument/0/seq001, coded 1280x760 but displayed 1552 wide, the labels lie within the
  coded grid). ``labels.json`` coordinates are continuous like LabelMe's (pixel ``i`` spans
  ``[i, i+1)``), so they are copied as they are; the converter then subtracts 0.5 (mmbleed
  puts pixel centres at integers). ``null`` → no shape (hidden); a status other than Clear View, Pulled or
  Reflection → the point with ``flags: {"occluded": true}``; a point outside the frame →
  no shape (logged).
- **onset_frame** = the first annotated frame with a visible point (``--onset first``: the
  tracked point plays a source that appears there), or empty (``--onset none``).
- **scenarios** from the chosen point's statuses: Clear View → clear view; Instrument
  Obscuration → instrument interference; Tissue/Smoke Obscuration, Eternal Occlusion →
  obscured view; Reflection → light reflection; Pulled, Out of view → none.
- **site** = ``VL-SurgPT <category> (robotic surgery)``.

Then ``convert_raw_layout(out_root)`` validates the result and writes the annotations.

``out_root`` must be empty or written by this tool before (it holds a ``vlsurgpt.json``
marker): a raw layout without the marker may hold expert annotations and is never written
over (``raw_layout.claim_output_root``).
"""
import argparse
import glob
import hashlib
import json
import os
import os.path as osp
import shutil
import sys
from typing import Dict, List, Optional

import cv2
from mmengine.logging import print_log

# Run the mmbleed of this checkout rather than an older installed copy (as
# dist_train.sh does with PYTHONPATH); the copy `mim` runs has no checkout around it.
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from mmbleed.datasets.raw_layout import (SCENARIOS, RawLayoutError,
                                         atomic_write_bytes, claim_output_root,
                                         convert_raw_layout, labelme_point_file,
                                         point_in_frame, split_patients,
                                         write_clips_csv)

MARKER = 'vlsurgpt.json'

VISIBLE_STATUSES = ('clear view', 'pulled', 'reflection')
STATUS_TO_SCENARIO = {
    'clear view': 'clear view',
    'instrument obscuration': 'instrument interference',
    'tissue obscuration': 'obscured view',
    'smoke obscuration': 'obscured view',
    'eternal occlusion': 'obscured view',
    'reflection': 'light reflection',
}


def find_sequences(src: str) -> List[dict]:
    """Sequences of a VL-SurgPT checkout that have a video, labels and texts."""
    base = osp.join(src, 'dataset') if osp.isdir(osp.join(src,
                                                           'dataset')) else src
    seqs = []
    for labels in sorted(
            glob.glob(osp.join(base, '*', '*', 'left', '*', 'segmentation',
                               'labels.json'))):
        seq_dir = osp.dirname(osp.dirname(labels))
        seq = osp.basename(seq_dir)
        k = osp.basename(osp.dirname(osp.dirname(seq_dir)))
        category = osp.basename(
            osp.dirname(osp.dirname(osp.dirname(seq_dir)))).replace(
                '_with_text', '')
        videos = sorted(glob.glob(osp.join(seq_dir, 'frames', '*.mp4')))
        if len(videos) != 1:
            print_log(
                f'{seq_dir}: {len(videos)} videos found; skipped',
                logger='current')
            continue
        texts = osp.join(seq_dir, 'segmentation', 'texts.json')
        seqs.append(
            dict(
                clip=f'{category}{k}_{seq}',
                category=category,
                video=videos[0],
                labels=labels,
                texts=texts if osp.isfile(texts) else None))
    return seqs


def _sha1(path: str) -> str:
    h = hashlib.sha1()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def _statuses(texts: Optional[dict], frame: str, point_index: int) -> List[str]:
    if texts is None or frame not in texts or point_index >= len(
            texts[frame]):
        return []
    status = texts[frame][point_index].get('status', [])
    status = [status] if isinstance(status, str) else list(status)
    return [s.strip().lower() for s in status]


def convert_vlsurgpt(src: str,
                     out_root: str,
                     point_index: int = 0,
                     copy: bool = False,
                     onset: str = 'first',
                     convert: bool = True,
                     show_progress: bool = True) -> dict:
    """Write VL-SurgPT as a raw layout under ``out_root``, then (``convert``) run
    :func:`convert_raw_layout` on it.

    Returns:
        dict: ``clips`` (one dict per clip: ``clip_id``, ``split``, ``source_video``,
        ``source_labels``, ``point_index``, ``onset_frame``, ``num_frames``, ``width``,
        ``height``) and ``summary`` (the converter's summary, None without ``convert``).
    """
    if onset not in ('first', 'none'):
        raise ValueError(f"onset must be 'first' or 'none', got {onset!r}")
    seqs = find_sequences(src)
    if not seqs:
        raise FileNotFoundError(f'{src}: no VL-SurgPT sequences with a video')
    patients: Dict[str, str] = {}
    for seq in seqs:
        digest = _sha1(seq['video'])
        patients.setdefault(digest, f'VL{len(patients):03d}')
        seq['patient'] = patients[digest]
    try:
        split_of = dict(zip(patients.values(), split_patients(len(patients))))
    except ValueError as e:  # one patient per distinct video
        raise ValueError(f'{src}: {e} distinct videos') from None

    claim_output_root(
        out_root, ('', ), MARKER,
        dict(tool='vlsurgpt_to_labelme.py', src=osp.abspath(src),
             point_index=point_index, onset=onset),
        who='vlsurgpt_to_labelme.py')
    rows, clips = [], []
    for seq in seqs:
        patient, clip = seq['patient'], seq['clip']
        cap = cv2.VideoCapture(seq['video'])
        ok, frame = cap.read()
        num_frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        cap.release()
        if not ok:
            raise RawLayoutError(seq['video'], 'cannot be decoded')
        height, width = frame.shape[:2]

        dst = osp.join(out_root, 'videos', patient, clip + '.mp4')
        os.makedirs(osp.dirname(dst), exist_ok=True)
        if osp.lexists(dst):
            os.remove(dst)
        if copy:
            shutil.copyfile(seq['video'], dst)
        else:
            os.symlink(osp.abspath(seq['video']), dst)

        with open(seq['labels']) as f:
            labels = json.load(f)
        texts = None
        if seq['texts']:
            with open(seq['texts']) as f:
                texts = json.load(f)
        ann_dir = osp.join(out_root, 'labelme', patient, clip)
        if osp.isdir(ann_dir):
            shutil.rmtree(ann_dir)
        os.makedirs(ann_dir)
        scenarios, first_visible = set(), None
        for key in sorted(labels, key=int):
            points = labels[key]
            if point_index >= len(points):
                raise ValueError(
                    f"{seq['labels']}: frame {key} has {len(points)} points, "
                    f'no point index {point_index}')
            point = points[point_index]
            statuses = _statuses(texts, key, point_index)
            scenarios.update(STATUS_TO_SCENARIO[s] for s in statuses
                             if s in STATUS_TO_SCENARIO)
            if point is not None and not point_in_frame(
                    point[0], point[1], width, height):
                print_log(
                    f"{seq['labels']}: frame {key} point {point} is outside "
                    f'the {width}x{height} frame; written as hidden',
                    logger='current')
                point = None
            occluded = any(s not in VISIBLE_STATUSES for s in statuses)
            if point is not None and not occluded and first_visible is None:
                first_visible = int(key)
            atomic_write_bytes(
                osp.join(ann_dir, f'{int(key):06d}.json'),
                json.dumps(labelme_point_file(point, occluded, width, height),
                           indent=1).encode('utf-8'))
        onset_frame = first_visible if onset == 'first' else None
        rows.append([
            patient, clip, split_of[patient],
            f"VL-SurgPT {seq['category']} (robotic surgery)",
            ';'.join(s for s in SCENARIOS if s in scenarios),
            '' if onset_frame is None else str(onset_frame)
        ])
        clips.append(
            dict(
                clip_id=f'{patient}/{clip}',
                split=split_of[patient],
                source_video=seq['video'],
                source_labels=seq['labels'],
                point_index=point_index,
                onset_frame=onset_frame,
                num_frames=num_frames,
                width=width,
                height=height))

    write_clips_csv(out_root, rows)
    summary = convert_raw_layout(
        out_root, show_progress=show_progress) if convert else None
    return dict(clips=clips, summary=summary)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description='Convert VL-SurgPT clips into an mmbleed raw layout.')
    parser.add_argument('src', help='VL-SurgPT-Dataset folder')
    parser.add_argument('out_root', help='raw layout to write')
    parser.add_argument(
        '--point-index',
        type=int,
        default=0,
        help='which labels.json point plays the bleeding source')
    parser.add_argument(
        '--copy', action='store_true', help='copy videos (default: symlink)')
    parser.add_argument('--onset', choices=('first', 'none'), default='first')
    parser.add_argument(
        '--no-convert',
        action='store_true',
        help='only write the raw layout, do not run raw_to_mmbleed')
    args = parser.parse_args(argv)
    try:
        result = convert_vlsurgpt(
            args.src,
            args.out_root,
            point_index=args.point_index,
            copy=args.copy,
            onset=args.onset,
            convert=not args.no_convert)
    except (RawLayoutError, ValueError, OSError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    for c in result['clips']:
        print_log(
            f"{c['clip_id']} ({c['split']}): {c['num_frames']} frames "
            f"{c['width']}x{c['height']}, onset {c['onset_frame']} <- "
            f"{c['source_video']}",
            logger='current')
    return 0


if __name__ == '__main__':
    sys.exit(main())
