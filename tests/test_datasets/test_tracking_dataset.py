# Copyright (c) mmbleed contributors. All rights reserved.
"""TrackingDataset: short, long and hybrid track samples (paper §4.3)."""
import json
import os
import os.path as osp

import numpy as np
import pytest

from mmbleed.datasets import TrackingDataset, load_pseudo_tracks


def build(root, split='train', **kwargs):
    return TrackingDataset(
        ann_file=f'annotations/{split}.json', data_root=root, **kwargs)


def infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_short(converted_root):
    samples = infos(build(converted_root, mode='short'))
    assert [(s['clip_id'], s['frame_indices'][0], s['frame_indices'][-1])
            for s in samples] == [('P000/C000', 20, 25), ('P001/C000', 10, 39),
                                  ('P002/C000', 5, 35), ('P003/C000', 12, 30)]
    s = samples[2]
    assert len(s['frame_indices']) == 31 and s['track_mode'] == 'short'
    assert s['gt_points'].shape == (31, 2)
    np.testing.assert_array_equal(s['gt_points'][[0, -1]],
                                  [[50, 40], [52, 41]])
    assert np.isnan(s['gt_points'][1:-1]).all()
    assert s['annotated'].tolist() == [True] + [False] * 29 + [True]
    assert s['gt_visible'].tolist() == [True] + [False] * 29 + [True]
    np.testing.assert_array_equal(s['query_point'], [50, 40])
    assert s['pseudo_points'].shape == (0, 31, 2)
    assert s['pseudo_visible'].shape == (0, 31)
    # the occluded end of P000/C000's first pair is GT, not visible
    first = samples[0]
    assert first['annotated'][-1] and not first['gt_visible'][-1]
    np.testing.assert_array_equal(first['gt_points'][-1], [31.5, 21.0])


def test_long_and_hybrid(converted_root):
    long = infos(build(converted_root, mode='long'))
    assert len(long) == 4
    s = long[0]
    assert s['clip_id'] == 'P000/C000' and s['track_mode'] == 'long'
    assert s['frame_indices'] == list(range(20, 40))
    assert np.flatnonzero(s['annotated']).tolist() == [0, 5, 10, 19]
    assert np.flatnonzero(s['gt_visible']).tolist() == [0, 19]
    assert np.isnan(s['gt_points'][10]).all()  # hidden, no point
    np.testing.assert_array_equal(s['gt_points'][5], [31.5, 21.0])
    assert len(build(converted_root, mode='hybrid')) == 8
    val = infos(build(converted_root, 'val', mode='long'))
    assert val[0]['frame_indices'] == list(range(40))


def test_pseudo_labels(converted_root):
    k, length = 2, 31
    points = np.stack([np.linspace([50, 40], [52, 41], length)] * k)
    points[1, 3] = np.nan
    entry = dict(
        clip_id='P002/C000',
        start=5,
        points=[[None if np.isnan(p).any() else p.tolist() for p in track]
                for track in points])
    os.makedirs(osp.join(converted_root, 'pseudo_labels'))
    with open(osp.join(converted_root, 'pseudo_labels', 'tracks.json'),
              'w') as f:
        json.dump(dict(metainfo=dict(kind='pseudo_tracks'), data_list=[entry]),
                  f)
    ds = build(converted_root, mode='hybrid',
               pseudo_label_file='pseudo_labels/tracks.json')
    samples = {(s['clip_id'], s['track_mode']): s for s in infos(ds)}
    short = samples[('P002/C000', 'short')]
    assert short['pseudo_points'].shape == (2, 31, 2)
    np.testing.assert_allclose(short['pseudo_points'][0], points[0])
    assert not short['pseudo_visible'][1, 3] and short['pseudo_visible'][0, 3]
    long = samples[('P002/C000', 'long')]  # frames 5..39
    assert long['pseudo_points'].shape == (2, 35, 2)
    assert np.isnan(long['pseudo_points'][:, 31:]).all()
    assert samples[('P001/C000', 'short')]['pseudo_points'].shape[0] == 0


def test_missing_pseudo_label_file_raises(converted_root):
    path = osp.join(converted_root, 'pseudo_labels/none.json')
    with pytest.raises(FileNotFoundError, match=path):
        build(converted_root, pseudo_label_file='pseudo_labels/none.json')


def _write_pseudo(root, content):
    path = osp.join(root, 'tracks.json')
    with open(path, 'w') as f:
        json.dump(content, f)
    return path


@pytest.mark.parametrize('content, problem', [
    (dict(metainfo={}), "missing key 'data_list'"),
    (dict(data_list=[dict(start=5, points=[[[1, 2]]])]), "missing key 'clip_id'"),
    (dict(data_list=[dict(clip_id='P002/C000', points=[[[1, 2]]])]),
     "clip P002/C000 (data_list[0]): missing key 'start'"),
    (dict(data_list=[dict(clip_id='P002/C000', start=5)]), "missing key 'points'"),
    (dict(data_list=[dict(clip_id='P002/C000', start=5,
                          points=[[[1, 2], [3, 4]], [[1, 2]]])]),
     "ragged 'points': tracks have lengths [1, 2]"),
    (dict(data_list=[dict(clip_id='P002/C000', start=5, points=[[[1, 2, 3]]])]),
     'points[0][0] must be [x, y] or null'),
    (dict(data_list=[dict(clip_id='P002/C000', start=5, points=[[[1, 2], [3, 4]]],
                          visible=[[True]])]),
     "'visible' has shape (1, 1), 'points' is 1 x 2"),
])
def test_bad_pseudo_label_file(tmp_path, content, problem):
    path = _write_pseudo(str(tmp_path), content)
    with pytest.raises(ValueError) as info:
        load_pseudo_tracks(path)
    assert str(info.value).startswith(path + ': '), str(info.value)
    assert problem in str(info.value), str(info.value)


def test_bad_pseudo_label_json(tmp_path):
    path = osp.join(str(tmp_path), 'tracks.json')
    with open(path, 'w') as f:
        f.write('{"data_list": [')
    with pytest.raises(ValueError, match='not valid JSON') as info:
        load_pseudo_tracks(path)
    assert str(info.value).startswith(path + ': ')


def test_bad_mode(converted_root):
    with pytest.raises(ValueError, match='mode must be one of'):
        build(converted_root, mode='medium')
