# Copyright (c) mmbleed contributors. All rights reserved.
"""TrackingDataset -> LoadFrames -> PackBleedInputs -> TrackMetric, connected.

Frame 30 of P000/C000 is annotated with the source hidden and no point: it must count as an
annotated, occluded frame for occlusion accuracy, not as an unannotated one.
"""
import numpy as np
import pytest

from mmbleed.datasets import TrackingDataset
from mmbleed.evaluation import TrackMetric


def test_hidden_annotated_frames_reach_the_metric(converted_root):
    dataset = TrackingDataset(
        ann_file='annotations/train.json',
        data_root=converted_root,
        mode='long',
        pipeline=[
            dict(type='mmbleed.LoadFrames'),
            dict(type='mmbleed.PackBleedInputs', pack_frames=True),
        ])
    index = next(i for i in range(len(dataset))
                 if dataset.get_data_info(i)['clip_id'] == 'P000/C000')
    sample = dataset[index]['data_samples']
    annotated = np.asarray(sample.annotated)
    gt_points = np.asarray(sample.gt_points)
    frames = np.asarray(sample.metainfo['frame_indices'])
    # the track starts at the onset (frame 20), the first visible annotation
    assert frames[0] == 20
    assert annotated[frames == 30].all() and np.isnan(gt_points[frames == 30]).all()

    # a tracker that follows the GT exactly and always says "visible"
    sample.pred_points = np.nan_to_num(gt_points, nan=0.0)
    sample.pred_visible = np.ones(len(frames), dtype=bool)
    metric = TrackMetric()
    metric.process(None, [sample.to_dict()])
    result = metric.evaluate(1)
    # after the query frame: 25 (hidden), 30 (hidden, no point), 39 (visible)
    # -> "visible" is right once in three
    assert result['track/OA'] == pytest.approx(1 / 3)
    assert result['track/Err<=10'] == 1.0
