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
