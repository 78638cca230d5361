# Copyright (c) mmbleed contributors. All rights reserved.
"""OnsetDataset: sliding windows with the onset position (paper §4.1)."""
import os.path as osp

import pytest

from mmbleed.datasets import ClipReader, OnsetDataset, window_starts
from mmbleed.registry import DATASETS


def build(root, split='train', **kwargs):
    return OnsetDataset(
        ann_file=f'annotations/{split}.json', data_root=root, **kwargs)


def test_window_starts():
    assert window_starts(150, 60, 30) == [0, 30, 60, 90]
    assert window_starts(100, 60, 30) == [0, 30, 40]
    assert window_starts(40, 60, 30) == [0]


def test_eval_windows(converted_root):
    ds = build(converted_root, window=20, stride=10, test_mode=True)
    assert ds.metainfo['classes'] == ('bleeding_source', )
    assert len(ds) == 5 * 3  # 5 clips x starts 0, 10, 20
    windows = [ds.get_data_info(i) for i in range(len(ds))]
    clip = [w for w in windows if w['clip_id'] == 'P000/C000']
    assert [w['window_start'] for w in clip] == [0, 10, 20]
    assert {w['clip_index'] for w in clip} == {0}
    assert all(w['num_windows'] == 3 and w['gt_onset'] == 20 for w in clip)
    assert [w['has_onset'] for w in clip] == [False, True, True]
    assert [w['gt_onset_in_window'] for w in clip] == [-1.0, 0.5, 0.0]
    assert [w['gt_onset_offset'] for w in clip] == [-1, 10, 0]
    assert clip[1]['frame_indices'] == list(range(10, 30))
    assert clip[1]['ori_shape'] == (48, 64)
    assert clip[1]['video'] == osp.join(converted_root, 'videos/P000/C000.mp4')
    assert clip[1]['dense_gt'] == osp.join(converted_root,
                                           'dense_gt/P000/C000.npz')
    negative = [w for w in windows if w['clip_id'] == 'P000/C001']
    assert all(w['gt_onset'] == -1 and not w['has_onset'] for w in negative)
    framed = [w for w in windows if w['clip_id'] == 'P003/C000'][0]
    assert framed['video'] is None
    assert framed['frame_dir'] == osp.join(converted_root, 'frames/P003/C000')
    # indices are loadable by the reader
    reader = ClipReader(video_path=clip[1]['video'])
    frames = reader.get_many(clip[1]['frame_indices'])
    assert len(frames) == 20 and frames[0].shape == (48, 64, 3)


def test_short_clip_is_padded(converted_root):
    ds = build(converted_root, test_mode=True)  # window 60 > 40 frames
    info = ds.get_data_info(0)
    assert len(info['frame_indices']) == 60
    assert info['valid_len'] == 40
    assert info['frame_indices'][39:] == [39] * 21
    assert info['gt_onset_in_window'] == pytest.approx(20 / 60)


def test_training_drop_is_random_at_fetch(converted_root):
    ds = build(converted_root, window=20, stride=10, max_drop=60, seed=0)
    starts = set()
    for _ in range(50):
        info = ds.get_data_info(0)  # P000/C000, window 0, onset 20
        start = info['window_start']
        assert 0 <= start <= 20 and info['drop'] == start
        assert info['frame_indices'] == list(range(start, start + 20))
        inside = start <= 20 < start + 20
        assert info['has_onset'] == inside
        if inside:
            assert info['gt_onset_in_window'] == pytest.approx(
                (20 - start) / 20)
        starts.add(start)
    assert len(starts) > 5
    # the drop never passes the onset: P005-like onset 0 is not in train, so
    # check the val clip (onset 15): its first window always holds the onset
    val = build(converted_root, 'val', window=20, stride=10, max_drop=60)
    for _ in range(20):
        info = val.get_data_info(0)
        assert info['window_start'] <= 15 and info['has_onset']
    # evaluation mode is deterministic
    ev = build(converted_root, window=20, stride=10, test_mode=True)
    assert {ev.get_data_info(0)['window_start'] for _ in range(5)} == {0}


def test_dataset_options(converted_root):
    cfg = dict(
        type='OnsetDataset',
        ann_file='annotations/train.json',
        data_root=converted_root,
        window=20,
        stride=10,
        indices=[1, 2],
        serialize_data=False,
        test_mode=True)
    ds = DATASETS.build(cfg)
    assert len(ds) == 2
    assert ds[0]['window_start'] == 10
    ds = build(converted_root, window=20, stride=10, serialize_data=True)
    item = ds[0]
    assert item['sample_idx'] == 0
    assert isinstance(item['frame_indices'], list)


def test_missing_ann_file(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match='run tools/dataset_converters/raw_to_mmbleed.py'):
        build(str(tmp_path))
    with pytest.raises(ValueError):
        OnsetDataset(ann_file='x.json', window=0, lazy_init=True)


def test_default_stride_is_one_frame(converted_root):
    """Test-time windows advance one frame at a time by default (paper Eq. 2)."""
    ds = build(converted_root, window=20, test_mode=True)
    clip = [ds.get_data_info(i) for i in range(len(ds))
            if ds.get_data_info(i)['clip_id'] == 'P000/C000']
    num_frames = clip[0]['num_frames']
    assert [w['window_start'] for w in clip] == list(range(num_frames - 20 + 1))
    # the onset falls at every position of some window
    assert sorted(w['gt_onset_offset'] for w in clip if w['has_onset']) == list(range(20))


def test_onset_base_config_windows():
    """The onset dataset config: stride 1 at test time, larger in training."""
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '..', '..', 'configs', '_base_',
                                   'datasets', 'synthetic_esd_onset.py'))
    assert cfg.test_dataloader.dataset.stride == 1
    assert cfg.val_dataloader.dataset.stride == 1
    assert cfg.train_dataloader.dataset.stride > 1
    assert cfg.train_dataloader.dataset.max_drop == 60


def test_clip_mode_test_takes_whole_clips(converted_root):
    ds = build(converted_root, window=20, clip_mode=True, test_mode=True)
    assert len(ds) == 5  # one sample per clip
    clip = [ds.get_data_info(i) for i in range(len(ds))
            if ds.get_data_info(i)['clip_id'] == 'P000/C000'][0]
    assert clip['frame_indices'] == list(range(40))
    assert clip['window_start'] == 0 and clip['valid_len'] == 40 and clip['has_onset']


def test_clip_mode_training_segments(converted_root):
    ds = build(converted_root, window=20, clip_mode=True, clip_len=25, max_drop=60, seed=0)
    starts = set()
    for _ in range(40):
        info = ds.get_data_info(0)  # P000/C000: 40 frames, onset 20
        start = info['window_start']
        starts.add(start)
        # one segment length, inside the clip, never starting past the onset
        assert info['frame_indices'] == list(range(start, start + 25))
        assert 0 <= start <= min(20, 40 - 25) and info['drop'] == start
        assert info['has_onset']
    assert len(starts) > 5
    with pytest.raises(ValueError, match='clip_len'):
        build(converted_root, window=20, clip_mode=True, clip_len=10)
