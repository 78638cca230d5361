# Copyright (c) mmbleed contributors. All rights reserved.
"""Helpers writing a tiny valid raw layout (docs/data_format.md §1) for the dataset tests.

Six patients (P000-P003 train, P004 val, P005 test), 64x48 mp4v clips of 40 frames
(P003/C000 as a PNG frame folder), LabelMe files, one dense_gt file. Bad-input tests copy it
and change one thing.

``CLIPS`` points are in mmbleed pixels (pixel centres at integers), i.e. what the converter
writes to ``annotations/*.json``; the LabelMe files hold them + 0.5 (LabelMe's pixel ``i``
spans ``[i, i+1)``). ``labelme_dict`` takes LabelMe coordinates as they are.
"""
import csv
import json
import os
import os.path as osp
import struct
from typing import List, Optional, Sequence

import cv2
import numpy as np

W, H, T = 64, 48, 40

# clip_id -> (split, onset, {frame: (x, y, visible) | None}), (x, y) in mmbleed pixels
CLIPS = {
    'P000/C000': ('train', 20, {
        20: (30.0, 20.0, True),
        25: (31.5, 21.0, False),  # occluded, point kept
        30: None,  # hidden, no shape
        39: (33.0, 22.0, True)
    }),
    'P000/C001': ('train', None, {}),
    'P001/C000': ('train', 10, {
        10: (10.0, 10.0, True),
        39: (12.0, 11.0, True)
    }),
    'P002/C000': ('train', 5, {
        5: (50.0, 40.0, True),
        35: (52.0, 41.0, True)
    }),
    'P003/C000': ('train', 12, {
        12: (20.0, 30.0, True),
        30: (22.0, 31.0, True)
    }),
    'P004/C000': ('val', 15, {
        0: (5.0, 5.0, True),
        15: (40.0, 25.0, True),
        30: (41.0, 26.0, True),
        39: (42.0, 27.0, True)
    }),
    'P005/C000': ('test', 0, {
        0: (16.0, 16.0, True),
        30: (18.0, 17.0, True),
        39: None
    }),
}
FRAME_DIR_CLIPS = ('P003/C000', )
SCENARIOS = {'P000/C000': 'clear view;water flushing', 'P001/C000': 'Camera Jitter'}


def frame_image(i: int, w: int = W, h: int = H) -> np.ndarray:
    """Frame ``i`` of a synthetic clip: a bright square that moves one pixel a frame."""
    img = np.full((h, w, 3), 60, np.uint8)
    img[:, :, 2] = np.linspace(40, 200, w, dtype=np.uint8)[None]
    x = i % (w - 12)
    img[10:22, x:x + 12] = 255
    return img


def write_video(path: str, n: int = T, w: int = W, h: int = H,
                fourcc: str = 'mp4v', fps: float = 30.0) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*fourcc), fps,
                             (w, h))
    assert writer.isOpened()
    for i in range(n):
        writer.write(frame_image(i, w, h))
    writer.release()


def write_frames(folder: str, n: int = T, ext: str = '.png') -> None:
    os.makedirs(folder, exist_ok=True)
    for i in range(n):
        cv2.imwrite(osp.join(folder, f'{i:06d}{ext}'), frame_image(i))


def labelme_dict(point: Optional[Sequence[float]] = None,
                 occluded: bool = False,
                 w: int = W,
                 h: int = H,
                 extra_shapes: Sequence[dict] = ()) -> dict:
    shapes = list(extra_shapes)
    if point is not None:
        shapes.append(
            dict(
                label='bleeding_source',
                points=[list(point)],
                group_id=None,
                description='',
                shape_type='point',
                flags={'occluded': True} if occluded else {}))
    return dict(
        version='5.4.1',
        flags={},
        shapes=shapes,
        imagePath='',
        imageData=None,
        imageHeight=h,
        imageWidth=w)


def write_json(path: str, content) -> None:
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        json.dump(content, f)


def write_clips_csv(root: str, rows: List[List[str]],
                    header: Sequence[str] = ('patient', 'clip', 'split', 'site',
                                             'scenarios', 'onset_frame')):
    with open(osp.join(root, 'clips.csv'), 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def read_clips_rows(root: str) -> List[List[str]]:
    with open(osp.join(root, 'clips.csv'), newline='') as f:
        return list(csv.reader(f))[1:]


def make_raw_layout(root: str) -> str:
    rows = []
    for clip_id, (split, onset, anns) in CLIPS.items():
        patient, clip = clip_id.split('/')
        if clip_id in FRAME_DIR_CLIPS:
            write_frames(osp.join(root, 'frames', patient, clip))
        else:
            write_video(osp.join(root, 'videos', patient, clip + '.mp4'))
        for frame, ann in anns.items():
            extra = [
                dict(label='instrument', points=[[0, 0], [5, 5]],
                     shape_type='rectangle', flags={})
            ] if frame == 20 else []
            content = labelme_dict(None if ann is None else
                                   (ann[0] + 0.5, ann[1] + 0.5),
                                   occluded=ann is not None and not ann[2],
                                   extra_shapes=extra)
            write_json(
                osp.join(root, 'labelme', patient, clip, f'{frame:06d}.json'),
                content)
        rows.append([
            patient, clip, split, 'gastric antrum',
            SCENARIOS.get(clip_id, 'clear view'),
            '' if onset is None else str(onset)
        ])
    write_clips_csv(root, rows)
    os.makedirs(osp.join(root, 'dense_gt', 'P000'))
    np.savez(
        osp.join(root, 'dense_gt', 'P000', 'C000.npz'),
        source_xy=np.zeros((T, 2), np.float32),
        source_visible=np.ones(T, bool))
    return root


def faststart(path: str) -> None:
    """Move an mp4's ``moov`` atom before ``mdat`` (as real recorders do), fixing chunk
    offsets, so a truncated copy still opens and claims all its frames."""
    data = open(path, 'rb').read()
    atoms, i = [], 0
    while i < len(data):
        size, typ = struct.unpack('>I4s', data[i:i + 8])
        atoms.append((typ, data[i:i + size]))
        i += size
    moov = bytearray(dict(atoms)[b'moov'])

    def patch(buf: bytearray, start: int, end: int, shift: int) -> None:
        j = start
        while j < end:
            size, typ = struct.unpack('>I4s', buf[j:j + 8])
            if typ in (b'trak', b'mdia', b'minf', b'stbl'):
                patch(buf, j + 8, j + size, shift)
            elif typ == b'stco':
                n = struct.unpack('>I', buf[j + 12:j + 16])[0]
                for k in range(n):
                    o = j + 16 + 4 * k
                    v = struct.unpack('>I', buf[o:o + 4])[0]
                    buf[o:o + 4] = struct.pack('>I', v + shift)
            j += size

    patch(moov, 8, len(moov), len(moov))
    ftyp = dict(atoms)[b'ftyp']
    rest = b''.join(b for t, b in atoms if t not in (b'ftyp', b'moov'))
    out = ftyp + bytes(moov) + rest
    with open(path, 'wb') as f:
        f.write(out)
