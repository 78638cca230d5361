# Copyright (c) mmbleed contributors. All rights reserved.
"""tools/analysis_tools/compare.py: the results report from cached rows (no model runs)."""
import hashlib
import json
import os.path as osp
import sys

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'analysis_tools'))
import compare  # noqa: E402


def test_ranks_mark_best_and_second():
    assert compare.ranks([0.5, 0.9, None, 0.7, 0.9], 'high') == [0, 1, 0, 2, 1]
    assert compare.ranks([3.0, 1.0, None, 2.0], 'low') == [0, 1, 0, 2]
    assert compare.ranks([-30.0, 10.0, 20.0], 'abs') == [0, 1, 2]  # closest to zero
    assert compare.ranks([0.0, 0.0], 'high') == [0, 0]  # nothing to tell apart
    assert compare.ranks([1.0, 2.0], None) == [0, 0]
    assert compare.mark('7.0', 1) == '**7.0**' and compare.mark('7.0', 2) == '<u>7.0</u>'
    assert compare.format_value(0.1234, 'pct') == '12.3'
    assert compare.format_value(None, 'num') == '–'


def _cache(cache_dir, config, kind, metrics, ckpt=None, name='row'):
    sha = hashlib.sha256(open(ckpt, 'rb').read()).hexdigest() if ckpt else None
    data = dict(name=name, kind=kind, config=config, checkpoint=ckpt, sha256=sha,
                command=f'python tools/test.py {config}', metrics=metrics)
    with open(osp.join(cache_dir, osp.splitext(osp.basename(config))[0] + '.json'), 'w') as f:
        json.dump(data, f)


def _setup(tmp_path):
    cache = tmp_path / 'cache'
    cache.mkdir()
    ckpt = tmp_path / 'det.pth'
    ckpt.write_bytes(b'weights')
    readout = {}
    for tag, acc in (('0.25', 0.1), ('0.1', 0.3), ('0.01', 0.2)):
        readout.update({f'onset@{tag}/Acc@8': acc, f'onset@{tag}/MAE': 10 * acc,
                        f'onset@{tag}/scenario/water flushing/Acc@8': acc,
                        f'source@{tag}/PCK@5%': acc / 2, f'source@{tag}/miss_rate': 0.5})
    _cache(str(cache), 'configs/det.py', 'readout', readout, str(ckpt))
    _cache(str(cache), 'configs/lk.py', 'test', {'track/PCK@5%': 0.4, 'track/OA': None})
    rules = tmp_path / 'rules.json'
    rules.write_text(json.dumps(dict(
        command='python rules', onset={'constant': {'Acc@8': 0.23, 'MAE': 19.0}},
        source={'onset frames': {'frame centre': {'PCK@5%': 0.032}}},
        track={'static point': {'PCK@5%': 0.138}})))
    rows = tmp_path / 'rows.py'
    rows.write_text(
        "split = 'test'\nrows = [\n"
        "    dict(name='Det', kind='readout', config='configs/det.py',\n"
        f"         checkpoint={str(ckpt)!r}),\n"
        "    dict(name='LK', kind='test', stage='track', config='configs/lk.py',\n"
        "         checkpoint=None),\n"
        "    dict(name='Gone', kind='test', stage='source', config='configs/gone.py',\n"
        f"         checkpoint={str(tmp_path / 'missing.pth')!r}),\n"
        f"    dict(name='Rules', kind='rules', data_root='data', result={str(rules)!r}),\n"
        "]\n")
    return rows, cache, ckpt


def _run(tmp_path, rows, cache, out='results.md'):
    argv = ['--list', str(rows), '--cache-dir', str(cache), '--collect-only',
            '--out-md', str(tmp_path / out), '--csv-dir', str(tmp_path / 'csv')]
    assert compare.main(argv) == 0
    return (tmp_path / out).read_text(encoding='utf-8')


def test_report_from_caches(tmp_path):
    rows, cache, _ = _setup(tmp_path)
    md = _run(tmp_path, rows, cache)
    # the readout row becomes one onset and one source row per threshold
    for tag in ('0.25', '0.1', '0.01'):
        assert f'| Det, score ≥ {tag} |' in md
    assert '| Det, score ≥ 0.1 | – | – | – | – | **30.0** |' in md  # best Acc@8
    assert '| constant (rule) | – | – | – | – | <u>23.0</u> |' in md  # second
    assert '| Det, score ≥ 0.01 | – | – | – | – | 20.0 |' in md  # third: unmarked
    assert '| frame centre (rule) |' in md and '| static point (rule) |' in md
    assert '### Per scenario: Acc@8' in md and 'water flushing' in md
    # a missing checkpoint: one line, the rest still written
    assert '- Gone: checkpoint ' in md and 'not found (train it first)' in md
    onset_csv = (tmp_path / 'csv' / 'onset.csv').read_text()
    assert onset_csv.splitlines()[0].startswith('method,Acc@0,')
    assert '"Det, score ≥ 0.1",,,,,0.3,' in onset_csv  # raw fractions in the CSV


def test_same_caches_same_bytes(tmp_path):
    rows, cache, _ = _setup(tmp_path)
    assert _run(tmp_path, rows, cache, 'a.md') == _run(tmp_path, rows, cache, 'a.md')


def test_stale_cache_is_not_used(tmp_path):
    rows, cache, ckpt = _setup(tmp_path)
    ckpt.write_bytes(b'retrained weights')  # another checkpoint at the same path
    md = _run(tmp_path, rows, cache)
    assert 'Det, score' not in md
    assert '- Det: cache ' in md and 'is for another config or checkpoint' in md
