# Copyright (c) mmbleed contributors. All rights reserved.
"""Real clips (VL-SurgPT, H.264) through the whole ingest path (docs/data_format.md §5)."""
import importlib.util
import json
import os.path as osp
from pathlib import Path

import numpy as np
import pytest

from mmbleed.datasets import (ClipReader, OnsetDataset, SourceDataset,
                              TrackingDataset)

REPO = Path(__file__).parents[2]
VLSURGPT = REPO.parent / 'shared' / 'realdata' / 'VL-SurgPT-Dataset'
SEQ = VLSURGPT / 'dataset/tissue_with_text/0/left/seq000'  # 176 frames, 1280x760

pytestmark = pytest.mark.skipif(
    not (SEQ / 'segmentation/labels.json').is_file(),
    reason=f'{VLSURGPT} not available')


def _converter():
    path = REPO / 'tools/dataset_converters/vlsurgpt_to_labelme.py'
    spec = importlib.util.spec_from_file_location('vlsurgpt_to_labelme', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def vl_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('vlsurgpt'))
    result = _converter().convert_vlsurgpt(
        str(VLSURGPT), root, point_index=0, show_progress=False)
    return root, result


def test_layout_and_splits(vl_root):
    root, result = vl_root
    summary = result['summary']
    assert summary['clips'] == dict(train=2, val=1, test=1)
    assert summary['patients'] == dict(train=1, val=1, test=1)
    clips = {c['clip_id']: c for c in result['clips']}
    # the two sequences that share one video share a patient (and a split)
    assert clips['VL000/instrument0_seq000']['split'] == 'train'
    assert clips['VL000/tissue0_seq001']['split'] == 'train'
    assert osp.islink(osp.join(root, 'videos/VL002/tissue0_seq000.mp4'))


def test_real_clip_points_and_frames(vl_root):
    root, result = vl_root
    clip = next(c for c in result['clips']
                if c['source_labels'].startswith(str(SEQ)))
    assert clip['clip_id'] == 'VL002/tissue0_seq000'
    with open(SEQ / 'segmentation/labels.json') as f:
        labels = json.load(f)

    ds = TrackingDataset(
        ann_file=f"annotations/{clip['split']}.json",
        data_root=root,
        mode='long')
    info = next(ds.get_data_info(i) for i in range(len(ds))
                if ds.get_data_info(i)['clip_id'] == clip['clip_id'])
    assert info['frame_indices'] == list(range(176))
    assert info['ori_shape'] == (760, 1280) and info['num_frames'] == 176
    assert sorted(np.flatnonzero(info['annotated']).tolist()) == sorted(
        int(k) for k in labels)
    for key, points in labels.items():
        t = int(key)
        if points[0] is None:  # hidden at frame 120
            assert not info['gt_visible'][t]
            assert np.isnan(info['gt_points'][t]).all()
        else:  # labels.json is continuous like LabelMe: mmbleed pixels are 0.5 less
            np.testing.assert_allclose(info['gt_points'][t],
                                       np.asarray(points[0]) - 0.5)
    assert not info['gt_visible'][120]

    reader = ClipReader(video_path=info['video'])
    assert len(reader) == 176
    frames = reader.get_many([150, 30, 175])
    assert all(f.shape == (760, 1280, 3) and f.dtype == np.uint8
               for f in frames)
    # seeking back gives the same frame as decoding forward
    np.testing.assert_array_equal(reader.get(30), frames[1])


def test_other_datasets_on_real_clips(vl_root):
    root, _ = vl_root
    src = SourceDataset(ann_file='annotations/train.json', data_root=root)
    assert len(src) == 2  # onset = first visible annotation (frame 0)
    for i in range(2):
        info = src.get_data_info(i)
        assert info['frame_idx'] == 0 and info['ori_shape'] == (1080, 1920)
        assert info['pseudo_frame_indices'] == list(range(1, 11))
    first = {src.get_data_info(i)['clip_id']: src.get_data_info(i)
             for i in range(2)}['VL000/instrument0_seq000']
    np.testing.assert_allclose(first['gt_point'], [164.5, 744.5])  # labels - 0.5
    onset = OnsetDataset(
        ann_file='annotations/val.json', data_root=root, stride=30, test_mode=True)
    assert [onset.get_data_info(i)['window_start']
            for i in range(len(onset))] == [0, 30, 60, 90, 100]
    # the default stride advances one frame at a time over the 160-frame clip
    onset = OnsetDataset(ann_file='annotations/val.json', data_root=root, test_mode=True)
    assert [onset.get_data_info(i)['window_start']
            for i in range(len(onset))] == list(range(101))


def test_trackers_on_the_real_clip_through_the_test_runner(vl_root, tmp_path):
    """The tracking configs run on the converted real clip as on the synthetic data; the
    flow tracker follows the annotated tissue point better than a point left in place."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    root, _ = vl_root
    results = {}
    for name in ('static-point', 'mft-dis'):
        cfg = Config.fromfile(str(REPO / f'configs/baselines/{name}_synthetic-esd-small.py'))
        cfg.work_dir = str(tmp_path / name)
        cfg.test_dataloader.dataset.data_root = root
        cfg.test_dataloader.dataset.ann_file = 'annotations/test.json'
        cfg.test_dataloader.num_workers = 0
        cfg.test_dataloader.persistent_workers = False
        cfg.visualizer.vis_backends = []
        results[name] = Runner.from_cfg(cfg).test()
    static, flow = results['static-point'], results['mft-dis']
    assert static['track/num_points'] == flow['track/num_points'] == 5
    assert flow['track/Err_avg'] < 0.5 * static['track/Err_avg']
