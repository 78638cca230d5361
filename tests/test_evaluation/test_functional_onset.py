# Copyright (c) mmbleed contributors. All rights reserved.
import math

import numpy as np
import pytest

from mmbleed.evaluation.functional import earliest_onset_from_windows, onset_accuracy


def test_onset_accuracy_hand_computed():
    # four bleeding clips, errors 0, 3, 9 and one missed clip
    gt = [100, 100, 100, 100]
    pred = [100, 103, 91, None]
    res = onset_accuracy(pred, gt)
    assert res['Acc@0'] == 0.25
    assert res['Acc@1'] == 0.25
    assert res['Acc@2'] == 0.25
    assert res['Acc@4'] == 0.5
    assert res['Acc@8'] == 0.5
    assert res['Acc@16'] == 0.75
    assert res['MAE'] == 4.0  # (0 + 3 + 9) / 3, the missed clip is left out
    assert res['num_clips'] == 4
    assert res['num_missed'] == 1
    assert res['miss_rate'] == 0.25
    assert math.isnan(res['false_alarm_rate'])  # no negative clip
    assert res['num_negative'] == 0


def test_onset_accuracy_boundary_inclusive_and_negative_prediction():
    # |108 - 100| = 8 is within ±8 but not ±4; -1 is "no prediction"
    res = onset_accuracy([108, -1], [100, 100], ks=(4, 8))
    assert res['Acc@4'] == 0.0
    assert res['Acc@8'] == 0.5
    assert res['MAE'] == 8.0
    assert res['miss_rate'] == 0.5
    assert set(res) == {
        'Acc@4', 'Acc@8', 'MAE', 'num_clips', 'num_missed', 'miss_rate', 'num_negative',
        'false_alarm_rate'
    }


def test_onset_accuracy_false_alarms_on_negative_clips():
    gt = [None, -1, 50]
    pred = [-1, 20, 50]
    res = onset_accuracy(pred, gt)
    assert res['num_negative'] == 2
    assert res['false_alarm_rate'] == 0.5
    assert res['num_clips'] == 1
    assert res['Acc@0'] == 1.0
    assert res['miss_rate'] == 0.0


def test_onset_accuracy_empty_and_errors():
    res = onset_accuracy([None], [None])
    assert math.isnan(res['Acc@0']) and math.isnan(res['MAE'])
    assert res['false_alarm_rate'] == 0.0
    with pytest.raises(ValueError):
        onset_accuracy([1, 2], [1])


def test_earliest_onset_picks_earliest_confident_window():
    starts = [0, 30, 60]
    thetas = [0.9, 0.5, 0.1]  # candidates 54, 60, 66
    confs = [0.4, 0.9, 0.99]  # the first window is not confident
    assert earliest_onset_from_windows(starts, thetas, confs, window=60) == 60
    # earliest wins over most confident
    assert earliest_onset_from_windows([60, 30], [0.1, 0.5], [0.99, 0.6]) == 60
    # confidence must be strictly above the threshold
    assert earliest_onset_from_windows([0, 30], [0.9, 0.5], [0.5, 0.51]) == 60
    assert earliest_onset_from_windows([0], [0.9], [0.5]) is None
    assert earliest_onset_from_windows([], [], []) is None


def test_earliest_onset_floor_and_guards():
    # floor(0.99 * 60) = 59
    assert earliest_onset_from_windows([10], [0.99], [0.9]) == 69
    # theta = 1 stays inside the window; theta < 0 is clipped to 0
    assert earliest_onset_from_windows([10], [1.0], [0.9]) == 69
    assert earliest_onset_from_windows([10], [-0.2], [0.9]) == 10
    # theta = 7 / 60 in float32 still gives offset 7
    assert earliest_onset_from_windows([0], [np.float32(7 / 60)], [0.9]) == 7
    assert earliest_onset_from_windows([0], [0.5], [0.9], window=10) == 5
    with pytest.raises(ValueError):
        earliest_onset_from_windows([0, 1], [0.5], [0.9])
    with pytest.raises(ValueError):
        earliest_onset_from_windows([0], [float('nan')], [0.9])


def test_padded_window_cannot_place_onset_past_the_clip():
    # a 40-frame clip in one 60-frame window: theta 0.99 -> frame 59 without the cap
    assert earliest_onset_from_windows([0], [0.99], [0.9], window=60,
                                       valid_lens=[40]) == 39
    assert earliest_onset_from_windows([0], [0.99], [0.9], window=60) == 59
    with pytest.raises(ValueError, match='valid_lens'):
        earliest_onset_from_windows([0, 30], [0.1, 0.1], [0.9, 0.9], valid_lens=[60])
