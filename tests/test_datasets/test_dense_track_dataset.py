# Copyright (c) mmbleed contributors. All rights reserved.
"""DenseTrackDataset: windows of the generator's dense tissue tracks, queried where visible,
through OnlinePointTracker (K query points) to TrackMetric pooled per clip."""
import json
import os.path as osp
import shutil

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmbleed.datasets import DenseTrackDataset, RawLayoutError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def tracking_root(tiny_esd):
    return osp.join(osp.dirname(tiny_esd), 'tracking')


def test_windows_hold_the_tracks_visible_at_their_first_frame(tracking_root):
    ds = DenseTrackDataset(ann_file='annotations/train.json', data_root=tracking_root,
                           clip_len=10, stride=10, pipeline=[])
    assert len(ds) > 0
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        gt = np.load(info['dense_gt'])
        frames = info['frame_indices']
        assert len(frames) == 10 and frames[0] % 10 == 0
        points, visible = info['gt_points'], info['gt_visible']
        assert points.shape[1:] == (10, 2) and visible.shape == points.shape[:2]
        assert visible[:, 0].all() and info['annotated'].all()
        assert np.array_equal(info['query_point'], points[:, 0])
        # the same points as the file: every kept track, its whole window
        xy = gt['tracks_xy'][frames]
        kept = [int(np.argmin(np.abs(xy[0] - q).sum(axis=1))) for q in info['query_point']]
        assert np.allclose(points, xy[:, kept].transpose(1, 0, 2))
    capped = DenseTrackDataset(ann_file='annotations/train.json', data_root=tracking_root,
                               clip_len=10, max_tracks=3, pipeline=[])
    assert max(len(capped.get_data_info(i)['gt_points']) for i in range(len(capped))) <= 3
    with pytest.raises(ValueError, match='clip_len'):
        DenseTrackDataset(ann_file='annotations/train.json', data_root=tracking_root,
                          clip_len=1)


def test_source_windows_follow_the_bleeding_source_after_the_onset(tracking_root):
    kwargs = dict(ann_file='annotations/train.json', data_root=tracking_root, clip_len=10,
                  stride=5, pipeline=[])
    source = DenseTrackDataset(tracks='source', **kwargs)
    tissue = DenseTrackDataset(**kwargs)
    both = DenseTrackDataset(tracks='both', max_tracks=4, **kwargs)
    assert len(source) > 0
    starts = set()
    for i in range(len(source)):
        info = source.get_data_info(i)
        gt = np.load(info['dense_gt'])
        frames = info['frame_indices']
        starts.add((info['clip_id'], frames[0]))
        # one track: the source's exact one, queried after the onset where it is visible
        assert info['gt_points'].shape == (1, 10, 2)
        assert np.allclose(info['gt_points'][0], gt['source_xy'][frames])
        assert np.array_equal(info['gt_visible'][0], gt['source_visible'][frames])
        assert gt['bleeding'][frames[0]] and gt['source_visible'][frames[0]]
    # 'both': the tissue tracks (at most max_tracks) then the source where it qualifies
    n_tissue = {}
    for i in range(len(tissue)):
        info = tissue.get_data_info(i)
        n_tissue[info['clip_id'], info['frame_indices'][0]] = min(4, len(info['gt_points']))
    for i in range(len(both)):
        info = both.get_data_info(i)
        window = (info['clip_id'], info['frame_indices'][0])
        has_source = window in starts
        assert len(info['gt_points']) == n_tissue.get(window, 0) + has_source
        if has_source:
            gt = np.load(info['dense_gt'])
            assert np.allclose(info['gt_points'][-1], gt['source_xy'][info['frame_indices']])
    with pytest.raises(ValueError, match='tracks must be one of'):
        DenseTrackDataset(tracks='sources', **kwargs)


def test_a_clip_without_dense_ground_truth_is_named(tracking_root, tmp_path):
    root = str(tmp_path / 'root')
    shutil.copytree(osp.join(tracking_root, 'annotations'), osp.join(root, 'annotations'))
    path = osp.join(root, 'annotations', 'val.json')
    content = json.load(open(path))
    content['data_list'][0]['dense_gt'] = None
    json.dump(content, open(path, 'w'))
    with pytest.raises(RawLayoutError, match='no dense ground truth'):
        DenseTrackDataset(ann_file='annotations/val.json', data_root=root)


def test_trackers_on_dense_tracks_through_the_runner(tracking_root, tmp_path):
    results = {}
    for name in ('static-point', 'lucas-kanade'):
        cfg = Config.fromfile(
            osp.join(REPO, f'configs/baselines/{name}_dense-tracks_synthetic-esd-small.py'))
        cfg.work_dir = str(tmp_path / name)
        cfg.test_dataloader.dataset.data_root = tracking_root
        cfg.test_dataloader.dataset.clip_len = 24
        cfg.test_dataloader.num_workers = 0
        cfg.test_dataloader.persistent_workers = False
        cfg.visualizer.vis_backends = []
        results[name] = Runner.from_cfg(cfg).test()
    static, lk = results['static-point'], results['lucas-kanade']
    assert static['track/num_tracks'] == lk['track/num_tracks'] > 1
    assert static['track/num_points'] == lk['track/num_points']
    assert 'track/AJ' in lk and 0 <= lk['track/AJ'] <= 1
    # the tissue moves: following it beats standing still
    assert lk['track/delta_avg'] > static['track/delta_avg']
