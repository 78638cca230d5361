# Copyright (c) mmbleed contributors. All rights reserved.
"""The data sample carried from the pipeline to the model and on to the metrics."""
from typing import Optional

import numpy as np
from mmengine.structures import BaseDataElement


class BleedDataSample(BaseDataElement):
    """One sample of any of the three stages (DESIGN.md §1).

    Coordinates are ``(x, y)`` in the **original frame's pixels** in every field below, with
    pixel centres at integer values; the model converts from its own resolution at one
    boundary with ``metainfo['input_to_original']``, the cumulative 2x3 affine written by the
    geometric transforms (``gt_input_point`` holds the GT in model-input pixels).

    Meta information (``sample.metainfo``), set by the pipeline:
        - ``clip_id`` (str): ``'<patient>/<clip>'``.
        - ``frame_idx`` (int): the frame (source task) or first frame (windows, tracks).
        - ``ori_shape`` (tuple): ``(h, w)`` of the original frame.
        - ``img_shape`` (tuple): ``(h, w)`` of the model input.
        - ``scale_factor`` (tuple): ``(sx, sy)``, model-input pixels per original pixel.
        - ``input_to_original`` (np.ndarray): 2x3 affine, model input → original pixels.
        - ``flip`` (bool) / ``flip_direction`` (str): whether and how a flip was applied.

    Data fields (each optional; set only when the task has it):
        - ``gt_point`` (np.ndarray): ``(2,)`` bleeding-source point.
        - ``gt_visible`` (bool | np.ndarray): visibility of ``gt_point`` / ``gt_points``.
        - ``gt_points`` (np.ndarray): ``(T, 2)`` source track over a clip (tracking).
        - ``gt_onset`` (int): onset frame index within the clip or window, ``-1`` if none.
        - ``pred_point`` (np.ndarray): ``(2,)`` predicted source point.
        - ``pred_score`` (float): the prediction's confidence in ``[0, 1]``.
        - ``pred_points`` / ``pred_visible`` / ``pred_confidence``: per-frame tracker output.
        - ``pred_onset`` (int): predicted onset frame, ``-1`` when none was predicted.
    """

    @property
    def gt_point(self) -> Optional[np.ndarray]:
        return self.get('_gt_point', None)

    @gt_point.setter
    def gt_point(self, value: np.ndarray) -> None:
        self.set_field(
            np.asarray(value, dtype=np.float32).reshape(2),
            '_gt_point',
            dtype=np.ndarray)

    @gt_point.deleter
    def gt_point(self) -> None:
        del self._gt_point

    @property
    def pred_point(self) -> Optional[np.ndarray]:
        return self.get('_pred_point', None)

    @pred_point.setter
    def pred_point(self, value: np.ndarray) -> None:
        self.set_field(
            np.asarray(value, dtype=np.float32).reshape(2),
            '_pred_point',
            dtype=np.ndarray)

    @pred_point.deleter
    def pred_point(self) -> None:
        del self._pred_point
