# Copyright (c) mmbleed contributors. All rights reserved.
"""Lazy frame access for one clip, from a video or a numbered frame folder.

Frames are decoded on demand; a whole video is never held in memory. Reading forward (the
usual case: a window, a track) continues the open ``cv2.VideoCapture``; short forward gaps
are skipped with ``grab()``; anything else seeks.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

from .raw_layout import RawLayoutError, list_frame_files


class VideoReadError(OSError):
    """A clip's video or frame cannot be read (missing, corrupt or truncated)."""


class ClipReader:
    """Random and sequential access to the frames of one clip (0-based indices).

    Args:
        video_path (str, optional): a video file (anything OpenCV's FFmpeg reads).
        frame_dir (str, optional): a folder of ``000000.jpg|png, 000001...``. Exactly one
            of ``video_path`` and ``frame_dir`` is given.
        num_frames (int, optional): the validated frame count from the annotation file
            (``num_frames``); defaults to the container's claim (video) or the file count.
        max_grab_gap (int): forward gaps up to this many frames are decoded through with
            ``grab()`` rather than seeking. Defaults to 32.

    ``get(idx)`` returns an ``(H, W, 3)`` uint8 BGR array.
    """

    def __init__(self,
                 video_path: Optional[str] = None,
                 frame_dir: Optional[str] = None,
                 num_frames: Optional[int] = None,
                 max_grab_gap: int = 32) -> None:
        if (video_path is None) == (frame_dir is None):
            raise ValueError('give exactly one of video_path and frame_dir')
        self.video_path = video_path
        self.frame_dir = frame_dir
        self.max_grab_gap = max_grab_gap
        self._cap: Optional[cv2.VideoCapture] = None
        self._next = 0  # index the open capture decodes next
        self._last: Optional[tuple] = None  # (idx, frame) of the latest decode
        self._files: List[str] = []
        if video_path is not None:
            if not osp.isfile(video_path):
                raise FileNotFoundError(f'{video_path}: video file not found')
            cap = self._open()
            claimed = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
            self.fps = float(cap.get(cv2.CAP_PROP_FPS)) or 30.0
            self._len = num_frames if num_frames is not None else claimed
        else:
            if not osp.isdir(frame_dir):
                raise FileNotFoundError(f'{frame_dir}: frame folder not found')
            try:
                self._files = list_frame_files(frame_dir)
            except RawLayoutError as e:
                raise VideoReadError(str(e)) from None
            self.fps = 30.0
            self._len = (
                min(num_frames, len(self._files))
                if num_frames is not None else len(self._files))

    @classmethod
    def from_entry(cls, root: str, entry: dict) -> 'ClipReader':
        """The reader of an annotation file's clip entry (docs/data_format.md §2): its
        ``video`` or ``frame_dir``, relative to ``root``, and its ``num_frames``."""
        def join(rel: Optional[str]) -> Optional[str]:
            return None if rel is None else osp.join(root, rel)

        return cls(video_path=join(entry.get('video')), frame_dir=join(entry.get('frame_dir')),
                   num_frames=entry['num_frames'])

    @property
    def source(self) -> str:
        return self.video_path or self.frame_dir

    def _open(self) -> cv2.VideoCapture:
        self.close()
        cap = cv2.VideoCapture(self.video_path)
        if not cap.isOpened():
            raise VideoReadError(
                f'{self.video_path}: cannot be opened as a video (corrupt or '
                'truncated file, or an unsupported codec)')
        self._cap, self._next = cap, 0
        return cap

    def __len__(self) -> int:
        return self._len

    def get(self, idx: int) -> np.ndarray:
        """Decode frame ``idx`` as an ``(H, W, 3)`` uint8 BGR array."""
        idx = int(idx)
        if not 0 <= idx < self._len:
            raise IndexError(
                f'{self.source}: frame {idx} out of range (clip has '
                f'{self._len} frames)')
        if self._last is not None and self._last[0] == idx:
            return self._last[1].copy()
        frame = (
            self._read_video(idx)
            if self.video_path is not None else self._read_file(idx))
        self._last = (idx, frame)
        return frame.copy()

    def get_many(self, indices: Sequence[int]) -> List[np.ndarray]:
        """Decode several frames, in increasing order internally, returned as asked."""
        frames: Dict[int, np.ndarray] = {}
        for idx in sorted({int(i) for i in indices}):
            frames[idx] = self.get(idx)
        out, given = [], set()
        for i in map(int, indices):  # a repeated index gets its own copy
            out.append(frames[i].copy() if i in given else frames[i])
            given.add(i)
        return out

    def _read_file(self, idx: int) -> np.ndarray:
        img = cv2.imread(self._files[idx], cv2.IMREAD_COLOR)
        if img is None:
            raise VideoReadError(
                f'{self._files[idx]}: cannot be decoded as an image')
        return img

    def _read_video(self, idx: int) -> np.ndarray:
        cap = self._cap if self._cap is not None else self._open()
        gap = idx - self._next
        if gap < 0 or gap > self.max_grab_gap:
            if not cap.set(cv2.CAP_PROP_POS_FRAMES, idx) or int(
                    cap.get(cv2.CAP_PROP_POS_FRAMES)) != idx:
                cap = self._open()  # inexact seek: decode forward from 0
                gap = idx
            else:
                gap = 0
        for _ in range(gap):
            if not cap.grab():
                self._fail(idx)
        ok, frame = cap.read()
        if not ok or frame is None:
            self._fail(idx)
        self._next = idx + 1
        return frame

    def _fail(self, idx: int) -> None:
        self.close()
        raise VideoReadError(
            f'{self.video_path}: cannot decode frame {idx} of {self._len} '
            '(truncated or corrupt video?)')

    def close(self) -> None:
        """Release the open capture (reopened on the next ``get``)."""
        if self._cap is not None:
            self._cap.release()
        self._cap, self._next = None, 0

    def __enter__(self) -> 'ClipReader':
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def __getstate__(self) -> dict:  # picklable for dataloader workers
        state = self.__dict__.copy()
        state.update(_cap=None, _next=0, _last=None)
        return state
