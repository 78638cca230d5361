# Copyright (c) mmbleed contributors. All rights reserved.
"""SourceDataset: onset-frame points and pseudo-label frame indices (paper §4.2)."""
import json
import os.path as osp

import numpy as np
import pytest

from mmbleed.datasets import SourceDataset


def build(root, split='train', **kwargs):
    return SourceDataset(
        ann_file=f'annotations/{split}.json', data_root=root, **kwargs)


def test_onset_frames(converted_root):
    ds = build(converted_root)
    infos = {ds.get_data_info(i)['clip_id']: ds.get_data_info(i)
             for i in range(len(ds))}
    assert sorted(infos) == ['P000/C000', 'P001/C000', 'P002/C000',
                             'P003/C000']  # the negative clip is skipped
    info = infos['P000/C000']
    assert info['frame_indices'] == [20] and info['frame_idx'] == 20
    np.testing.assert_array_equal(info['gt_point'], [30.0, 20.0])
    assert info['gt_point'].dtype == np.float32
    assert info['gt_visible'] is True
    assert info['pseudo_frame_indices'] == list(range(21, 31))
    assert info['ori_shape'] == (48, 64) and info['gt_onset'] == 20
    assert infos['P003/C000']['frame_dir'] == osp.join(
        converted_root, 'frames/P003/C000')
    test = build(converted_root, 'test', num_pseudo=3)
    assert test.get_data_info(0)['pseudo_frame_indices'] == [1, 2, 3]


def test_annotated_frames(converted_root):
    ds = build(converted_root, frames='annotated')
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert len(infos) == 8  # visible annotated frames only
    by_key = {(i['clip_id'], i['frame_idx']): i for i in infos}
    assert ('P000/C000', 25) not in by_key  # occluded
    assert ('P000/C000', 30) not in by_key  # hidden
    assert by_key[('P000/C000', 39)]['pseudo_frame_indices'] == []
    assert by_key[('P002/C000', 35)]['pseudo_frame_indices'] == [
        36, 37, 38, 39
    ]


def _write_ann(root, annotations, onset, drop=()):
    clip = dict(
        clip_id='P9/C0', patient='P9', clip='C0', split='train',
        video='videos/P000/C000.mp4', frame_dir=None, num_frames=40,
        height=48, width=64, fps=30.0, site='', scenarios=[],
        onset_frame=onset, annotations=annotations, dense_gt=None)
    for key in drop:
        del clip[key]
    path = osp.join(root, 'annotations', 'edge.json')
    with open(path, 'w') as f:
        json.dump(dict(metainfo=dict(split='train'), data_list=[clip]), f)
    return 'annotations/edge.json'


@pytest.mark.parametrize('annotations', [
    [],
    [dict(frame=20, point=None, visible=False)],
    [dict(frame=20, point=[3.0, 4.0], visible=False)],
    [dict(frame=21, point=[3.0, 4.0], visible=True)],
])
def test_skips_hidden_or_unannotated_onset(converted_root, annotations):
    ann = _write_ann(converted_root, annotations, 20)
    assert len(SourceDataset(ann_file=ann, data_root=converted_root)) == 0


@pytest.mark.parametrize('drop, annotations, problem', [
    (('num_frames', ), [], "clip P9/C0: missing key 'num_frames'"),
    (('width', ), [], "clip P9/C0: missing key 'width'"),
    (('video', 'frame_dir'), [], "clip P9/C0: missing key 'video' or 'frame_dir'"),
    ((), [dict(point=[3.0, 4.0], visible=True)],
     "clip P9/C0: annotations[0] has no key 'frame'"),
    ((), [dict(frame=20, point=[3.0], visible=True)],
     "clip P9/C0: annotations[0] 'point' must be [x, y]"),
    ((), [dict(frame=20, point=[64.0, 4.0], visible=True)],
     'clip P9/C0: frame 20: point (64, 4) is outside the 64x48 frame'),
    ((), [dict(frame=20, point=[3.0, -1.0], visible=False)],
     'clip P9/C0: frame 20: point (3, -1) is outside the 64x48 frame'),
    ((), [dict(frame=20, point=['a', 4.0], visible=True)],
     "clip P9/C0: frame 20: point ['a', 4.0] is not two numbers"),
])
def test_hand_edited_annotation_file_names_the_problem(converted_root, drop,
                                                       annotations, problem):
    ann = _write_ann(converted_root, annotations, 20, drop)
    with pytest.raises(ValueError) as info:
        SourceDataset(ann_file=ann, data_root=converted_root)
    msg = str(info.value)
    assert msg.startswith(osp.join(converted_root, ann) + ': '), msg
    assert problem in msg, msg


def test_point_on_the_frame_edge_is_inside(converted_root):
    # pixel centres at integers: the 64x48 frame spans [-0.5, 63.5] x [-0.5, 47.5]
    ann = _write_ann(converted_root, [dict(frame=20, point=[63.5, -0.5], visible=True)], 20)
    assert len(SourceDataset(ann_file=ann, data_root=converted_root)) == 1


def test_lookahead_extends_the_frames_after_each_sample(converted_root):
    ds = build(converted_root, num_pseudo=10, lookahead=5)
    info = {ds.get_data_info(i)['clip_id']: ds.get_data_info(i) for i in range(len(ds))}
    assert info['P000/C000']['pseudo_frame_indices'] == list(range(21, 36))
    ds = build(converted_root, frames='annotated', num_pseudo=2, lookahead=3)
    by_key = {(i['clip_id'], i['frame_idx']): i
              for i in (ds.get_data_info(k) for k in range(len(ds)))}
    assert by_key[('P002/C000', 35)]['pseudo_frame_indices'] == [36, 37, 38, 39]  # clip end
    test = build(converted_root, 'test', num_pseudo=0, lookahead=4)
    assert test.get_data_info(0)['pseudo_frame_indices'] == [1, 2, 3, 4]


def test_bad_option(converted_root):
    with pytest.raises(ValueError, match="'onset' or 'annotated'"):
        build(converted_root, frames='all')
    with pytest.raises(ValueError, match='lookahead=-1'):
        build(converted_root, lookahead=-1)
