# Copyright (c) mmbleed contributors. All rights reserved.
"""tools/analysis_tools/compare.py: the results report from hand-made cached results.

No model is trained or evaluated: every row's result is a JSON file written here, and the
one run a test needs (a stale cache) is replaced by a stand-in for the Runner.
"""
import hashlib
import json
import math
import os
import os.path as osp
import sys

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'analysis_tools'))
import compare  # noqa: E402


def test_ranks_and_marks_on_a_hand_made_table():
    nan = math.nan
    rows = [dict(name=n, metrics=m) for n, m in [
        ('A', {'Acc@8': 0.30, 'MAE': 12.0, 'alert_delay_median': -20.0}),
        ('B', {'Acc@8': nan, 'MAE': 8.0, 'alert_delay_median': 5.0}),
        ('C', {'Acc@8': 0.25, 'MAE': None, 'alert_delay_median': 10.0}),
        ('D', {'Acc@8': 0.30, 'MAE': 15.0}),
    ]]
    for r in rows:
        r.update(config='c.py', sha256=None, command='python x')
    md, text = compare.stage_table('onset', rows)
    lines = {line.split(' | ')[0][2:]: line for line in md.splitlines()[2:]}
    cells = {name: line.strip('| ').split(' | ') for name, line in lines.items()}
    acc8, mae, delay = 5, 7, 11  # cell 0 is the method
    # Acc@8 (higher is better): a tie for the best, so nothing is second; NaN shows as —
    assert [cells[n][acc8] for n in 'ABCD'] == ['**30.0**', '—', '25.0', '**30.0**']
    # MAE (lower is better): B best, A second, D unmarked, C missing
    assert [cells[n][mae] for n in 'ABCD'] == ['<u>12.0</u>', '**8.0**', '—', '15.0']
    # alert delay: closest to zero is best (-20 frames early is not better than 10 late)
    assert [cells[n][delay] for n in 'ABCD'] == ['-20.0', '**5.0**', '<u>10.0</u>', '—']
    # the CSV keeps raw values, empty where missing
    assert text.splitlines()[2].startswith('B,,,,,,,8.0,')
    # compared as shown: 43.31 % and 43.34 % both read 43.3, a tie
    assert compare.ranks([0.4331, 0.4334, 0.2], 'high', 'pct') == [1, 1, 0]
    assert compare.ranks([0.0, 0.0], 'high', 'pct') == [0, 0]  # nothing to tell apart
    assert compare.ranks([0.011, 0.0, 0.0], 'high', 'pct') == [1, 0, 0]  # second = worst
    assert compare.ranks([1.0, 2.0], None) == [0, 0]


def _sha(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def _cache(cache_dir, config, kind, metrics, ckpt=None):
    data = dict(name='x', kind=kind, config=config, checkpoint=ckpt,
                sha256=_sha(ckpt) if ckpt else None, command='python x', metrics=metrics)
    name = osp.splitext(osp.basename(config))[0] + '.json'
    (cache_dir / name).write_text(json.dumps(data))


def _setup(tmp_path):
    """A list with a readout row, a tracker without weights, a row whose checkpoint is
    missing and the hand-crafted rules, all with cached results."""
    cache = tmp_path / 'cache'
    cache.mkdir()
    ckpt = tmp_path / 'det.pth'
    ckpt.write_bytes(b'weights')
    readout = {}
    for tag, acc in (('0.25', 0.1), ('0.1', 0.3), ('0.01', 0.2)):
        readout.update({f'onset@{tag}/Acc@8': acc, f'onset@{tag}/MAE': 10 * acc,
                        f'onset@{tag}/scenario/water flushing/Acc@8': acc,
                        f'source@{tag}/PCK@5%': acc / 2, f'source@{tag}/miss_rate': 0.5})
    _cache(cache, 'configs/det.py', 'readout', readout, str(ckpt))
    _cache(cache, 'configs/lk.py', 'test', {'track/PCK@5%': 0.4, 'track/OA': None})
    rules = tmp_path / 'rules.json'
    rules.write_text(json.dumps(dict(
        split='test', onset={'constant': {'Acc@8': 0.23, 'MAE': 19.0}},
        source={'onset frames': {'frame centre': {'PCK@5%': 0.032}},
                'all visible': {'frame centre': {'PCK@5%': 0.99}}},
        track={'static point': {'PCK@5%': 0.138}})))
    rows = tmp_path / 'rows.py'
    rows.write_text(
        "split = 'test'\ndata_root = 'data/x'\nrows = [\n"
        "    dict(name='Det', kind='readout', config='configs/det.py',\n"
        f"         checkpoint={str(ckpt)!r}),\n"
        "    dict(name='LK', kind='test', stage='track', config='configs/lk.py',\n"
        "         checkpoint=None),\n"
        "    dict(name='Gone', kind='test', stage='source', config='configs/gone.py',\n"
        f"         checkpoint={str(tmp_path / 'missing.pth')!r}),\n"
        f"    dict(name='Rules', kind='rules', data_root='data/x', result={str(rules)!r}),\n"
        "]\n")
    return rows, cache, ckpt


def _run(tmp_path, rows, cache, *extra, out='results.md', status=0):
    argv = ['--list', str(rows), '--cache-dir', str(cache), '--work-dir', str(tmp_path / 'wd'),
            '--out-md', str(tmp_path / out),
            '--csv-dir', str(tmp_path / 'csv'), *extra]
    assert compare.main(argv) == status
    return (tmp_path / out).read_text(encoding='utf-8')


def test_report_from_caches(tmp_path):
    rows, cache, ckpt = _setup(tmp_path)
    (tmp_path / 'csv').mkdir()
    (tmp_path / 'csv' / 'track_per_scenario.csv').write_text('stale')
    md = _run(tmp_path, rows, cache, '--collect-only')
    # the readout row becomes one onset and one source row per threshold, highest first
    onset = md.split('## Onset detection')[1].split('## Source')[0]
    assert [line.split(' | ')[0] for line in onset.splitlines()
            if line.startswith('| Det')] == [f'| Det, score ≥ {t}'
                                             for t in ('0.25', '0.1', '0.01')]
    assert '| Det, score ≥ 0.1 | — | — | — | — | **30.0** |' in md  # best Acc@8
    assert '| constant (rule) | — | — | — | — | <u>23.0</u> |' in md  # second
    assert '| Det, score ≥ 0.01 | — | — | — | — | 20.0 |' in md  # third: unmarked
    # rules: every rule the JSON holds; the source rules on the onset frames
    assert '| frame centre (rule) |' in md and '99.0' not in md
    assert '| static point (rule) |' in md
    assert '### Onset detection per scenario: Acc@8' in md and 'water flushing' in md
    # the source table has a 'missed' column, as the readout rows can miss
    assert md.split('## Source')[1].splitlines()[2].endswith('| missed | points |')
    # a missing checkpoint: one line under "Not run", the rest still written
    assert (f'- Gone: checkpoint {tmp_path / "missing.pth"} not found (train it: '
            f'`python tools/train.py configs/gone.py --work-dir {tmp_path}`)') in md
    # rows: config, 12 hex digits of the sha256 (all in the CSV), — without weights
    sha = _sha(ckpt)
    assert f'| Det | onset, source | `configs/det.py` | {sha[:12]} | `python tools/test.py '\
           f'configs/det.py {ckpt}` |' in md
    assert '| LK | track | `configs/lk.py` | — | `python tools/test.py configs/lk.py` |' in md
    assert f'Det,"onset, source",configs/det.py,{sha},' in (
        tmp_path / 'csv' / 'rows.csv').read_text()
    onset_csv = (tmp_path / 'csv' / 'onset.csv').read_text()
    assert onset_csv.splitlines()[0].startswith('method,Acc@0,')
    assert '"Det, score ≥ 0.1",,,,,0.3,' in onset_csv  # raw fractions in the CSV
    assert not (tmp_path / 'csv' / 'track_per_scenario.csv').exists()  # no stale CSV
    assert sorted(os.listdir(tmp_path / 'csv')) == [
        'onset.csv', 'onset_per_scenario.csv', 'rows.csv', 'source.csv', 'track.csv']


def test_same_caches_same_bytes(tmp_path):
    rows, cache, _ = _setup(tmp_path)

    def outputs():
        md = _run(tmp_path, rows, cache, '--collect-only')
        csv_dir = tmp_path / 'csv'
        return md, {n: (csv_dir / n).read_bytes() for n in sorted(os.listdir(csv_dir))}

    first = outputs()
    assert first == outputs()
    assert str(tmp_path) not in first[0].split('## Onset')[1].split('## Rows')[0]


def test_stale_cache_is_run_again_and_only_for_rows_allowed(tmp_path, monkeypatch):
    rows, cache, ckpt = _setup(tmp_path)
    ckpt.write_bytes(b'retrained weights')  # another checkpoint at the same path
    md = _run(tmp_path, rows, cache, '--collect-only')
    assert 'Det, score' not in md
    assert '- Det: cache ' in md and 'is for another config or checkpoint' in md
    ran = []

    def fake_test(row, split, cache_dir):
        ran.append(row['name'])
        return {'onset@0.5/Acc@8': 0.9}

    monkeypatch.setattr(compare, 'run_test', fake_test)
    md = _run(tmp_path, rows, cache, '--rows', 'LK')  # Det may not run
    assert ran == [] and '- Det: cache ' in md
    md = _run(tmp_path, rows, cache, '--rows', 'Det', 'LK')
    assert ran == ['Det'] and '| Det, score ≥ 0.5 |' in md and '- Det:' not in md
    assert json.loads((cache / 'det.json').read_text())['sha256'] == _sha(ckpt)
    _run(tmp_path, rows, cache, '--rows', 'Nobody', status=1)  # unknown row name


def test_a_changed_setting_in_the_config_reruns_the_row(tmp_path):
    config = tmp_path / 'lk.py'
    config.write_text("_base_ = ['./base.py']\nmodel = dict(window=15)\n")
    (tmp_path / 'base.py').write_text("model = dict(type='LK', levels=3)\n")
    rows = tmp_path / 'rows.py'
    rows.write_text(f"rows = [dict(name='LK', kind='test', stage='track', config={str(config)!r},"
                    "\n             checkpoint=None)]\n")
    cache = tmp_path / 'cache'
    cache.mkdir()
    data = dict(name='LK', kind='test', config=str(config),
                config_sha256=compare.config_sha256(str(config)), checkpoint=None,
                sha256=None, command='python x', metrics={'track/PCK@5%': 0.4})
    (cache / 'lk.json').write_text(json.dumps(data))
    assert '| LK |' in _run(tmp_path, rows, cache, '--collect-only')
    # the same settings written another way: the same config
    config.write_text("_base_ = ['./base.py']\nmodel = dict(window=15)  # the window\n")
    assert '| LK |' in _run(tmp_path, rows, cache, '--collect-only')
    # a setting changed in a _base_ file: the cache no longer counts
    (tmp_path / 'base.py').write_text("model = dict(type='LK', levels=4)\n")
    md = _run(tmp_path, rows, cache, '--collect-only')
    assert '| LK |' not in md.split('## Rows')[0]
    assert '- LK: cache ' in md and 'is for another config or checkpoint' in md


def test_streaming_json_is_taken_when_it_matches(tmp_path):
    ann = tmp_path / 'annotations' / 'test.json'
    ann.parent.mkdir()
    ann.write_text(json.dumps(dict(data_list=[
        dict(clip_id='D0', scenarios=['water flushing']),
        dict(clip_id='D1', scenarios=['clear view', 'water flushing']),
        dict(clip_id='D2', scenarios=['clear view'])])))
    config = tmp_path / 'detect.py'
    config.write_text(f'test_dataloader = dict(dataset=dict(data_root={str(tmp_path)!r}, '
                      "ann_file='annotations/test.json'))\n")
    ckpt = tmp_path / 'epoch_20.pth'
    ckpt.write_bytes(b'onset weights')
    result = tmp_path / 'streaming_test.json'
    clips = [dict(clip_id='D0', gt=50, stream_onset=52, stream_alert=55),  # within 8
             dict(clip_id='D1', gt=40, stream_onset=60, stream_alert=62),  # 20 late
             dict(clip_id='D2', gt=None, stream_onset=None, stream_alert=None)]  # negative
    for c in clips:
        c.update(num_frames=100, fps=30.0)
    result.write_text(json.dumps(dict(config=str(config), checkpoint=str(ckpt), clips=clips,
                                      mismatched=[], scores={'Acc@8': 0.5, 'MAE': 11.0})))
    rows = tmp_path / 'rows.py'
    rows.write_text(f"rows = [dict(name='Stream', kind='streaming', config={str(config)!r},\n"
                    f"             checkpoint={str(ckpt)!r}, result={str(result)!r})]\n")
    cache = tmp_path / 'cache'
    md = _run(tmp_path, rows, cache, '--collect-only')
    assert '| Stream | — | — | — | — | 50.0 | — | 11.0 |' in md
    # per scenario, by OnsetMetric's arithmetic: water flushing 1 of 2 bleeding clips within
    # 8 frames, clear view 0 of 1 (D2 has no bleeding)
    assert '| method | clear view | water flushing |' in md and '| Stream | 0.0 | 50.0 |' in md
    cached = json.loads((cache / 'detect.json').read_text())
    assert cached['sha256'] == _sha(ckpt) and cached['metrics']['onset/Acc@8'] == 0.5
    # a JSON older than the checkpoint, or of another checkpoint, is not taken
    os.remove(cache / 'detect.json')
    stamp = os.stat(ckpt).st_mtime
    os.utime(result, (stamp - 60, stamp - 60))
    md = _run(tmp_path, rows, cache, '--collect-only')
    assert f'{result} is older than {ckpt}' in md and '| Stream |' not in md.split('## Rows')[0]
    os.utime(result, (stamp + 60, stamp + 60))
    data = json.loads(result.read_text())
    result.write_text(json.dumps(dict(data, checkpoint='other.pth')))
    md = _run(tmp_path, rows, cache, '--collect-only')
    assert f'{result} is for {config} and other.pth' in md


def test_invalid_row_list_is_refused(tmp_path):
    rows = tmp_path / 'rows.py'
    rows.write_text("rows = [dict(name='A', kind='test', stage='track', config='a.py',\n"
                    "             checkpiont='a.pth')]\n")
    assert compare.main(['--list', str(rows), '--out-md', str(tmp_path / 'r.md')]) == 1
    assert not (tmp_path / 'r.md').exists()


def test_two_rows_of_one_config_need_their_own_caches(tmp_path):
    rows, cache, ckpt = _setup(tmp_path)
    other = tmp_path / 'tuned.pth'
    other.write_bytes(b'tuned weights')
    twin = ("    dict(name='LK tuned', kind='test', stage='track', config='configs/lk.py',\n"
            f"         checkpoint={str(other)!r}CACHE),\n]\n")
    text = rows.read_text()[:-2]  # without the closing bracket
    rows.write_text(text + twin.replace('CACHE', ''))
    assert compare.main(['--list', str(rows), '--out-md', str(tmp_path / 'r.md')]) == 1
    assert not (tmp_path / 'r.md').exists()  # refused: both would be lk.json
    rows.write_text(text + twin.replace('CACHE', ", cache='lk_tuned'"))
    data = dict(name='x', kind='test', config='configs/lk.py', checkpoint=str(other),
                sha256=_sha(other), command='python x', metrics={'track/PCK@5%': 0.6})
    (cache / 'lk_tuned.json').write_text(json.dumps(data))
    md = _run(tmp_path, rows, cache, '--collect-only')
    track = md.split('## Source tracking')[1]
    assert '| LK | — | — | — | — | — | — | — | <u>40.0</u> |' in track
    assert '| LK tuned | — | — | — | — | — | — | — | **60.0** |' in track


def test_rules_row_limited_to_some_stages(tmp_path):
    rows, cache, _ = _setup(tmp_path)
    text = rows.read_text().replace("result=", "stages=('source', ), result=")
    rows.write_text(text)
    md = _run(tmp_path, rows, cache, '--collect-only', status=0)
    assert '| frame centre (rule) |' in md
    assert '| static point (rule) |' not in md and '| constant (rule) |' not in md
    rows.write_text(text.replace("stages=('source', )", "stages=('sources', )"))
    assert compare.main(['--list', str(rows), '--out-md', str(tmp_path / 'r.md')]) == 1


def test_a_cached_row_survives_a_checkout_without_its_checkpoint(tmp_path, capsys):
    rows, cache, ckpt = _setup(tmp_path)
    sha = _sha(ckpt)
    ckpt.unlink()  # a clone: the committed cache, no work dirs
    md = _run(tmp_path, rows, cache, '--collect-only')
    assert '| Det, score ≥ 0.1 |' in md and f'| {sha[:12]} |' in md
    assert f'is not in this checkout; the result cached for its weights (sha256 {sha[:12]}' \
        in capsys.readouterr().out
    # a cache for another checkpoint path is not taken for it
    data = json.loads((cache / 'det.json').read_text())
    (cache / 'det.json').write_text(json.dumps(dict(data, checkpoint='elsewhere.pth')))
    md = _run(tmp_path, rows, cache, '--collect-only')
    assert '| Det, score' not in md and f'- Det: checkpoint {ckpt} not found' in md


@pytest.mark.parametrize('name', ['v2_test.py', 'v2_source_module.py'])
def test_the_committed_row_lists_are_valid(name):
    from mmengine.config import Config
    spec = Config.fromfile(osp.join(REPO_ROOT, 'configs', 'results', name))
    rows = compare.load_rows(spec, 'cache', 'work')
    assert rows and len({compare.slug(r) for r in rows}) == len(rows)
    for row in rows:
        if row.get('config'):
            assert osp.isfile(osp.join(REPO_ROOT, row['config'])), row['config']
