# Copyright (c) mmbleed contributors. All rights reserved.
"""SourceBoxDataset: mmbleed annotations as mmdet boxes for the YOLO-style baselines."""
import numpy as np
import pytest

from mmbleed.datasets import SourceBoxDataset
from mmbleed.datasets.source_box_dataset import source_box
from mmbleed.datasets.transforms import LoadFrames

BOXES_BASE = 'configs/_base_/datasets/synthetic_esd_boxes.py'


def build(root, split='train', **kwargs):
    return SourceBoxDataset(ann_file=f'annotations/{split}.json', data_root=root, **kwargs)


def test_source_box_is_centred_and_clipped():
    assert source_box((30.0, 20.0), 6.4, 64, 48) == pytest.approx([26.8, 16.8, 33.2, 23.2])
    # near the corner the box is cut by the frame
    assert source_box((1.0, 2.0), 10.0, 64, 48) == pytest.approx([0.0, 0.0, 6.0, 7.0])
    assert source_box((62.0, 46.0), 10.0, 64, 48) == pytest.approx([57.0, 41.0, 64.0, 48.0])


def test_training_frames(converted_root):
    ds = build(converted_root)
    frames = {}
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        frames.setdefault(info['clip_id'], []).append(
            (info['frame_idx'], len(info['instances'])))
    assert frames == {
        # bleeding-free frames every 10 before the onset (20), the visible annotations;
        # 25 (occluded) and 30 (hidden) are neither positives nor clean negatives
        'P000/C000': [(0, 0), (10, 0), (20, 1), (39, 1)],
        'P000/C001': [(0, 0), (10, 0), (20, 0), (30, 0)],  # no bleeding
        'P001/C000': [(0, 0), (10, 1), (39, 1)],
        'P002/C000': [(0, 0), (5, 1), (35, 1)],
        'P003/C000': [(0, 0), (10, 0), (12, 1), (30, 1)],
    }
    info = next(ds.get_data_info(i) for i in range(len(ds))
                if ds.get_data_info(i)['img_id'] == 'P000/C000/20')
    inst, = info['instances']
    assert inst['bbox_label'] == 0 and inst['ignore_flag'] == 0
    # 10 % of the longer side (64 px): a 6.4 px square on the point
    assert inst['bbox'] == pytest.approx([26.8, 16.8, 33.2, 23.2])
    np.testing.assert_array_equal(info['gt_point'], [30.0, 20.0])
    assert ds.get_cat_ids(0) == [] and ds.metainfo['classes'] == ('bleeding_source', )
    assert len(build(converted_root, background_stride=0)) == 8  # positives only


def test_all_frames_in_order(converted_root):
    ds = build(converted_root, 'test', frames='all', box_size=0.25)
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [i['frame_idx'] for i in infos] == list(range(40))
    assert infos[0]['instances'][0]['bbox'] == pytest.approx([8.0, 8.0, 24.0, 24.0])
    assert infos[0]['gt_visible'] and infos[0]['gt_onset'] == 0
    assert infos[1]['instances'] == [] and np.isnan(infos[1]['gt_point']).all()
    assert infos[39]['instances'] == [] and not infos[39]['gt_visible']  # hidden


@pytest.mark.parametrize('kwargs, message', [
    (dict(frames='onset'), "frames must be 'annotated' or 'all'"),
    (dict(box_size=0.0), 'box_size is a share of the frame side'),
    (dict(background_stride=-1), 'background_stride must be >= 0'),
])
def test_bad_arguments(converted_root, kwargs, message):
    with pytest.raises(ValueError, match=message):
        build(converted_root, **kwargs)


def test_mmdet_test_pipeline_resizes_and_keeps_readout_keys(converted_root):
    import mmdet.datasets.transforms  # noqa: F401  (registers mmdet's transforms)
    from mmengine import Config
    base = Config.fromfile(BOXES_BASE)
    ds = build(converted_root, 'test', frames='all', pipeline=base.box_test_pipeline)
    packed = ds[0]
    sample = packed['data_samples']
    # a 64x48 frame fits 256x256 at 4x, padded to 256x256
    assert tuple(packed['inputs'].shape) == (3, 256, 256)
    assert sample.scale_factor == (4.0, 4.0)
    # loaded after the resize, as in mmdet's test pipelines: boxes in original pixels
    np.testing.assert_allclose(sample.gt_instances.bboxes.numpy(),
                               [[12.8, 12.8, 19.2, 19.2]], atol=1e-4)
    for key in ('clip_id', 'frame_idx', 'num_frames', 'gt_onset', 'gt_point', 'gt_visible'):
        assert key in sample.metainfo, key
    assert sample.ori_shape == (48, 64) and sample.clip_id == 'P005/C000'
    np.testing.assert_array_equal(sample.gt_point, [16.0, 16.0])  # original pixels


def test_kept_reader_gives_the_same_frames(converted_root):
    ds = build(converted_root, 'test', frames='all')
    kept, fresh = LoadFrames(keep_reader_open=True), LoadFrames()
    readers = set()
    for i in (0, 1, 2, 7, 20, 39):
        a = kept(dict(ds.get_data_info(i)))['img']
        b = fresh(dict(ds.get_data_info(i)))['img']
        np.testing.assert_array_equal(a, b)
        readers.add(id(kept._reader))
    assert len(readers) == 1 and fresh._reader is None
    other = build(converted_root, 'val', frames='all').get_data_info(0)
    first = kept._reader
    kept(dict(other))
    assert kept._reader is not first and first._cap is None  # the old clip is closed
