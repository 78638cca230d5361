# Copyright (c) mmbleed contributors. All rights reserved.
import pytest

from mmbleed.evaluation.functional.breakdown import (breakdown, breakdown_report,
                                                     breakdown_table_rows, check_breakdown,
                                                     check_breakdown_keys,
                                                     flatten_breakdown, format_value,
                                                     group_members, merge_groups,
                                                     sample_groups)


def test_sample_groups_normalises():
    assert sample_groups('gastric antrum', ['water flushing', 'clear view']) == dict(
        scenario=['water flushing', 'clear view'], site=['gastric antrum'])
    # clips.csv spelling, repeats and blanks
    assert sample_groups(' rectum ', 'camera jitter; water flushing;;camera jitter') == dict(
        scenario=['camera jitter', 'water flushing'], site=['rectum'])
    # unknown (hand-made samples; the dataset's '' for a missing site)
    assert sample_groups() == dict(scenario=[], site=[])
    assert sample_groups('', []) == dict(scenario=[], site=[])
    assert sample_groups(None, ('clear view', )) == dict(scenario=['clear view'], site=[])


def test_merge_groups():
    merged = merge_groups([
        dict(scenario=['a'], site=['s']),
        None,
        dict(scenario=['b', 'a'], site=['s']),
        dict(scenario=[], site=[]),
    ])
    assert merged == dict(scenario=['a', 'b'], site=['s'])
    with pytest.raises(ValueError, match="clip 'X' has several sites"):
        merge_groups([dict(site=['s']), dict(site=['t'])], "clip 'X'")


def test_group_members_sorted_and_overlapping():
    members = group_members([['b', 'a'], [], ['a'], ['c', 'b', 'b']])
    assert list(members) == ['a', 'b', 'c']
    assert members == dict(a=[0, 2], b=[0, 3], c=[3])


def test_breakdown_reduces_each_group_with_the_same_function():
    items = [1.0, 2.0, 3.0, 10.0]
    labels = [['x'], ['x', 'y'], ['y'], []]
    calls = []

    def reduce(values):
        calls.append(list(values))
        return dict(mean=sum(values) / len(values), n=len(values))

    per_group = breakdown(items, labels, reduce)
    assert per_group == dict(x=dict(mean=1.5, n=2), y=dict(mean=2.5, n=2))
    assert calls == [[1.0, 2.0], [2.0, 3.0]]  # never empty, item 2.0 in both
    assert breakdown(items, [[]] * 4, reduce) == {}
    with pytest.raises(ValueError):
        breakdown(items, labels[:2], reduce)


def test_flatten_breakdown_names_and_missing_keys():
    per_group = {'water flushing': dict(a=0.5, b=2, OA=1.0), 'clear view': dict(a=1.0, b=1)}
    flat = flatten_breakdown('scenario', per_group, ('a', 'OA'))
    assert flat == {
        'scenario/water flushing/a': 0.5,
        'scenario/water flushing/OA': 1.0,
        'scenario/clear view/a': 1.0,
    }


def test_table_rows_and_values():
    assert format_value(3) == '3'
    assert format_value(0.25) == '0.250'
    assert format_value(float('nan')) == '-'
    assert format_value(None) == '-'
    rows = breakdown_table_rows('site', dict(Err_avg=10.0, num_points=3),
                                {'colon': dict(Err_avg=5.0, num_points=1),
                                 'rectum': dict(Err_avg=12.5, num_points=2)},
                                ('Err_avg', 'OA', 'num_points'))
    assert rows == [
        ['site', 'Err_avg', 'OA', 'num_points'],
        ['all', '10.000', '-', '3'],
        ['colon', '5.000', '-', '1'],
        ['rectum', '12.500', '-', '2'],
    ]


def test_breakdown_report():
    items = [0.0, 4.0, 8.0]
    groups = [
        dict(scenario=['clear view'], site=['colon']),
        dict(scenario=['clear view', 'water flushing'], site=[]),
        None,
    ]

    def reduce(values):
        return dict(mean=sum(values) / len(values), num=len(values))

    overall = reduce(items)
    flat, tables = breakdown_report(('scenario', 'site'), items, groups, reduce, overall,
                                    ('mean', ), ('num', 'mean'), name='onset')
    assert flat == {
        'scenario/clear view/mean': 2.0,
        'scenario/water flushing/mean': 4.0,
        'site/colon/mean': 0.0,
    }
    assert len(tables) == 2
    assert 'onset by scenario' in tables[0] and 'onset by site' in tables[1]
    lines = tables[0].splitlines()
    assert any('all' in ln and '4.000' in ln and '| 3 ' in ln for ln in lines)
    assert any('water flushing' in ln and '| 1 ' in ln for ln in lines)
    # no item with a site or scenario: nothing at all
    assert breakdown_report(('scenario', 'site'), items, [None] * 3, reduce, overall,
                            ('mean', )) == ({}, [])


def test_check_arguments():
    assert check_breakdown(('scenario', 'site')) == ('scenario', 'site')
    assert check_breakdown('site') == ('site', )
    assert check_breakdown(()) == () and check_breakdown(None) == ()
    with pytest.raises(ValueError, match='unknown breakdown axes'):
        check_breakdown(('patient', ))
    with pytest.raises(ValueError, match='repeat'):
        check_breakdown(('site', 'site'))
    available = ('Acc@0', 'MAE', 'num_clips')
    assert check_breakdown_keys(None, ('Acc@4', 'MAE', 'num_clips'), available) == (
        'MAE', 'num_clips')
    assert check_breakdown_keys(['Acc@0'], (), available) == ('Acc@0', )
    with pytest.raises(ValueError, match='unknown breakdown keys'):
        check_breakdown_keys(['Acc@4'], (), available)
