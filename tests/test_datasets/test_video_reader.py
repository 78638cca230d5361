# Copyright (c) mmbleed contributors. All rights reserved.
"""ClipReader: lazy, sequential-friendly frame access."""
import os
import os.path as osp
import pickle

import numpy as np
import pytest
from raw_layout_helpers import T, faststart, frame_image, write_video

from mmbleed.datasets import ClipReader, VideoReadError


@pytest.fixture(scope='module')
def video(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp('video') / 'clip.mp4')
    write_video(path)
    return path


def test_video_sequential_and_random_access_agree(video):
    reader = ClipReader(video_path=video)
    assert len(reader) == T
    sequential = [reader.get(i) for i in range(T)]
    assert sequential[0].shape == (48, 64, 3)
    assert sequential[0].dtype == np.uint8
    # lossy codec: close to what was written, and the moving square is where it was
    assert np.abs(sequential[5].astype(int) - frame_image(5)).mean() < 10
    other = ClipReader(video_path=video)
    for i in (30, 2, 17, 18, 39, 0, 25, 24):  # seeks back, short and long jumps
        np.testing.assert_array_equal(other.get(i), sequential[i])


def test_get_many(video):
    reader = ClipReader(video_path=video)
    frames = reader.get_many([7, 3, 7, 12])
    ref = ClipReader(video_path=video)
    assert len(frames) == 4
    for f, i in zip(frames, [7, 3, 7, 12]):
        np.testing.assert_array_equal(f, ref.get(i))
    frames[0][:] = 0  # repeated indices are separate arrays
    assert frames[2].any()


def test_frame_dir_exact(tmp_path):
    import cv2
    for i in range(5):
        cv2.imwrite(str(tmp_path / f'{i:06d}.png'), frame_image(i))
    reader = ClipReader(frame_dir=str(tmp_path))
    assert len(reader) == 5
    for i in (4, 0, 2):
        np.testing.assert_array_equal(reader.get(i), frame_image(i))


def test_errors(tmp_path, video):
    with pytest.raises(ValueError):
        ClipReader()
    with pytest.raises(ValueError):
        ClipReader(video_path=video, frame_dir=str(tmp_path))
    with pytest.raises(FileNotFoundError, match='missing.mp4: video file'):
        ClipReader(video_path=str(tmp_path / 'missing.mp4'))
    with pytest.raises(FileNotFoundError, match='frame folder not found'):
        ClipReader(frame_dir=str(tmp_path / 'nowhere'))
    bad = tmp_path / 'bad.mp4'
    bad.write_bytes(os.urandom(2000))
    with pytest.raises(VideoReadError, match='bad.mp4: cannot be opened'):
        ClipReader(video_path=str(bad))
    with pytest.raises(IndexError, match='frame 40 out of range'):
        ClipReader(video_path=video).get(T)
    with pytest.raises(IndexError):
        ClipReader(video_path=video).get(-1)


def test_truncated_video(tmp_path):
    path = str(tmp_path / 'trunc.mp4')
    write_video(path)
    faststart(path)
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) * 2 // 3])
    reader = ClipReader(video_path=path)
    assert len(reader) == T  # the header's claim
    reader.get(0)
    with pytest.raises(VideoReadError, match='cannot decode frame 39'):
        reader.get(T - 1)


def test_frame_dir_with_gap(tmp_path):
    import cv2
    for i in (0, 1, 3):
        cv2.imwrite(str(tmp_path / f'{i:06d}.png'), frame_image(i))
    with pytest.raises(VideoReadError, match='missing frame 000002'):
        ClipReader(frame_dir=str(tmp_path))


def test_pickle_and_context(video):
    reader = ClipReader(video_path=video)
    first = reader.get(3)
    clone = pickle.loads(pickle.dumps(reader))
    np.testing.assert_array_equal(clone.get(3), first)
    with ClipReader(video_path=video, num_frames=10) as r:
        assert len(r) == 10
    assert osp.isfile(video)
