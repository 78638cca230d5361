# Copyright (c) mmbleed contributors. All rights reserved.
"""Raw layout validation and conversion (docs/data_format.md §1-2)."""
import json
import os
import os.path as osp
import subprocess
import sys
from pathlib import Path

import pytest
from raw_layout_helpers import (faststart, labelme_dict, read_clips_rows,
                      write_clips_csv, write_json, write_video)

from mmbleed.datasets import RawLayoutError, convert_raw_layout
from mmbleed.datasets import raw_layout
from mmbleed.datasets.raw_layout import (claim_output_root, labelme_point_file,
                                         point_in_frame, split_patients)

REPO = Path(__file__).parents[2]


def convert(root):
    return convert_raw_layout(root, show_progress=False)


def test_valid_layout(raw_root):
    summary = convert(raw_root)
    assert summary['clips'] == dict(train=5, val=1, test=1)
    assert summary['patients'] == dict(train=4, val=1, test=1)
    assert summary['positive_clips'] == dict(train=4, val=1, test=1)
    assert sorted(os.listdir(osp.join(raw_root, 'annotations'))) == [
        'test.json', 'train.json', 'val.json'
    ]
    with open(osp.join(raw_root, 'annotations', 'train.json')) as f:
        train = json.load(f)
    assert train['metainfo'] == dict(
        dataset_name='raw', split='train', classes=['bleeding_source'])
    clips = {c['clip_id']: c for c in train['data_list']}
    c = clips['P000/C000']
    assert c['video'] == 'videos/P000/C000.mp4' and c['frame_dir'] is None
    assert (c['num_frames'], c['height'], c['width']) == (40, 48, 64)
    assert c['fps'] == pytest.approx(30.0)
    assert c['scenarios'] == ['clear view', 'water flushing']
    assert c['onset_frame'] == 20
    assert c['dense_gt'] == 'dense_gt/P000/C000.npz'
    assert c['annotations'] == [
        dict(frame=20, point=[30.0, 20.0], visible=True),
        dict(frame=25, point=[31.5, 21.0], visible=False),
        dict(frame=30, point=None, visible=False),
        dict(frame=39, point=[33.0, 22.0], visible=True),
    ]
    assert clips['P000/C001']['onset_frame'] is None
    assert clips['P000/C001']['annotations'] == []
    assert clips['P001/C000']['scenarios'] == ['camera jitter']
    assert clips['P003/C000']['frame_dir'] == 'frames/P003/C000'
    assert clips['P003/C000']['video'] is None
    assert clips['P003/C000']['num_frames'] == 40
    assert not [n for n in os.listdir(osp.join(raw_root, 'annotations'))
                if n.startswith('.')]  # no temp files left


def test_out_dir(raw_root, tmp_path):
    out = str(tmp_path / 'elsewhere')
    summary = convert_raw_layout(raw_root, out, show_progress=False)
    assert summary['files']['val'] == osp.join(out, 'val.json')
    assert osp.isfile(osp.join(out, 'test.json'))
    assert not osp.exists(osp.join(raw_root, 'annotations'))


# --- bad inputs: each mutates one thing -------------------------------------
def _garbage_video(root):
    with open(osp.join(root, 'videos/P001/C000.mp4'), 'wb') as f:
        f.write(os.urandom(3000))


def _truncated_video(root):  # moov at the end (OpenCV's writer): cannot open
    path = osp.join(root, 'videos/P001/C000.mp4')
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])


def _truncated_faststart_video(root):  # opens, claims 40 frames, decodes fewer
    path = osp.join(root, 'videos/P001/C000.mp4')
    faststart(path)
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) * 2 // 3])


def _empty_video(root):
    open(osp.join(root, 'videos/P001/C000.mp4'), 'wb').close()


def _short_video(root):  # valid video, but annotations reach beyond its end
    write_video(osp.join(root, 'videos/P000/C000.mp4'), n=25)


def _annotation_past_end(root):
    write_json(
        osp.join(root, 'labelme/P001/C000/000045.json'),
        labelme_dict((5, 5)))


def _missing_frame(root):
    os.remove(osp.join(root, 'frames/P003/C000/000007.png'))


def _corrupt_frame(root):
    with open(osp.join(root, 'frames/P003/C000/000003.png'), 'wb') as f:
        f.write(b'not a png')


def _labelme(root, content, raw=False):
    path = osp.join(root, 'labelme/P001/C000/000010.json')
    if raw:
        with open(path, 'w') as f:
            f.write(content)
    else:
        write_json(path, content)


def _invalid_json(root):
    _labelme(root, '{"shapes": [', raw=True)


def _missing_shapes(root):
    d = labelme_dict((10, 10))
    del d['shapes']
    _labelme(root, d)


def _missing_image_size(root):
    d = labelme_dict((10, 10))
    del d['imageWidth']
    _labelme(root, d)


def _wrong_image_size(root):
    _labelme(root, labelme_dict((10, 10), w=128, h=96))


def _shape(root, **changes):
    d = labelme_dict((10, 10))
    d['shapes'][0].update(changes)
    _labelme(root, d)


def _two_sources(root):
    d = labelme_dict((10, 10))
    d['shapes'].append(dict(d['shapes'][0], points=[[12, 12]]))
    _labelme(root, d)


def _missing_shape_type(root):
    d = labelme_dict((10, 10))
    del d['shapes'][0]['shape_type']
    _labelme(root, d)


def _unreadable_labelme(root):  # a folder where the file should be: open() fails
    path = osp.join(root, 'labelme/P001/C000/000010.json')
    os.remove(path)
    os.makedirs(path)


def _bad_labelme_name(root):
    write_json(
        osp.join(root, 'labelme/P001/C000/frame10.json'), labelme_dict())


def _edit_csv(root, fn):
    rows = read_clips_rows(root)
    fn(rows)
    write_clips_csv(root, rows)


def _set(clip_row, col, value):
    return lambda root: _edit_csv(
        root, lambda rows: rows[clip_row].__setitem__(col, value))


def _duplicate_clip(root):
    _edit_csv(root, lambda rows: rows.append(list(rows[2])))


def _patient_two_splits(root):
    _edit_csv(root, lambda rows: rows[1].__setitem__(2, 'val'))


def _bad_header(root):
    write_clips_csv(
        root,
        read_clips_rows(root),
        header=('patient', 'clip', 'split', 'site', 'scenario', 'onset'))


def _missing_csv(root):
    os.remove(osp.join(root, 'clips.csv'))


def _wrong_columns(root):
    _edit_csv(root, lambda rows: rows[3].pop())


def _missing_video(root):
    os.remove(osp.join(root, 'videos/P002/C000.mp4'))


def _two_videos(root):
    write_video(osp.join(root, 'videos/P002/C000.avi'), fourcc='MJPG')


def _dense_gt_wrong_length(root):
    import numpy as np
    np.savez(
        osp.join(root, 'dense_gt/P000/C000.npz'),
        source_xy=np.zeros((7, 2), np.float32))


BAD = {
    'garbage video': (_garbage_video, 'videos/P001/C000.mp4',
                      'cannot be opened as a video'),
    'truncated video': (_truncated_video, 'videos/P001/C000.mp4',
                        'cannot be opened as a video'),
    'truncated faststart video': (_truncated_faststart_video,
                                  'videos/P001/C000.mp4',
                                  'header claims 40 frames but only'),
    'empty video': (_empty_video, 'videos/P001/C000.mp4', 'empty'),
    'video shorter than annotations': (
        _short_video, 'labelme/P000/C000/000025.json',
        "past the clip's last decodable frame 24"),
    'annotation past end': (_annotation_past_end,
                            'labelme/P001/C000/000045.json',
                            "frame 45 is past the clip's last decodable"),
    'missing frame': (_missing_frame, 'frames/P003/C000',
                      'missing frame 000007'),
    'corrupt frame': (_corrupt_frame, 'frames/P003/C000/000003.png',
                      'cannot be decoded'),
    'invalid json': (_invalid_json, 'labelme/P001/C000/000010.json',
                     'not valid JSON'),
    'missing shapes': (_missing_shapes, 'labelme/P001/C000/000010.json',
                       "missing LabelMe key 'shapes'"),
    'missing image size': (_missing_image_size,
                           'labelme/P001/C000/000010.json',
                           "missing LabelMe key 'imageWidth'"),
    'wrong image size': (_wrong_image_size, 'labelme/P001/C000/000010.json',
                         "differs from the clip's frame size 64x48"),
    'wrong shape_type': (lambda r: _shape(r, shape_type='rectangle'),
                         'labelme/P001/C000/000010.json',
                         "shape_type 'rectangle', expected 'point'"),
    'missing shape_type': (_missing_shape_type,
                           'labelme/P001/C000/000010.json',
                           "no 'shape_type' key"),
    'two sources': (_two_sources, 'labelme/P001/C000/000010.json',
                    "two 'bleeding_source' points in one frame"),
    'two points': (lambda r: _shape(r, points=[[1, 2], [3, 4]]),
                   'labelme/P001/C000/000010.json', 'must be [[x, y]]'),
    'flat point': (lambda r: _shape(r, points=[1, 2]),
                   'labelme/P001/C000/000010.json', 'must be [[x, y]]'),
    'string coordinate': (lambda r: _shape(r, points=[['a', 2]]),
                          'labelme/P001/C000/000010.json',
                          'must be [[x, y]]'),
    'point outside': (lambda r: _shape(r, points=[[70, 10]]),
                      'labelme/P001/C000/000010.json',
                      'point (70, 10) is outside the 64x48 frame'),
    'negative point': (lambda r: _shape(r, points=[[3, -1]]),
                       'labelme/P001/C000/000010.json', 'outside'),
    'unreadable labelme': (_unreadable_labelme,
                           'labelme/P001/C000/000010.json', 'cannot be read'),
    'point just outside': (lambda r: _shape(r, points=[[64.01, 10]]),
                           'labelme/P001/C000/000010.json',
                           'point (64.01, 10) is outside the 64x48 frame'),
    'bad labelme name': (_bad_labelme_name, 'labelme/P001/C000/frame10.json',
                         'frame index'),
    'onset past end': (_set(2, 5, '40'), 'clips.csv line 4',
                       'onset_frame 40 is past the end of clip P001/C000'),
    'onset not int': (_set(2, 5, 'ten'), 'clips.csv line 4',
                      "onset_frame 'ten' must be an integer"),
    'onset negative': (_set(2, 5, '-3'), 'clips.csv line 4', 'negative'),
    'duplicate clip': (_duplicate_clip, 'clips.csv line 9',
                       'duplicate clip P001/C000 (first on line 4)'),
    'split without patients': (_set(6, 2, 'val'), 'clips.csv',
                               "split 'test' has no patients"),
    'patient in two splits': (_patient_two_splits, 'clips.csv line 3',
                              "patient P000 is in split 'val' here but in "
                              "'train' on line 2"),
    'unknown split': (_set(0, 2, 'training'), 'clips.csv line 2',
                      "split 'training' must be one of"),
    'bad header': (_bad_header, 'clips.csv', 'header must be'),
    'missing csv': (_missing_csv, 'clips.csv', 'file not found'),
    'wrong columns': (_wrong_columns, 'clips.csv line 5',
                      'expected 6 columns'),
    'bad clip name': (_set(0, 1, 'C 0/0'), 'clips.csv line 2',
                      "clip 'C 0/0' is not a valid name"),
    'unknown scenario': (_set(0, 4, 'clear view;smoke'), 'clips.csv line 2',
                         "unknown scenario 'smoke'"),
    'missing video': (_missing_video, 'clips.csv line 5',
                      'clip P002/C000 has no video'),
    'two videos': (_two_videos, 'videos/P002/C000.mp4', 'several videos'),
    'dense gt length': (_dense_gt_wrong_length, 'dense_gt/P000/C000.npz',
                        'source_xy has 7 frames but the clip has 40'),
}


@pytest.mark.parametrize('case', list(BAD), ids=list(BAD))
def test_bad_layout(raw_root, case):
    mutate, where, problem = BAD[case]
    mutate(raw_root)
    with pytest.raises(RawLayoutError) as info:
        convert(raw_root)
    msg = str(info.value)
    assert '\n' not in msg
    assert msg.startswith(where + ':'), msg
    assert problem in msg, msg
    assert not osp.exists(osp.join(raw_root, 'annotations'))


def test_error_leaves_previous_output_untouched(raw_root):
    convert(raw_root)
    ann = osp.join(raw_root, 'annotations')
    before = {n: open(osp.join(ann, n)).read() for n in os.listdir(ann)}
    _missing_frame(raw_root)
    with pytest.raises(RawLayoutError):
        convert(raw_root)
    after = {n: open(osp.join(ann, n)).read() for n in os.listdir(ann)}
    assert after == before


def test_cli(raw_root):
    script = REPO / 'tools/dataset_converters/raw_to_mmbleed.py'
    _two_sources(raw_root)
    proc = subprocess.run([sys.executable, str(script), raw_root],
                          capture_output=True, text=True, cwd=str(REPO))
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last == ("error: labelme/P001/C000/000010.json: two "
                    "'bleeding_source' points in one frame (at most one is "
                    'allowed)')
    assert not osp.exists(osp.join(raw_root, 'annotations'))

    _labelme(raw_root, labelme_dict((10, 10)))
    proc = subprocess.run(
        [sys.executable, str(script), raw_root, '--no-progress'],
        capture_output=True, text=True, cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr
    assert osp.isfile(osp.join(raw_root, 'annotations', 'train.json'))


# --- pixel convention: LabelMe (pixel i spans [i, i+1)) -> mmbleed (centres at integers) ---
def test_labelme_points_move_half_a_pixel(raw_root):
    """LabelMe x, y become x - 0.5, y - 0.5; the bounds check stays in LabelMe space."""
    for frame, point in ((10, (0, 0)), (39, (64, 48))):
        write_json(osp.join(raw_root, f'labelme/P001/C000/{frame:06d}.json'),
                   labelme_dict(point))
    write_json(osp.join(raw_root, 'labelme/P001/C000/000020.json'),
               labelme_dict((10.5, 20.5)))  # the centre of pixel (10, 20)
    convert(raw_root)
    with open(osp.join(raw_root, 'annotations', 'train.json')) as f:
        clips = {c['clip_id']: c for c in json.load(f)['data_list']}
    assert [a['point'] for a in clips['P001/C000']['annotations']] == [
        [-0.5, -0.5], [10.0, 20.0], [63.5, 47.5]]


def test_shared_labelme_writer_and_checks():
    lm = labelme_point_file((3.25, 4.0), True, 64, 48, image_path='a.png')
    assert lm['shapes'] == [dict(label='bleeding_source', points=[[3.25, 4.0]],
                                 group_id=None, description='', shape_type='point',
                                 flags={'occluded': True})]
    assert (lm['imageWidth'], lm['imageHeight'], lm['imagePath'],
            lm['imageData']) == (64, 48, 'a.png', None)
    assert labelme_point_file(None, False, 64, 48)['shapes'] == []
    assert labelme_point_file((1.23456, 2), False, 64, 48,
                              decimals=2)['shapes'][0]['points'] == [[1.23, 2.0]]
    assert point_in_frame(0, 0, 64, 48) and point_in_frame(64, 48, 64, 48)
    assert not point_in_frame(-0.01, 3, 64, 48)
    assert not point_in_frame(3, 48.01, 64, 48)


def test_split_patients_4_1_1():
    assert split_patients(6) == ['train'] * 4 + ['val', 'test']
    assert split_patients(12) == ['train'] * 8 + ['val'] * 2 + ['test'] * 2
    shuffled = split_patients(12, seed=0)
    assert sorted(shuffled) == sorted(split_patients(12))
    assert shuffled == split_patients(12, seed=0)
    for n in (0, 1, 2):
        with pytest.raises(ValueError, match='at least 3 patients'):
            split_patients(n)


# --- file system failures become one-line RawLayoutErrors naming the file ---
def test_unreadable_clips_csv(raw_root, monkeypatch):
    def refuse(path, *args, **kwargs):
        raise PermissionError(13, 'Permission denied', path)

    monkeypatch.setattr(raw_layout, 'open', refuse, raising=False)
    with pytest.raises(RawLayoutError) as info:
        convert(raw_root)
    assert str(info.value) == 'clips.csv: cannot be read (Permission denied)'


def test_unwritable_annotations(raw_root):
    os.makedirs(osp.join(raw_root, 'annotations', 'val.json'))  # a folder in the way
    with pytest.raises(RawLayoutError) as info:
        convert(raw_root)
    msg = str(info.value)
    assert '\n' not in msg
    assert msg.startswith(osp.join(raw_root, 'annotations', 'val.json') +
                          ': cannot be written'), msg
    assert not osp.exists(osp.join(raw_root, 'annotations', 'train.json'))
    script = REPO / 'tools/dataset_converters/raw_to_mmbleed.py'
    proc = subprocess.run([sys.executable, str(script), raw_root, '--no-progress'],
                          capture_output=True, text=True, cwd=str(REPO))
    assert proc.returncode == 1
    assert 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith('error: ')


def test_raw_layout_error_pickles():
    import pickle
    e = pickle.loads(pickle.dumps(RawLayoutError('a.json', 'bad')))
    assert isinstance(e, RawLayoutError) and str(e) == 'a.json: bad'


# --- never write over a raw layout another tool (or a hospital) made ---
def test_claim_output_root(tmp_path):
    out = str(tmp_path / 'out')
    claim_output_root(out, ('', ), 'mine.json', dict(tool='t'), who='tool t')
    assert json.load(open(osp.join(out, 'mine.json'))) == dict(tool='t')
    (tmp_path / 'out' / 'clips.csv').write_text('x')
    claim_output_root(out, ('', ), 'mine.json', dict(tool='t'), who='tool t')  # ours
    with pytest.raises(FileExistsError) as info:  # another tool's marker
        claim_output_root(out, ('', ), 'other.json', {}, who='tool u')
    assert str(info.value).startswith(f'{out}: not empty and not written by tool u')
    assert '\n' not in str(info.value)
    hospital = tmp_path / 'hospital'
    (hospital / 'detection' / 'labelme').mkdir(parents=True)
    with pytest.raises(FileExistsError, match='may hold expert annotations'):
        claim_output_root(str(hospital), ('detection', 'tracking'), 'mine.json', {},
                          who='tool t')
    assert not (hospital / 'mine.json').exists()
    claim_output_root(str(hospital), ('tracking', ), 'mine.json', {}, who='tool t')
    assert (hospital / 'mine.json').is_file()
    assert not [p for p in os.listdir(hospital) if p.endswith('.tmp')]


def test_annotation_files_are_readable_like_any_new_file(raw_root):
    convert(raw_root)
    expected = 0o666 & ~_current_umask()
    for split in ('train', 'val', 'test'):
        mode = os.stat(osp.join(raw_root, 'annotations', f'{split}.json')).st_mode
        assert mode & 0o777 == expected, oct(mode)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
