# Copyright (c) mmbleed contributors. All rights reserved.
"""Reading, validating and converting the raw layout (docs/data_format.md §1-2).

The raw layout is what a hospital has after annotating ESD clips with LabelMe::

    <root>/clips.csv                               patient,clip,split,site,scenarios,onset_frame
    <root>/videos/<patient>/<clip>.mp4             or  <root>/frames/<patient>/<clip>/<%06d>.png
    <root>/labelme/<patient>/<clip>/<%06d>.json    one LabelMe file per annotated frame
    <root>/dense_gt/<patient>/<clip>.npz           synthetic data only

:func:`convert_raw_layout` validates all of it first and only then writes
``<root>/annotations/{train,val,test}.json`` (MMEngine BaseDataset format), atomically: on any
problem it raises :class:`RawLayoutError` with one line naming the file and the problem, and
writes nothing.

Pixel convention: mmbleed puts pixel centres at integer coordinates (an image ``w`` wide
spans ``[-0.5, w - 0.5]``). LabelMe stores continuous canvas coordinates where pixel ``i``
spans ``[i, i + 1)``. The conversion happens here and only here: :func:`read_labelme`
checks a point in LabelMe space (``[0, w] x [0, h]``) and returns it minus 0.5
(:func:`labelme_to_mmbleed`); tools that write LabelMe files add 0.5
(:func:`mmbleed_to_labelme`, :func:`labelme_point_file`).
"""
import csv
import io
import json
import math
import os
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

CLIPS_CSV = 'clips.csv'
CLIPS_CSV_HEADER = ('patient', 'clip', 'split', 'site', 'scenarios',
                    'onset_frame')
SPLITS = ('train', 'val', 'test')
SCENARIOS = ('clear view', 'obscured view', 'camera jitter',
             'light reflection', 'water flushing', 'instrument interference')
SOURCE_LABEL = 'bleeding_source'
VIDEO_EXTS = ('.mp4', '.avi', '.mov', '.mkv')
FRAME_EXTS = ('.jpg', '.jpeg', '.png')
LABELME_REQUIRED_KEYS = ('shapes', 'imageHeight', 'imageWidth')
DEFAULT_FPS = 30.0
LABELME_VERSION = '5.4.1'
#: LabelMe coordinate = mmbleed coordinate + LABELME_OFFSET (pixel i spans [i, i+1) there)
LABELME_OFFSET = 0.5

_NUMBER_WORDS = {2: 'two', 3: 'three', 4: 'four'}
_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')
_INDEX_FILE_RE = re.compile(r'^(\d+)\.([A-Za-z0-9]+)$')


class RawLayoutError(ValueError):
    """A problem in the raw layout; the message is one line: ``<file>: <problem>``."""

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = ' '.join(str(problem).split())  # always one line
        super().__init__(f'{where}: {self.problem}')

    def __reduce__(self):  # picklable across worker processes
        return type(self), (self.where, self.problem)


@dataclass
class ClipRow:
    """One row of ``clips.csv``."""
    patient: str
    clip: str
    split: str
    site: str
    scenarios: List[str]
    onset_frame: Optional[int]
    line: int

    @property
    def clip_id(self) -> str:
        return f'{self.patient}/{self.clip}'


@dataclass
class MediaInfo:
    """What decoding a clip's video or frame folder found."""
    num_frames: int
    height: int
    width: int
    fps: float
    video: Optional[str] = None  # relative to root
    frame_dir: Optional[str] = None  # relative to root


@dataclass
class FrameAnnotation:
    """The bleeding source in one annotated frame (``point`` is None when hidden)."""
    frame: int
    point: Optional[List[float]]
    visible: bool
    file: str = field(default='', repr=False)  # relative path, for messages

    def to_dict(self) -> dict:
        return dict(frame=self.frame, point=self.point, visible=self.visible)


# --------------------------------------------------------------------- shared helpers
def labelme_to_mmbleed(x: float, y: float) -> List[float]:
    """A LabelMe (continuous, pixel ``i`` spans ``[i, i+1)``) point in mmbleed pixels
    (pixel centres at integers)."""
    return [float(x) - LABELME_OFFSET, float(y) - LABELME_OFFSET]


def mmbleed_to_labelme(x: float, y: float) -> List[float]:
    """The inverse of :func:`labelme_to_mmbleed`."""
    return [float(x) + LABELME_OFFSET, float(y) + LABELME_OFFSET]


def point_in_frame(x: float, y: float, width: int, height: int) -> bool:
    """Whether a LabelMe point lies in a ``width`` x ``height`` frame, ``[0, w] x [0, h]``."""
    return 0 <= x <= width and 0 <= y <= height


def labelme_point_file(point: Optional[Sequence[float]],
                       occluded: bool,
                       width: int,
                       height: int,
                       image_path: str = '',
                       decimals: Optional[int] = None) -> dict:
    """One LabelMe file holding the bleeding-source point (docs/data_format.md §1).

    Args:
        point: ``(x, y)`` in **LabelMe** coordinates (see :func:`mmbleed_to_labelme`), or
            None for no ``bleeding_source`` shape (source hidden without a point).
        occluded: set ``flags: {"occluded": true}`` on the shape.
        width, height: the frame size (``imageWidth`` / ``imageHeight``).
        image_path: ``imagePath``.
        decimals: round the coordinates to this many decimals (None: as given).
    """
    shapes = []
    if point is not None:
        xy = [float(point[0]), float(point[1])]
        if decimals is not None:
            xy = [round(v, decimals) for v in xy]
        shapes.append(
            dict(
                label=SOURCE_LABEL,
                points=[xy],
                group_id=None,
                description='',
                shape_type='point',
                flags={'occluded': True} if occluded else {}))
    return dict(
        version=LABELME_VERSION,
        flags={},
        shapes=shapes,
        imagePath=image_path,
        imageData=None,
        imageHeight=int(height),
        imageWidth=int(width))


def split_patients(num_patients: int, seed: Optional[int] = None) -> List[str]:
    """Patient-level 4:1:1 split: ``max(1, round(n/6))`` patients each for val and test.

    Returns the split of each patient: in order (train, then val, then test) when ``seed``
    is None, else a deterministic shuffle of that assignment drawn from ``seed``.

    Raises:
        ValueError: fewer than 3 patients (val and test need one patient each).
    """
    if num_patients < 3:
        raise ValueError(
            f'need at least 3 patients for the train/val/test split by patient '
            f'(val and test need one patient each), got {num_patients}')
    n_eval = max(1, int(round(num_patients / 6)))
    n_train = num_patients - 2 * n_eval
    splits = ['train'] * n_train + ['val'] * n_eval + ['test'] * n_eval
    if seed is None:
        return splits
    order = np.random.default_rng([seed, 7]).permutation(num_patients)
    out = [''] * num_patients
    for rank, idx in enumerate(order):
        out[idx] = splits[rank]
    return out


def atomic_write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to a temp file beside ``path``, then ``os.replace`` it.

    Raises:
        RawLayoutError: naming ``path`` when the file system refuses.
    """
    tmp = osp.join(osp.dirname(path) or '.', f'.{osp.basename(path)}.tmp')
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        if osp.isfile(tmp):
            os.remove(tmp)
        raise RawLayoutError(path, f'cannot be written ({_os_reason(e)})')


def write_clips_csv(root: str, rows: Sequence[Sequence[object]]) -> None:
    """Write ``<root>/clips.csv`` atomically: the header, then one row per clip.

    Each row holds the :data:`CLIPS_CSV_HEADER` columns in order (``''`` for no onset).
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator='\n')
    writer.writerow(CLIPS_CSV_HEADER)
    writer.writerows(rows)
    atomic_write_bytes(osp.join(root, CLIPS_CSV), buf.getvalue().encode('utf-8'))


def claim_output_root(out_dir: str, subdirs: Sequence[str], marker_name: str,
                      info: dict, who: str) -> None:
    """Refuse to write into a raw layout that a tool did not write; mark it as that tool's.

    Expert annotations are never overwritten: when ``<out_dir>/<marker_name>`` is absent and
    any of ``<out_dir>/<subdir>`` (``''`` for ``out_dir`` itself) exists and is not empty,
    raise FileExistsError (one line). Otherwise create ``out_dir`` and write the marker
    (``info`` as JSON) atomically.

    Args:
        out_dir: the folder the tool writes into.
        subdirs: the raw layouts under ``out_dir`` the tool writes (``''``: ``out_dir``).
        marker_name: the tool's marker file name, e.g. ``synthetic_esd.json``.
        info: what the marker records (tool, arguments).
        who: the tool, for the message (e.g. ``'the synthetic ESD generator'``).
    """
    if not osp.isfile(osp.join(out_dir, marker_name)):
        for sub in subdirs:
            root = osp.join(out_dir, sub) if sub else out_dir
            if osp.exists(root) and (not osp.isdir(root) or os.listdir(root)):
                raise FileExistsError(
                    f'{root}: not empty and not written by {who} (no '
                    f'{marker_name}); refusing to write there (it may hold '
                    'expert annotations). Choose an empty output folder.')
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as e:
        raise RawLayoutError(out_dir,
                             f'cannot create the folder ({_os_reason(e)})')
    atomic_write_bytes(
        osp.join(out_dir, marker_name),
        json.dumps(info, sort_keys=True).encode('utf-8'))


def _os_reason(e: OSError) -> str:
    return e.strerror or type(e).__name__


# --------------------------------------------------------------------- clips.csv
def read_clips_csv(root: str) -> List[ClipRow]:
    """Read and validate ``<root>/clips.csv`` (header, names, splits, scenarios, onsets).

    Checks that the header is exact, clip ids are unique, every scenario is known, each
    patient is in one split only, and train, val and test each have at least one patient.
    """
    path = osp.join(root, CLIPS_CSV)
    if not osp.isfile(path):
        raise RawLayoutError(CLIPS_CSV, f'file not found under {root}')
    try:
        with open(path, newline='', encoding='utf-8-sig') as f:
            lines = list(csv.reader(f))
    except (UnicodeDecodeError, csv.Error) as e:
        raise RawLayoutError(CLIPS_CSV, f'cannot be read as CSV ({e})')
    except OSError as e:
        raise RawLayoutError(CLIPS_CSV, f'cannot be read ({_os_reason(e)})')
    if not lines:
        raise RawLayoutError(CLIPS_CSV, 'file is empty (expected header '
                             f"'{','.join(CLIPS_CSV_HEADER)}')")
    header = tuple(c.strip() for c in lines[0])
    if header != CLIPS_CSV_HEADER:
        raise RawLayoutError(
            CLIPS_CSV, f"header must be '{','.join(CLIPS_CSV_HEADER)}', "
            f"got '{','.join(lines[0])}'")

    rows: List[ClipRow] = []
    first_line: Dict[str, int] = {}
    patient_split: Dict[str, Tuple[str, int]] = {}
    for lineno, cells in enumerate(lines[1:], start=2):
        where = f'{CLIPS_CSV} line {lineno}'
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) != len(CLIPS_CSV_HEADER):
            raise RawLayoutError(
                where, f'expected {len(CLIPS_CSV_HEADER)} columns '
                f'({",".join(CLIPS_CSV_HEADER)}), got {len(cells)}')
        patient, clip, split, site, scenarios, onset = (c.strip()
                                                        for c in cells)
        for what, name in (('patient', patient), ('clip', clip)):
            if not _NAME_RE.match(name):
                raise RawLayoutError(
                    where, f'{what} {name!r} is not a valid name (letters, '
                    'digits, _ . - ; no slashes)')
        if split not in SPLITS:
            raise RawLayoutError(
                where, f"split {split!r} must be one of {', '.join(SPLITS)}")
        row = ClipRow(patient, clip, split, site,
                      _parse_scenarios(scenarios, where),
                      _parse_onset(onset, where), lineno)
        if row.clip_id in first_line:
            raise RawLayoutError(
                where, f'duplicate clip {row.clip_id} '
                f'(first on line {first_line[row.clip_id]})')
        first_line[row.clip_id] = lineno
        if patient in patient_split and patient_split[patient][0] != split:
            other, other_line = patient_split[patient]
            raise RawLayoutError(
                where, f'patient {patient} is in split {split!r} here but in '
                f'{other!r} on line {other_line} (splits are by patient)')
        patient_split.setdefault(patient, (split, lineno))
        rows.append(row)

    for split in SPLITS:
        if not any(s == split for s, _ in patient_split.values()):
            raise RawLayoutError(
                CLIPS_CSV, f'split {split!r} has no patients (splits are by '
                'patient, 4:1:1; each of train, val, test needs at least one)')
    return rows


def _parse_scenarios(text: str, where: str) -> List[str]:
    names = [s.strip().lower() for s in text.split(';') if s.strip()]
    for name in names:
        if name not in SCENARIOS:
            raise RawLayoutError(
                where, f'unknown scenario {name!r} (expected one of: '
                f"{', '.join(SCENARIOS)})")
    return [s for s in SCENARIOS if s in names]  # canonical order, no repeats


def _parse_onset(text: str, where: str) -> Optional[int]:
    if text == '':
        return None
    try:
        value = int(text)
    except ValueError:
        raise RawLayoutError(
            where, f'onset_frame {text!r} must be an integer frame index '
            'or empty')
    if value < 0:
        raise RawLayoutError(where, f'onset_frame {value} is negative')
    return value


# --------------------------------------------------------------------- media
def probe_video(path: str, where: Optional[str] = None) -> MediaInfo:
    """Open a video and count its frames by decoding (``grab``) all of them.

    ``CAP_PROP_FRAME_COUNT`` comes from the container header; a truncated file still claims
    the full count, so a clip whose decodable frames are fewer than claimed is an error.
    """
    where = where or path
    if not osp.isfile(path):
        raise RawLayoutError(where, 'video file not found')
    if osp.getsize(path) == 0:
        raise RawLayoutError(where, 'video file is empty')
    cap = cv2.VideoCapture(path)
    try:
        if not cap.isOpened():
            raise RawLayoutError(
                where, 'cannot be opened as a video (corrupt or truncated '
                'file, or an unsupported codec)')
        claimed = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        fps = float(cap.get(cv2.CAP_PROP_FPS)) or DEFAULT_FPS
        ok, frame = cap.read()
        if not ok or frame is None:
            raise RawLayoutError(where, 'no decodable frames (corrupt file?)')
        height, width = frame.shape[:2]
        decoded = 1
        while cap.grab():
            decoded += 1
    finally:
        cap.release()
    if claimed > 0 and decoded < claimed:
        raise RawLayoutError(
            where, f'truncated or corrupt video: the header claims {claimed} '
            f'frames but only {decoded} decode')
    return MediaInfo(decoded, int(height), int(width),
                     fps if math.isfinite(fps) and fps > 0 else DEFAULT_FPS)


def list_frame_files(frame_dir: str, where: Optional[str] = None) -> List[str]:
    """Return the numbered frame files of a folder in index order, 0..n-1 without gaps."""
    where = where or frame_dir
    by_index: Dict[int, str] = {}
    for name in os.listdir(frame_dir):
        m = _INDEX_FILE_RE.match(name)
        if m is None or '.' + m.group(2).lower() not in FRAME_EXTS:
            continue
        idx = int(m.group(1))
        if idx in by_index:
            raise RawLayoutError(
                where, f'two files for frame {idx}: {by_index[idx]} and {name}')
        by_index[idx] = name
    if not by_index:
        raise RawLayoutError(
            where, f"no frame files named like 000000{'|'.join(FRAME_EXTS)}")
    n = max(by_index) + 1
    if len(by_index) != n:
        missing = [i for i in range(n) if i not in by_index]
        more = f' and {len(missing) - 1} more' if len(missing) > 1 else ''
        raise RawLayoutError(
            where, f'missing frame {missing[0]:06d}{more} (found '
            f'{len(by_index)} files numbered up to {n - 1:06d}; frames must '
            'be numbered 000000, 000001, ... without gaps)')
    return [osp.join(frame_dir, by_index[i]) for i in range(n)]


def probe_frame_dir(frame_dir: str, where: Optional[str] = None,
                    verify_all: bool = True) -> MediaInfo:
    """Check a frame folder: numbering without gaps, every frame decodes, one frame size."""
    where = where or frame_dir
    files = list_frame_files(frame_dir, where)
    shape = None
    for path in (files if verify_all else [files[0], files[-1]]):
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        name = osp.basename(path)
        if img is None:
            raise RawLayoutError(f'{where}/{name}',
                                 'cannot be decoded as an image')
        if shape is None:
            shape = img.shape[:2]
        elif img.shape[:2] != shape:
            raise RawLayoutError(
                f'{where}/{name}', f'frame size {img.shape[1]}x{img.shape[0]}'
                f' differs from the first frame\'s {shape[1]}x{shape[0]}')
    return MediaInfo(len(files), int(shape[0]), int(shape[1]), DEFAULT_FPS)


def find_clip_media(root: str, row: ClipRow) -> MediaInfo:
    """Locate and probe a clip's video (preferred) or frame folder."""
    videos = [
        f'videos/{row.patient}/{row.clip}{ext}' for ext in VIDEO_EXTS
        if osp.exists(osp.join(root, 'videos', row.patient, row.clip + ext))
    ]
    frame_dir = f'frames/{row.patient}/{row.clip}'
    has_frames = osp.isdir(osp.join(root, frame_dir))
    if len(videos) > 1:
        raise RawLayoutError(
            videos[0], f'clip {row.clip_id} has several videos: '
            f"{', '.join(videos)}; keep one")
    if videos:
        if has_frames:
            print_log(
                f'{row.clip_id}: both {videos[0]} and {frame_dir}/ exist; '
                'using the video', logger='current')
        info = probe_video(osp.join(root, videos[0]), videos[0])
        info.video = videos[0]
        return info
    if has_frames:
        info = probe_frame_dir(osp.join(root, frame_dir), frame_dir)
        info.frame_dir = frame_dir
        return info
    raise RawLayoutError(
        f'{CLIPS_CSV} line {row.line}', f'clip {row.clip_id} has no video '
        f'(videos/{row.patient}/{row.clip}.mp4) and no frame folder '
        f'({frame_dir}/)')


# --------------------------------------------------------------------- LabelMe
def read_labelme(path: str, where: str, frame: int, height: int,
                 width: int) -> FrameAnnotation:
    """Read the ``bleeding_source`` point of one LabelMe file (docs/data_format.md §1).

    The point is checked in LabelMe space (``[0, width] x [0, height]``) and returned in
    mmbleed pixels: LabelMe ``(x, y)`` becomes ``(x - 0.5, y - 0.5)``
    (:func:`labelme_to_mmbleed`; the one place LabelMe coordinates are converted).
    """
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise RawLayoutError(where, f'not valid JSON ({e})')
    except UnicodeDecodeError:
        raise RawLayoutError(where, 'not valid JSON (not UTF-8 text)')
    except OSError as e:
        raise RawLayoutError(where, f'cannot be read ({_os_reason(e)})')
    if not isinstance(data, dict):
        raise RawLayoutError(where, 'a LabelMe file must hold a JSON object')
    missing = [k for k in LABELME_REQUIRED_KEYS if k not in data]
    if missing:
        raise RawLayoutError(
            where, f"missing LabelMe key{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(k) for k in missing)}")
    shapes = data['shapes']
    if not isinstance(shapes, list):
        raise RawLayoutError(where, "'shapes' must be a list")
    if (data['imageHeight'], data['imageWidth']) != (height, width):
        raise RawLayoutError(
            where, f"imageWidth x imageHeight {data['imageWidth']}x"
            f"{data['imageHeight']} differs from the clip's frame size "
            f'{width}x{height} (points must be in original-frame pixels)')

    sources = []
    for i, shape in enumerate(shapes):
        if not isinstance(shape, dict):
            raise RawLayoutError(where, f'shape {i} is not a JSON object')
        if shape.get('label') == SOURCE_LABEL:
            sources.append((i, shape))
    if len(sources) > 1:
        raise RawLayoutError(
            where, f"{_NUMBER_WORDS.get(len(sources), len(sources))} "
            f"'{SOURCE_LABEL}' points in one frame (at most one is allowed)")
    if not sources:
        return FrameAnnotation(frame, None, False, where)

    i, shape = sources[0]
    for key in ('points', 'shape_type'):
        if key not in shape:
            raise RawLayoutError(
                where, f"'{SOURCE_LABEL}' shape has no {key!r} key")
    if shape['shape_type'] != 'point':
        raise RawLayoutError(
            where, f"'{SOURCE_LABEL}' shape has shape_type "
            f"{shape['shape_type']!r}, expected 'point'")
    pts = shape['points']
    if not (isinstance(pts, list) and len(pts) == 1
            and isinstance(pts[0], list) and len(pts[0]) == 2 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool)
                and math.isfinite(v) for v in pts[0])):
        raise RawLayoutError(
            where, f"'{SOURCE_LABEL}' points must be [[x, y]] with two finite "
            f'numbers, got {json.dumps(pts)[:80]}')
    x, y = float(pts[0][0]), float(pts[0][1])
    if not point_in_frame(x, y, width, height):
        raise RawLayoutError(
            where, f"'{SOURCE_LABEL}' point ({x:g}, {y:g}) is outside the "
            f'{width}x{height} frame')
    flags = shape.get('flags') or {}
    if not isinstance(flags, dict):
        raise RawLayoutError(where, f"'{SOURCE_LABEL}' shape flags must be "
                             'an object')
    return FrameAnnotation(frame, labelme_to_mmbleed(x, y),
                           not bool(flags.get('occluded')), where)


def read_clip_annotations(root: str, row: ClipRow,
                          media: MediaInfo) -> List[FrameAnnotation]:
    """Read every LabelMe file of a clip; frames must lie within the decodable clip."""
    rel_dir = f'labelme/{row.patient}/{row.clip}'
    ann_dir = osp.join(root, rel_dir)
    if not osp.isdir(ann_dir):
        return []
    anns = []
    for name in sorted(os.listdir(ann_dir)):
        where = f'{rel_dir}/{name}'
        if not name.lower().endswith('.json'):
            continue
        m = _INDEX_FILE_RE.match(name)
        if m is None:
            raise RawLayoutError(
                where, 'LabelMe file name must be the 0-based frame index, '
                'e.g. 000120.json')
        frame = int(m.group(1))
        if frame >= media.num_frames:
            src = media.video or media.frame_dir
            raise RawLayoutError(
                where, f'frame {frame} is past the clip\'s last decodable '
                f'frame {media.num_frames - 1} ({src} has {media.num_frames} '
                'frames)')
        anns.append(
            read_labelme(
                osp.join(ann_dir, name), where, frame, media.height,
                media.width))
    anns.sort(key=lambda a: a.frame)
    for a, b in zip(anns, anns[1:]):
        if a.frame == b.frame:
            raise RawLayoutError(
                b.file, f'frame {b.frame} is annotated twice ({a.file})')
    return anns


# --------------------------------------------------------------------- dense GT
def check_dense_gt(root: str, row: ClipRow,
                   media: MediaInfo) -> Optional[str]:
    """Return the clip's ``dense_gt`` path relative to root, if the file exists."""
    rel = f'dense_gt/{row.patient}/{row.clip}.npz'
    path = osp.join(root, rel)
    if not osp.exists(path):
        return None
    try:
        with np.load(path) as npz:
            if 'source_xy' not in npz.files:
                raise RawLayoutError(rel, "missing array 'source_xy'")
            t = npz['source_xy'].shape[0]
    except RawLayoutError:
        raise
    except Exception as e:  # zipfile/pickle errors of a broken file
        raise RawLayoutError(rel, f'cannot be read as .npz ({e})')
    if t != media.num_frames:
        raise RawLayoutError(
            rel, f'source_xy has {t} frames but the clip has '
            f'{media.num_frames}')
    return rel


# --------------------------------------------------------------------- convert
def build_clip_info(root: str, row: ClipRow) -> dict:
    """Validate one clip and return its ``data_list`` entry (docs/data_format.md §2)."""
    media = find_clip_media(root, row)
    if row.onset_frame is not None and row.onset_frame >= media.num_frames:
        raise RawLayoutError(
            f'{CLIPS_CSV} line {row.line}', f'onset_frame {row.onset_frame} '
            f'is past the end of clip {row.clip_id} ({media.num_frames} '
            f'frames, last index {media.num_frames - 1})')
    anns = read_clip_annotations(root, row, media)
    return dict(
        clip_id=row.clip_id,
        patient=row.patient,
        clip=row.clip,
        split=row.split,
        video=media.video,
        frame_dir=media.frame_dir,
        num_frames=media.num_frames,
        height=media.height,
        width=media.width,
        fps=media.fps,
        site=row.site,
        scenarios=row.scenarios,
        onset_frame=row.onset_frame,
        annotations=[a.to_dict() for a in anns],
        dense_gt=check_dense_gt(root, row, media))


def _warn_unlisted(root: str, rows: Sequence[ClipRow]) -> None:
    listed = {r.clip_id for r in rows}
    for top in ('videos', 'frames', 'labelme'):
        base = osp.join(root, top)
        if not osp.isdir(base):
            continue
        for patient in sorted(os.listdir(base)):
            pdir = osp.join(base, patient)
            if not osp.isdir(pdir):
                continue
            for name in sorted(os.listdir(pdir)):
                clip = osp.splitext(name)[0] if top == 'videos' else name
                if f'{patient}/{clip}' not in listed:
                    print_log(
                        f'{top}/{patient}/{name} is not listed in '
                        f'{CLIPS_CSV}; ignored', logger='current')


def convert_raw_layout(root: str,
                       out_dir: Optional[str] = None,
                       dataset_name: Optional[str] = None,
                       show_progress: bool = True) -> dict:
    """Validate a raw layout and write its annotation files, all or nothing.

    Args:
        root (str): the raw layout's root (docs/data_format.md §1).
        out_dir (str, optional): where to write ``{train,val,test}.json``.
            Defaults to ``<root>/annotations``. Paths inside stay relative to ``root``.
        dataset_name (str, optional): ``metainfo['dataset_name']``; defaults to the
            root folder's name.
        show_progress (bool): show a progress bar over clips. Defaults to True.

    Returns:
        dict: summary with ``root``, ``out_dir``, ``files`` (split → path) and, per split,
        ``clips``, ``patients``, ``positive_clips``, ``annotated_frames``, ``frames``.

    Raises:
        RawLayoutError: on the first problem found; nothing is written then.
    """
    root = osp.abspath(root)
    if not osp.isdir(root):
        raise RawLayoutError(root, 'raw layout root is not a folder')
    out_dir = osp.abspath(out_dir or osp.join(root, 'annotations'))
    dataset_name = dataset_name or osp.basename(root.rstrip(os.sep))

    rows = read_clips_csv(root)
    _warn_unlisted(root, rows)
    data_lists: Dict[str, List[dict]] = {s: [] for s in SPLITS}
    progress = ProgressBar(len(rows)) if show_progress else None
    for row in rows:
        data_lists[row.split].append(build_clip_info(root, row))
        if progress is not None:
            progress.update()
    if progress is not None:
        progress.file.write('\n')

    summary = dict(root=root, out_dir=out_dir, files={})
    for key in ('clips', 'patients', 'positive_clips', 'annotated_frames',
                'frames'):
        summary[key] = {}
    for split, infos in data_lists.items():
        summary['clips'][split] = len(infos)
        summary['patients'][split] = len({i['patient'] for i in infos})
        summary['positive_clips'][split] = sum(
            i['onset_frame'] is not None for i in infos)
        summary['annotated_frames'][split] = sum(
            len(i['annotations']) for i in infos)
        summary['frames'][split] = sum(i['num_frames'] for i in infos)

    _write_atomically(out_dir, {
        split: dict(
            metainfo=dict(
                dataset_name=dataset_name,
                split=split,
                classes=[SOURCE_LABEL]),
            data_list=infos)
        for split, infos in data_lists.items()
    })
    summary['files'] = {s: osp.join(out_dir, f'{s}.json') for s in SPLITS}
    print_log(
        f'{dataset_name}: wrote {out_dir}/{{train,val,test}}.json; clips '
        f"{summary['clips']}, patients {summary['patients']}",
        logger='current')
    return summary


def _write_atomically(out_dir: str, contents: Dict[str, dict]) -> None:
    """Write every ``<split>.json`` to a temp file first, then ``os.replace`` them all.

    Raises:
        RawLayoutError: naming the file the file system refused.
    """
    where = out_dir
    temps: Dict[str, str] = {}
    try:
        os.makedirs(out_dir, exist_ok=True)
        for split, content in contents.items():
            where = osp.join(out_dir, f'{split}.json')
            tmp = osp.join(out_dir, f'.{split}.json.tmp')  # as atomic_write_bytes does
            temps[split] = tmp
            with open(tmp, 'w', encoding='utf-8') as f:
                json.dump(content, f, indent=1)
        for split in temps:  # fail before replacing any, where we can tell
            where = osp.join(out_dir, f'{split}.json')
            if osp.isdir(where):
                raise IsADirectoryError(21, 'Is a directory', where)
        for split, tmp in temps.items():
            where = osp.join(out_dir, f'{split}.json')
            os.replace(tmp, where)
    except OSError as e:
        raise RawLayoutError(where, f'cannot be written ({_os_reason(e)})')
    finally:
        for tmp in temps.values():
            if osp.exists(tmp):
                os.remove(tmp)
