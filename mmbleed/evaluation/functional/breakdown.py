# Copyright (c) mmbleed contributors. All rights reserved.
"""Per-scenario and per-site breakdowns of any metric (BleedOrigin §5.1, Fig. 9).

A *breakdown* splits the evaluated items (clips, points or tracks) along one *axis* —
``'scenario'`` or ``'site'`` — into *groups* (``'water flushing'``, ``'gastric antrum'``, …)
and reduces each group with the **same** function that gives the overall numbers, so no
arithmetic is repeated here. Grouping is clip-level: an item belongs to every scenario its
clip lists (real hospital data only has clip-level scenarios), and to its clip's one site.
An item without a site or scenarios (e.g. a hand-made sample) is in no group of that axis;
it still counts in the overall numbers.

Pure Python: no registry, no data samples, no logging. The metrics call these.
"""
import math
from numbers import Integral
from typing import (Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence,
                    Tuple, TypeVar, Union)

from terminaltables import AsciiTable

BREAKDOWN_AXES = ('scenario', 'site')

T = TypeVar('T')
GroupMetrics = Dict[str, Dict[str, float]]


def check_breakdown(breakdown: Union[None, str, Sequence[str]]) -> Tuple[str, ...]:
    """Validate a metric's ``breakdown`` argument: a tuple of known axes, no repeats.

    Args:
        breakdown: axes to break down by, a subset of ``('scenario', 'site')``; ``None``,
            ``()`` or ``''`` turn breakdowns off; a single string is one axis.

    Returns:
        tuple[str]: the axes, in the order given.
    """
    if not breakdown:
        return ()
    if isinstance(breakdown, str):
        breakdown = (breakdown, )
    axes = tuple(breakdown)
    unknown = [a for a in axes if a not in BREAKDOWN_AXES]
    if unknown:
        raise ValueError(f'unknown breakdown axes {unknown}; choose from {BREAKDOWN_AXES}')
    if len(set(axes)) != len(axes):
        raise ValueError(f'breakdown axes repeat: {axes}')
    return axes


def check_breakdown_keys(keys: Optional[Sequence[str]], defaults: Sequence[str],
                         available: Iterable[str]) -> Tuple[str, ...]:
    """Choose the headline keys reported per group.

    Args:
        keys: the keys asked for; ``None`` takes ``defaults``.
        defaults: the metric's default headline keys; those it cannot produce with its
            settings (e.g. ``Acc@4`` when ``ks`` lacks 4) are dropped silently.
        available: every key the metric can produce with its settings.

    Returns:
        tuple[str]: the keys, in the order given.
    """
    available = list(available)
    if keys is None:
        return tuple(k for k in defaults if k in available)
    keys = (keys, ) if isinstance(keys, str) else tuple(keys)
    unknown = [k for k in keys if k not in available]
    if unknown:
        raise ValueError(f'unknown breakdown keys {unknown}; this metric gives {available}')
    return keys


def _names(value: Any) -> List[str]:
    """Non-empty, unique names from ``None``, a string or a sequence of strings."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(';')  # clips.csv writes scenarios as 'a;b'
    names = []
    for name in value:
        name = str(name).strip()
        if name and name not in names:
            names.append(name)
    return names


def sample_groups(site: Any = None, scenarios: Any = None) -> Dict[str, List[str]]:
    """The groups one sample belongs to, per axis, as plain Python (safe to collect).

    Args:
        site: the clip's site (``str``); ``None`` or ``''``: unknown.
        scenarios: the clip's scenarios (``list[str]``, or ``'a;b'`` as in ``clips.csv``);
            ``None`` or empty: unknown.

    Returns:
        dict: ``{'scenario': [...], 'site': [...]}``, each list empty when unknown (at most
        one site).
    """
    site = '' if site is None else str(site).strip()
    return dict(scenario=_names(scenarios), site=[site] if site else [])


def merge_groups(groups: Iterable[Optional[Mapping[str, Sequence[str]]]],
                 name: str = 'one clip') -> Dict[str, List[str]]:
    """Union of several samples' groups (e.g. the windows of one clip), order kept.

    Raises ``ValueError`` (naming ``name``) when the samples name different sites.
    """
    merged: Dict[str, List[str]] = {axis: [] for axis in BREAKDOWN_AXES}
    for one in groups:
        for axis, names in (one or {}).items():
            kept = merged.setdefault(axis, [])
            for n in names:
                if n not in kept:
                    kept.append(n)
    if len(merged['site']) > 1:
        raise ValueError(f'{name} has several sites: {merged["site"]}')
    return merged


def group_members(labels: Sequence[Sequence[str]]) -> Dict[str, List[int]]:
    """Group name → indices of the items in it; an item may be in several groups.

    Args:
        labels: per item, the names of the groups it belongs to (possibly none).

    Returns:
        dict: group names sorted alphabetically (the same on every rank), indices ascending.
    """
    members: Dict[str, List[int]] = {}
    for i, names in enumerate(labels):
        for name in dict.fromkeys(names):
            members.setdefault(name, []).append(i)
    return {name: members[name] for name in sorted(members)}


def breakdown(items: Sequence[T], labels: Sequence[Sequence[str]],
              reduce: Callable[[List[T]], Dict[str, float]]) -> GroupMetrics:
    """Reduce each group's items with ``reduce``, the function of the overall numbers.

    Args:
        items: the evaluated items (clips, points, tracks, ...).
        labels: per item, the groups it belongs to (same length as ``items``).
        reduce: items → metrics; called once per group, never with an empty list.

    Returns:
        dict: group name → its metrics; empty when no item has a group.
    """
    if len(items) != len(labels):
        raise ValueError(f'{len(items)} items but {len(labels)} label lists')
    return {
        name: reduce([items[i] for i in idx])
        for name, idx in group_members(labels).items()
    }


def flatten_breakdown(axis: str, per_group: GroupMetrics,
                      keys: Sequence[str]) -> Dict[str, float]:
    """``{'<axis>/<group>/<key>': value}`` for the headline ``keys`` of every group.

    A key a group's metrics lack (e.g. ``OA`` without predicted visibility) is left out.
    """
    return {
        f'{axis}/{group}/{key}': metrics[key]
        for group, metrics in per_group.items() for key in keys if key in metrics
    }


def format_value(value: Any) -> str:
    """A table cell: integers as they are, other numbers with 3 decimals, NaN/None as '-'."""
    if value is None:
        return '-'
    if isinstance(value, (bool, Integral)):
        return str(int(value))
    value = float(value)
    return '-' if math.isnan(value) else f'{value:.3f}'


def breakdown_table_rows(axis: str, overall: Mapping[str, float], per_group: GroupMetrics,
                         columns: Sequence[str]) -> List[List[str]]:
    """Rows of a breakdown table: a header, one row for ``'all'``, one per group.

    Args:
        axis: the breakdown axis, the first column's title.
        overall: the overall metrics (the ``'all'`` row).
        per_group: group name → metrics, as :func:`breakdown` gives them.
        columns: the metric keys shown, in order (a missing one shows as ``'-'``).

    Returns:
        list[list[str]]: ``[[axis, *columns], ['all', ...], [group, ...], ...]``.
    """
    rows = [[axis, *columns], ['all', *(format_value(overall.get(k)) for k in columns)]]
    for group, metrics in per_group.items():
        rows.append([group, *(format_value(metrics.get(k)) for k in columns)])
    return rows


def breakdown_table(axis: str, overall: Mapping[str, float], per_group: GroupMetrics,
                    columns: Sequence[str], title: Optional[str] = None) -> str:
    """The rows of :func:`breakdown_table_rows` drawn as an ``AsciiTable`` (as mmdet's
    class-wise tables)."""
    return AsciiTable(breakdown_table_rows(axis, overall, per_group, columns), title).table


def breakdown_report(axes: Sequence[str],
                     items: Sequence[T],
                     groups: Sequence[Optional[Mapping[str, Sequence[str]]]],
                     reduce: Callable[[List[T]], Dict[str, float]],
                     overall: Mapping[str, float],
                     keys: Sequence[str],
                     count_keys: Sequence[str] = (),
                     name: Optional[str] = None) -> Tuple[Dict[str, float], List[str]]:
    """Everything a metric reports for its breakdowns: flat keys and one table per axis.

    Args:
        axes: the breakdown axes (``'scenario'``, ``'site'``).
        items: the evaluated items.
        groups: per item, its groups per axis (:func:`sample_groups`; ``None``: none).
        reduce: items → metrics, the function that gave ``overall``.
        overall: the overall metrics (the tables' ``'all'`` row).
        keys: headline keys reported per group.
        count_keys: counts always shown in the tables, after ``keys`` (not repeated).
        name: what the tables' titles name, e.g. the metric's prefix.

    Returns:
        tuple: ``{'<axis>/<group>/<key>': value}`` and the tables (a string per axis with at
        least one group; axes without any are left out of both).
    """
    columns = tuple(keys) + tuple(k for k in count_keys if k not in keys)
    flat: Dict[str, float] = {}
    tables: List[str] = []
    for axis in axes:
        labels = [(g or {}).get(axis, ()) for g in groups]
        per_group = breakdown(items, labels, reduce)
        if not per_group:
            continue
        flat.update(flatten_breakdown(axis, per_group, keys))
        title = f'{name} by {axis}' if name else f'by {axis}'
        tables.append(breakdown_table(axis, overall, per_group, columns, title))
    return flat, tables
