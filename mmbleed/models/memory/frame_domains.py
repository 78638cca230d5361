# Copyright (c) mmbleed contributors. All rights reserved.
"""The three domains of a frame the onset stage compares: RGB, HSV and optical flow (§4.1).

BleedOrigin's MDCFM (Eq. 1) and MDG compare frames "in RGB, HSV and optical flow". This file
turns one model-resolution BGR uint8 frame (and the previous one) into those three
representations, once per frame: the offline detector runs it over a clip, the streaming
detector on each new frame, so both see identical numbers and every window that contains a
frame reuses its domains.

- ``rgb`` ``(3, H, W)``: RGB scaled to ``[-1, 1]``.
- ``hsv`` ``(4, H, W)``: hue as ``(s·cos h, s·sin h)`` (hue is circular, and meaningless when
  saturation is low), then saturation and value, each in ``[-1, 1]`` or ``[0, 1]``.
- ``flow`` ``(2, H, W)``: dense flow from the previous frame to this one
  (``cv2.DISOpticalFlow``, or Farneback), in model-input pixels divided by ``flow_scale``;
  zero for a stream's first frame.
"""
from typing import Dict, Iterable, List, Optional

import cv2
import numpy as np

from mmbleed.datasets.transforms.optical_flow import _FlowEstimator

DOMAINS = ('rgb', 'hsv', 'flow')


class FrameDomains:
    """Compute the RGB, HSV and flow representations of frames (BleedOrigin §4.1).

    Args:
        flow_method (str): ``'dis'`` or ``'farneback'``. Defaults to ``'dis'``.
        dis_preset (str): DIS preset. Defaults to ``'medium'``.
        flow_scale (float): flow is divided by this (pixels per frame at model resolution).
            Defaults to 4.0.
        dark_level (int): a frame whose 99th-percentile intensity is below this is
            *unusable* (all black: the endoscope's light off or the lens covered).
            Defaults to 8.
        bright_level (int): a frame whose 1st-percentile intensity is above this is
            *unusable* (saturated: blinding glare). Defaults to 247.
        compute_flow (bool): False leaves the flow at zero (a model that uses no flow
            skips its cost). Defaults to True.
    """

    def __init__(self,
                 flow_method: str = 'dis',
                 dis_preset: str = 'medium',
                 flow_scale: float = 4.0,
                 dark_level: int = 8,
                 bright_level: int = 247,
                 compute_flow: bool = True) -> None:
        self.flow = _FlowEstimator(flow_method, dis_preset)
        self.flow_scale = float(flow_scale)
        self.dark_level = int(dark_level)
        self.bright_level = int(bright_level)
        self.compute_flow = compute_flow

    def is_unusable(self, gray: np.ndarray) -> bool:
        """Whether a grey frame is all black or saturated (no tissue to compare)."""
        lo, hi = np.percentile(gray, (1, 99))
        return bool(hi < self.dark_level or lo > self.bright_level)

    def __call__(self, frame: np.ndarray,
                 prev_gray: Optional[np.ndarray] = None) -> Dict[str, np.ndarray]:
        """Domains of one ``(H, W, 3)`` BGR uint8 frame.

        Args:
            frame: the frame at model resolution.
            prev_gray: the previous frame's ``gray`` (from this call's output), or None for
                a stream's first frame (zero flow).

        Returns:
            dict: ``rgb``, ``hsv``, ``flow`` (float32, channels first), ``gray`` (uint8, for
            the next call) and ``unusable`` (bool).
        """
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
            raise ValueError(f'a frame must be (H, W, 3) uint8 BGR, got {frame.shape} '
                             f'{frame.dtype}')
        frame = np.ascontiguousarray(frame)
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        rgb = frame[..., ::-1].astype(np.float32) / 127.5 - 1.0
        hsv = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV_FULL).astype(np.float32) / 255.0
        hue = hsv[..., 0] * (2 * np.pi)
        sat, val = hsv[..., 1], hsv[..., 2]
        hsv4 = np.stack([sat * np.cos(hue), sat * np.sin(hue), sat, val], axis=-1)
        if not self.compute_flow or prev_gray is None or prev_gray.shape != gray.shape:
            flow = np.zeros(gray.shape + (2, ), dtype=np.float32)
        else:
            flow = self.flow(prev_gray, gray) / self.flow_scale
        return dict(
            rgb=np.ascontiguousarray(rgb.transpose(2, 0, 1)),
            hsv=np.ascontiguousarray(hsv4.transpose(2, 0, 1), dtype=np.float32),
            flow=np.ascontiguousarray(flow.transpose(2, 0, 1), dtype=np.float32),
            gray=gray,
            unusable=self.is_unusable(gray))

    def sequence(self, frames: Iterable[np.ndarray],
                 prev_gray: Optional[np.ndarray] = None) -> List[Dict[str, np.ndarray]]:
        """Domains of consecutive frames in order, each frame's flow from the one before;
        the first frame's from ``prev_gray`` (None: a stream's first frame, zero flow)."""
        out = []
        for frame in frames:
            out.append(self(frame, prev_gray))
            prev_gray = out[-1]['gray']
        return out
