# Copyright (c) mmbleed contributors. All rights reserved.
"""One comparison report of every method and baseline, like BleedOrigin's Tables 3–7.

Reads a row list (default ``configs/results/v2_test.py``), runs the rows without a valid
cached result, and writes ``docs/results.md`` plus one CSV per table under
``docs/results/``: an onset, a source and a tracking table (best value of a column in bold,
the second underlined, as in the paper), a per-scenario table per stage (one headline
metric), and a table of the rows with config, checkpoint sha256 and reproducing command.

The row list is a config file (``mmengine.Config.fromfile``) holding ``rows = [dict(...)]``,
``split`` (default ``'test'``), ``data_root`` and ``benchmark`` (the report's wording). Every
row has a unique ``name`` and a ``kind``:

- ``kind='test'``, ``config``, ``stage`` (``'onset'``, ``'source'`` or ``'track'``),
  ``checkpoint`` (``None`` for models without weights): the config tested by MMEngine's
  Runner, as ``python tools/test.py CONFIG [CHECKPOINT]``; metric keys ``<stage>/...``.
- ``kind='readout'``, ``config``, ``checkpoint``: a box detector tested the same way, whose
  ``DetectorReadoutMetric`` gives ``onset@<t>/...`` and ``source@<t>/...`` per score
  threshold ``t``: one onset row and one source row per threshold ("NAME, score ≥ t").
- ``kind='streaming'``, ``config``, ``checkpoint``, optional ``result`` (the JSON file;
  default ``<work dir>/<slug>.streaming.json``): the onset detector streamed frame by frame
  by ``onset_streaming.py --out-json``. Its per-scenario numbers are computed here from the
  JSON's per-clip onsets and the scenarios in the config's test annotation file, with the
  functions ``OnsetMetric`` uses.
- ``kind='rules'``, ``data_root``, optional ``result`` (default
  ``<cache dir>/<slug>.json``): the hand-crafted rules of ``hand_crafted_baselines.py
  --out-json``, one row per rule and stage, every rule the JSON holds (optional ``stages``:
  only those stages' rules); the source rules on the 'onset frames' point set (the source
  stage's task).

Caching: a ``test``, ``readout`` or ``streaming`` row's result is ``<cache dir>/<slug>.json``
(slug: the row's optional ``cache`` field, for two rows of one config with different weights,
else the config's file name without ``.py``; the cache dir, ``docs/results/cache``, is
committed with the report) holding ``name, kind, config, config_sha256, checkpoint, sha256,
command, metrics``; it is used while its config path, the config's content (the sha256 of the
resolved config, its ``_base_`` files included: a changed setting reruns the row) and the
checkpoint's sha256 match the row, and the row is run again otherwise (a cache written before
``config_sha256`` was recorded is matched on the other two). When the checkpoint is not in this
checkout (checkpoints live in work dirs, which a clone does not have), a cache for the row's
config and checkpoint path is used as it is and the run says so: the report keeps the row, with
the sha256 of the weights that made it, instead of losing it. Runs write their work dirs under
``--work-dir``. A streaming row without a valid cache takes the existing ``result`` JSON when
it names the row's config and checkpoint and is not older than the checkpoint file. A rules
row's cache is its ``result`` JSON (no weights to hash; default ``<cache dir>/<slug>.json``);
it is used while it is for the list's split. A row whose checkpoint is missing and has no cache
is listed under "Not run" with the reason and the rest of the report is written. Rerunning on
the same caches writes the same bytes: no timestamps, no absolute paths (paths are written as
the list and the command line give them), rows in list order.

Example::

    python tools/analysis_tools/compare.py                  # run what is missing, write
    python tools/analysis_tools/compare.py --collect-only   # run nothing
    python tools/analysis_tools/compare.py --rows YOLOX-tiny --force   # rerun one row

Exit status 1 when the list is invalid or a row failed to run (the report is still written).
"""
import argparse
import csv
import hashlib
import io
import json
import math
import os
import os.path as osp
import re
import shlex
import sys
import traceback
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

from mmengine.config import Config

REPO_ROOT = osp.abspath(osp.join(osp.dirname(__file__), '../..'))
sys.path.insert(0, REPO_ROOT)

TOOL = 'tools/analysis_tools/compare.py'
STREAMING_TOOL = 'tools/analysis_tools/onset_streaming.py'
RULES_TOOL = 'tools/analysis_tools/hand_crafted_baselines.py'
DEFAULT_LIST = 'configs/results/v2_test.py'
STAGES = ('onset', 'source', 'track')
# kind -> (required fields, optional fields), besides name and kind
KINDS = {
    'test': (('config', 'stage'), ('checkpoint', 'cache')),
    'readout': (('config', 'checkpoint'), ('cache', )),
    'streaming': (('config', 'checkpoint'), ('result', 'cache')),
    'rules': (('data_root', ), ('result', 'stages')),
}
KIND_STAGES = {'readout': ('onset', 'source'), 'streaming': ('onset', ), 'rules': STAGES}
NO_VALUE = '—'


class Column(NamedTuple):
    key: str  # metric key, without the stage prefix
    title: str
    fmt: str  # 'pct' (a share shown in %), 'num' (one decimal) or 'int'
    better: Optional[str]  # 'high', 'low', 'zero' (closest to zero) or None (not marked)
    optional: bool = False  # left out of the table when no row has a value


ERR_COLUMNS = [Column(f'Err<={d}', f'Err≤{d}', 'pct', 'high') for d in (10, 25, 50, 75, 100)]
POINT_COLUMNS = ERR_COLUMNS + [Column('Err_avg', 'Err_avg (px)', 'num', 'low')] + [
    Column(f'PCK@{f}%', f'PCK@{f}%', 'pct', 'high') for f in (2, 5, 10)]
COLUMNS: Dict[str, List[Column]] = {
    'onset': [Column(f'Acc@{k}', f'Acc@{k}', 'pct', 'high') for k in (0, 1, 2, 4, 8, 16)] + [
        Column('MAE', 'MAE (frames)', 'num', 'low'),
        Column('miss_rate', 'missed', 'pct', 'low'),
        Column('false_alarm_rate', 'false alarm (clips without bleeding)', 'pct', 'low'),
        Column('false_alarms_per_min', 'false alarms / min', 'num', 'low'),
        Column('alert_delay_median', 'median alert delay (frames)', 'num', 'zero'),
    ],
    'source': POINT_COLUMNS + [
        Column('miss_rate', 'missed', 'pct', 'low', optional=True),
        Column('num_points', 'points', 'int', None),
    ],
    'track': POINT_COLUMNS + [
        Column('delta_avg', 'δ_avg', 'pct', 'high'),
        Column('OA', 'OA', 'pct', 'high'),
        Column('AJ', 'AJ', 'pct', 'high', optional=True),
        Column('num_points', 'points', 'int', None),
    ],
}
SCENARIO_KEY = {'onset': 'Acc@8', 'source': 'PCK@5%', 'track': 'PCK@5%'}
STAGE_TITLES = {'onset': 'Onset detection', 'source': 'Source localization (onset frames)',
                'track': 'Source tracking'}
CSV_NAMES = [f'{s}{part}.csv' for s in STAGES for part in ('', '_per_scenario')] + ['rows.csv']


# --------------------------------------------------------------------------- the row list
def slug(row: dict) -> str:
    """A row's cache name: its ``cache`` field, else its config's file name without
    ``.py``, else its name."""
    if row.get('cache'):
        return row['cache']
    if row.get('config'):
        return osp.splitext(osp.basename(row['config']))[0]
    return re.sub(r'[^a-z0-9]+', '-', row['name'].lower()).strip('-')


def load_rows(spec: Config, cache_dir: str, work_dir: str) -> List[dict]:
    """The list's rows as plain dicts, checked, with ``result`` defaults filled in."""
    rows, names, slugs = [], set(), {}
    for i, raw in enumerate(spec.get('rows', [])):
        row = dict(raw)
        name, kind = row.get('name'), row.get('kind')
        if not name or kind not in KINDS:
            raise ValueError(f'row {i}: needs a name and a kind among {sorted(KINDS)}')
        required, optional = KINDS[kind]
        missing = [f for f in required if f not in row]
        unknown = sorted(set(row) - {'name', 'kind', *required, *optional})
        if missing or unknown:
            raise ValueError(f'row {name!r} ({kind}): missing {missing}, unknown {unknown}')
        if kind == 'test' and row['stage'] not in STAGES:
            raise ValueError(f'row {name!r}: stage must be one of {STAGES}')
        if name in names:
            raise ValueError(f'two rows are named {name!r}')
        names.add(name)
        if slug(row) in slugs:
            raise ValueError(f'rows {slugs[slug(row)]!r} and {name!r} would share the cache '
                             f'{slug(row)}.json: give one of them its own cache=\'...\'')
        slugs[slug(row)] = name
        if kind == 'streaming':
            row.setdefault('result', osp.join(work_dir, slug(row) + '.streaming.json'))
        elif kind == 'rules':
            row.setdefault('result', osp.join(cache_dir, slug(row) + '.json'))
            unknown_stages = sorted(set(row.get('stages', STAGES)) - set(STAGES))
            if unknown_stages:
                raise ValueError(f'row {name!r}: unknown stages {unknown_stages}, choose '
                                 f'from {STAGES}')
        row.setdefault('checkpoint', None)
        rows.append(row)
    return rows


def row_argv(row: dict, split: str) -> List[str]:
    """The script and arguments that reproduce a row (what ``compare`` itself runs)."""
    kind = row['kind']
    if kind in ('test', 'readout'):
        return ['tools/test.py', row['config']] + ([row['checkpoint']]
                                                   if row['checkpoint'] else [])
    if kind == 'streaming':
        return [STREAMING_TOOL, row['config'], row['checkpoint'], '--out-json', row['result']]
    return [RULES_TOOL, row['data_root'], '--out-json', row['result']] + (
        ['--split', split] if split != 'test' else [])


def row_command(row: dict, split: str) -> str:
    return ' '.join(['python'] + [shlex.quote(a) for a in row_argv(row, split)])


# ------------------------------------------------------------------------------ results
_SHA256: Dict[tuple, str] = {}


def config_sha256(path: str) -> Optional[str]:
    """Hex sha256 of a config as MMEngine resolves it (``_base_`` files merged, ``{{...}}``
    substituted): the same for the same settings, whichever file a setting lives in; None
    when there is no such file."""
    if not osp.isfile(path):
        return None
    return hashlib.sha256(Config.fromfile(path).pretty_text.encode('utf-8')).hexdigest()


def _same_config(cache: dict, row: dict) -> bool:
    """The cache was made with the row's config, by path and (when recorded) content."""
    recorded = cache.get('config_sha256')
    return cache.get('config') == row['config'] and (
        recorded is None or recorded == config_sha256(row['config']))


def sha256_of(path: Optional[str]) -> Optional[str]:
    """Hex sha256 of a file's bytes (``None`` for no file), hashed once per file version."""
    if not path:
        return None
    stat = os.stat(path)
    key = (osp.abspath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _SHA256:
        digest = hashlib.sha256()
        with open(path, 'rb') as f:
            for chunk in iter(lambda: f.read(1 << 20), b''):
                digest.update(chunk)
        _SHA256[key] = digest.hexdigest()
    return _SHA256[key]


def _finite(value) -> Optional[float]:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def read_json(path: str) -> dict:
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def write_atomically(path: str, text: str) -> None:
    """Write ``text`` (UTF-8) through a temporary file beside ``path``, creating its
    folder (mmbleed's ``atomic_write_bytes``)."""
    from mmbleed.datasets.raw_layout import atomic_write_bytes
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    atomic_write_bytes(path, text.encode('utf-8'))


def split_problem(cfg: Config, split: str) -> str:
    """Why a config does not test on the list's split ('' when it does)."""
    ann_file = cfg.test_dataloader.dataset.get('ann_file', '')
    if osp.basename(ann_file) != f'{split}.json':
        return f'its test set is {ann_file}, not the {split} split'
    return ''


def run_test(row: dict, split: str, work_dir: str) -> Dict[str, float]:
    """Test a 'test' or 'readout' row through MMEngine's Runner, as tools/test.py does."""
    import mmbleed  # noqa: F401  (torch fixes before anything else loads)
    from mmengine.runner import Runner

    from mmbleed.registry import RUNNERS
    from mmbleed.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(row['config'])
    problem = split_problem(cfg, split)
    if problem:
        raise ValueError(f"{row['config']}: {problem}")
    os.environ.setdefault('LOCAL_RANK', '0')
    cfg.launcher = 'none'
    cfg.work_dir = osp.join(work_dir, slug(row))
    cfg.load_from = row['checkpoint']
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    if row['checkpoint'] is None and any(p.requires_grad for p in runner.model.parameters()):
        raise ValueError(f"{row['config']} has trainable weights: give the row a checkpoint")
    return runner.test()


def clip_scenarios(config: str) -> Dict[str, List[str]]:
    """Clip id → scenarios, from the config's test annotation file ({} when absent)."""
    ds = Config.fromfile(config).test_dataloader.dataset
    path = osp.join(ds.get('data_root') or '', ds.get('ann_file', ''))
    if not osp.isfile(path):
        return {}
    return {c['clip_id']: list(c.get('scenarios') or []) for c in read_json(path)['data_list']}


def streaming_metrics(data: dict, scenarios: Dict[str, List[str]]) -> Dict[str, float]:
    """``onset/<key>`` of an ``onset_streaming.py`` JSON and ``onset/scenario/<s>/<key>``
    per scenario, by the functions of ``onset_streaming.py`` and ``OnsetMetric``."""
    metrics = {f'onset/{k}': v for k, v in data['scores'].items()}
    if not scenarios:
        return metrics
    from mmbleed.evaluation.functional import alert_statistics, breakdown, onset_accuracy
    from mmbleed.evaluation.functional.breakdown import flatten_breakdown
    from mmbleed.evaluation.metrics.onset_metric import DEFAULT_BREAKDOWN_KEYS

    def score(clips: List[dict]) -> Dict[str, float]:
        gts = [c['gt'] for c in clips]
        out = onset_accuracy([c['stream_onset'] for c in clips], gts)
        out.update(alert_statistics([c['stream_alert'] for c in clips], gts,
                                    [c['num_frames'] for c in clips],
                                    [c['fps'] for c in clips]))
        return out

    clips = data['clips']
    per_group = breakdown(clips, [scenarios.get(c['clip_id'], []) for c in clips], score)
    metrics.update({f'onset/{k}': v for k, v in
                    flatten_breakdown('scenario', per_group, DEFAULT_BREAKDOWN_KEYS).items()})
    return metrics


def adopt_streaming(row: dict, split: str) -> Tuple[Optional[Dict[str, float]], str]:
    """The metrics of a streaming row's existing JSON, or why it cannot be used."""
    path, ckpt = row['result'], row['checkpoint']
    if not osp.isfile(path):
        return None, f'{path} missing'
    data = read_json(path)
    same = [osp.normpath(str(data.get(k))) == osp.normpath(row[k])
            for k in ('config', 'checkpoint')]
    if not all(same):
        return None, f"{path} is for {data.get('config')} and {data.get('checkpoint')}"
    if osp.getmtime(path) < osp.getmtime(ckpt):
        return None, f'{path} is older than {ckpt}'
    problem = split_problem(Config.fromfile(row['config']), split)
    if problem:
        return None, f"{row['config']}: {problem}"
    if data.get('mismatched'):
        print(f"  note: {path}: streaming and offline differ on {len(data['mismatched'])} "
              'clips; the table has the streamed onsets')
    return streaming_metrics(data, clip_scenarios(row['config'])), ''


def run_tool(row: dict, split: str) -> None:
    """Write a 'streaming' or 'rules' row's JSON with its tool (in this process)."""
    sys.path.insert(0, osp.join(REPO_ROOT, 'tools', 'analysis_tools'))
    if row['kind'] == 'streaming':
        problem = split_problem(Config.fromfile(row['config']), split)
        if problem:
            raise ValueError(f"{row['config']}: {problem}")
        from onset_streaming import main
    else:
        from hand_crafted_baselines import main
    if os.path.isfile(row['result']):
        os.remove(row['result'])
    status = main(row_argv(row, split)[1:])  # streaming: 1 = streamed != offline somewhere
    if not osp.isfile(row['result']):
        raise RuntimeError(f"{row_argv(row, split)[0]} wrote no {row['result']} "
                           f'(exit status {status})')


def cached_result(row: dict, split: str, cache_dir: str, work_dir: str, may_run: bool,
                  force: bool) -> Tuple[Optional[dict], str]:
    """A 'test', 'readout' or 'streaming' row's cache, valid or made now; else why not."""
    ckpt = row['checkpoint']
    path = osp.join(cache_dir, slug(row) + '.json')
    if ckpt and not osp.isfile(ckpt):
        if osp.isfile(path) and not force:
            cache = read_json(path)
            if _same_config(cache, row) and cache.get('checkpoint') == ckpt:
                print(f"  note: {ckpt} is not in this checkout; the result cached for its "
                      f"weights (sha256 {str(cache.get('sha256'))[:12]}...) is used")
                return cache, ''
        return None, (f"checkpoint {ckpt} not found (train it: `python tools/train.py "
                      f"{row['config']} --work-dir {osp.dirname(ckpt)}`)")
    sha = sha256_of(ckpt)
    if force:
        reason = 'rerun asked (--force)'
    elif not osp.isfile(path):
        reason = f'no cached result ({path})'
    else:
        cache = read_json(path)
        if _same_config(cache, row) and cache.get('sha256') == sha:
            return cache, ''
        reason = f'cache {path} is for another config or checkpoint'
    metrics = None
    if row['kind'] == 'streaming' and not force:
        metrics, why = adopt_streaming(row, split)
        reason = reason if metrics is not None else f'{reason}; {why}'
    if metrics is None:
        if not may_run:
            return None, reason
        print(f'  running: {row_command(row, split)}', flush=True)
        if row['kind'] == 'streaming':
            run_tool(row, split)
            metrics, why = adopt_streaming(row, split)
            if metrics is None:
                raise RuntimeError(why)
        else:
            metrics = run_test(row, split, work_dir)
    cache = dict(name=row['name'], kind=row['kind'], config=row['config'],
                 config_sha256=config_sha256(row['config']), checkpoint=ckpt,
                 sha256=sha, command=row_command(row, split),
                 metrics={k: _finite(v) for k, v in sorted(metrics.items())})
    write_atomically(path, json.dumps(cache, indent=2, sort_keys=True) + '\n')
    return cache, ''


def rules_result(row: dict, split: str, may_run: bool,
                 force: bool) -> Tuple[Optional[dict], str]:
    """A rules row's JSON, used as it is or made now; else why not."""
    path = row['result']
    if force:
        reason = 'rerun asked (--force)'
    elif not osp.isfile(path):
        reason = f'{path} missing'
    else:
        data = read_json(path)
        if data.get('split') == split:
            return data, ''
        reason = f"{path} is for the {data.get('split')} split"
    if not may_run:
        return None, reason
    print(f'  running: {row_command(row, split)}', flush=True)
    run_tool(row, split)
    return read_json(path), ''


def collect(rows: List[dict], split: str, cache_dir: str, work_dir: str, may_run: bool,
            run_names: Optional[Sequence[str]] = None, force: bool = False
            ) -> Tuple[Dict[str, dict], List[Tuple[str, str]], bool]:
    """Every row's result (by name), ``(name, reason)`` of rows without one, and whether a
    run failed."""
    results, not_run, failed = {}, [], False
    for i, row in enumerate(rows, 1):
        allowed = may_run and (run_names is None or row['name'] in run_names)
        print(f"[{i}/{len(rows)}] {row['name']} ({row['kind']}; {len(rows) - i} rows left)",
              flush=True)
        try:
            if row['kind'] == 'rules':
                data, reason = rules_result(row, split, allowed, force and allowed)
            else:
                data, reason = cached_result(row, split, cache_dir, work_dir, allowed,
                                             force and allowed)
        except Exception as e:  # a failed run is reported; the other rows still count
            traceback.print_exc()
            data, reason, failed = None, f'failed: {type(e).__name__}: {e}', True
        if data is None:
            print(f'  not run: {reason}', flush=True)
            not_run.append((row['name'], reason))
        else:
            results[row['name']] = data
    return results, not_run, failed


# --------------------------------------------------------------------------- table rows
def _prefixed(metrics: dict, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in metrics.items() if k.startswith(prefix)}


def readout_tags(metrics: dict) -> List[str]:
    """The score thresholds of a readout's keys (``onset@0.25/...`` → ``'0.25'``), highest
    first."""
    tags = {m.group(1) for m in map(re.compile(r'(?:onset|source)@([^/]+)/').match, metrics)
            if m}
    return sorted(tags, key=lambda t: -float(t))


def table_rows(row: dict, data: dict, split: str) -> List[dict]:
    """A list row's table rows: ``dict(name, stage, metrics, config, sha256, command)``."""
    base = dict(config=row.get('config', ''), sha256=data.get('sha256'),
                command=row_command(row, split))
    kind = row['kind']
    if kind in ('test', 'streaming'):
        stage = row.get('stage', 'onset')
        return [dict(base, name=row['name'], stage=stage,
                     metrics=_prefixed(data['metrics'], stage + '/'))]
    if kind == 'readout':
        tags = readout_tags(data['metrics'])
        return [dict(base, name=f"{row['name']}, score ≥ {tag}", stage=stage,
                     metrics=_prefixed(data['metrics'], f'{stage}@{tag}/'))
                for stage in ('onset', 'source') for tag in tags]
    groups = [('onset', data.get('onset') or {}),
              ('source', (data.get('source') or {}).get('onset frames') or {}),
              ('track', data.get('track') or {})]
    stages = row.get('stages', STAGES)
    return [dict(base, name=f'{rule} (rule)', stage=stage, metrics=metrics)
            for stage, rules in groups if stage in stages for rule, metrics in rules.items()]


# ---------------------------------------------------------------------------- rendering
def format_value(value, fmt: str) -> str:
    value = _finite(value)
    if value is None:
        return NO_VALUE
    if fmt == 'pct':
        return f'{100 * value:.1f}'
    if fmt == 'int':
        return f'{int(round(value))}'
    return f'{value:.1f}'


def ranks(values: Sequence[Optional[float]], better: Optional[str],
          fmt: str = 'num') -> List[int]:
    """Per value: 1 for the best, 2 for the second best, 0 otherwise, compared as shown
    (rounded by ``fmt``). Ties share a rank; nothing is second when several share the best,
    nor when the second value is also the worst (two different values: only the best is
    marked). Missing values, unmarked columns and columns of one value get 0."""
    if better is None:
        return [0] * len(values)
    key = {'high': lambda v: -v, 'low': lambda v: v, 'zero': abs}[better]
    shown = [None if _finite(v) is None else key(float(format_value(v, fmt)))
             for v in values]
    scored = sorted(s for s in shown if s is not None)
    if len(set(scored)) < 2:
        return [0] * len(values)
    best = scored[0]
    second = scored[1] if scored[1] != best and scored[1] != scored[-1] else None
    return [1 if s is not None and s == best else 2 if s is not None and s == second else 0
            for s in shown]


def mark(text: str, rank: int) -> str:
    return {1: f'**{text}**', 2: f'<u>{text}</u>'}.get(rank, text)


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: bool = True) -> str:
    """A markdown table; after the first column, right-aligned when ``numeric``."""
    align = '---:' if numeric else '---'
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join(['---'] + [align] * (len(header) - 1)) + '|']
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows]
    return '\n'.join(lines)


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator='\n')
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _csv_value(value, fmt: str):
    value = _finite(value)
    if value is None:
        return ''
    return int(round(value)) if fmt == 'int' else repr(value)


def stage_table(stage: str, rows: List[dict]) -> Tuple[str, str]:
    """The markdown table and the CSV (raw values: shares as fractions) of one stage."""
    cols = [c for c in COLUMNS[stage]
            if not c.optional or any(_finite(r['metrics'].get(c.key)) is not None
                                     for r in rows)]
    values = [[r['metrics'].get(c.key) for r in rows] for c in cols]
    marks = [ranks(v, c.better, c.fmt) for v, c in zip(values, cols)]
    md_rows = [[r['name']] + [mark(format_value(values[j][i], c.fmt), marks[j][i])
                              for j, c in enumerate(cols)] for i, r in enumerate(rows)]
    csv_rows = [[r['name']] + [_csv_value(values[j][i], c.fmt) for j, c in enumerate(cols)] +
                [r['config'], r['sha256'] or '', r['command']] for i, r in enumerate(rows)]
    return (md_table(['method'] + [c.title for c in cols], md_rows),
            csv_text(['method'] + [c.key for c in cols] +
                     ['config', 'checkpoint_sha256', 'command'], csv_rows))


def scenario_table(stage: str, rows: List[dict]) -> Tuple[str, str]:
    """Rows = methods with a breakdown, columns = scenarios, one headline metric ('' when
    no row has one)."""
    key = SCENARIO_KEY[stage]
    scenarios = sorted({k.split('/')[1] for r in rows for k in r['metrics']
                        if k.startswith('scenario/') and k.endswith('/' + key)})
    rows = [r for r in rows if any(f'scenario/{s}/{key}' in r['metrics'] for s in scenarios)]
    if not rows:
        return '', ''
    values = [[r['metrics'].get(f'scenario/{s}/{key}') for r in rows] for s in scenarios]
    marks = [ranks(v, 'high', 'pct') for v in values]
    md_rows = [[r['name']] + [mark(format_value(values[j][i], 'pct'), marks[j][i])
                              for j in range(len(scenarios))] for i, r in enumerate(rows)]
    csv_rows = [[r['name']] + [_csv_value(values[j][i], 'pct') for j in range(len(scenarios))]
                for i, r in enumerate(rows)]
    return (md_table(['method'] + scenarios, md_rows),
            csv_text(['method'] + scenarios, csv_rows))


def rows_table(rows: List[dict], results: Dict[str, dict], split: str) -> Tuple[str, str]:
    """Every list row: stages, config, checkpoint sha256 (of the weights its result came
    from; 12 hex digits shown, all in the CSV; '—' without weights) and the command that
    reproduces it."""
    md_rows, csv_rows = [], []
    for row in rows:
        stages = ', '.join(KIND_STAGES.get(row['kind'], (row.get('stage'), )))
        ckpt = row['checkpoint']
        sha = results.get(row['name'], {}).get('sha256') or (
            sha256_of(ckpt) if ckpt and osp.isfile(ckpt) else '')
        config = row.get('config') or ''
        md_rows.append([row['name'], stages, f'`{config}`' if config else NO_VALUE,
                        sha[:12] or NO_VALUE, f'`{row_command(row, split)}`'])
        csv_rows.append([row['name'], stages, config, sha, row_command(row, split)])
    header = ['row', 'stage', 'config', 'checkpoint sha256', 'command']
    return (md_table(header, md_rows, numeric=False),
            csv_text(['row', 'stage', 'config', 'checkpoint_sha256', 'command'], csv_rows))


def render(spec: Config, rows: List[dict], results: Dict[str, dict],
           not_run: List[Tuple[str, str]], command: str,
           csv_dir: str) -> Tuple[str, Dict[str, str]]:
    """The markdown report and ``{CSV file name: text}``."""
    split = spec.get('split', 'test')
    data_root = spec.get('data_root', 'data/synthetic_esd')
    benchmark = spec.get('benchmark', 'the synthetic ESD benchmark')
    parts = [
        '# Results', '',
        f'Every method and baseline on the **{split} split** of {benchmark} (`{data_root}`), '
        'scored by mmbleed\'s own metrics (`OnsetMetric`, `PointMetric`, `TrackMetric`, the '
        'same functions in the tools). Every threshold and rule parameter was tuned on the '
        'train split only. Shares are in %: onset accuracy Acc@k and missed of the clips '
        'with bleeding, false alarm of the clips without bleeding; Err≤d, PCK and missed of '
        'the scored points, a point without a prediction counting as wrong (Err_avg is over '
        'the predicted points only); δ_avg, OA and AJ (average Jaccard) as in TAP-Vid, per clip '
        'then averaged over clips. Source rows are scored at '
        'the onset frame of every bleeding clip whose source is visible there (the source '
        'stage\'s task; for the rules, their \'onset frames\' point set). The best value of a '
        'column is **bold**, the second <u>underlined</u> (compared as shown; MAE, Err_avg, '
        'missed and false alarms: lower is better; median alert delay: closer to zero is '
        'better, as a negative delay means alerts before the onset). Rules are marked '
        '"(rule)"; they have no per-scenario numbers.', '',
        'Regenerated with:', '', '```bash', command, '```', '']
    csvs: Dict[str, str] = {}
    expanded = [t for r in rows if r['name'] in results
                for t in table_rows(r, results[r['name']], split)]
    for stage in STAGES:
        stage_rows = [t for t in expanded if t['stage'] == stage]
        if not stage_rows:
            continue
        md, text = stage_table(stage, stage_rows)
        csvs[f'{stage}.csv'] = text
        parts += [f'## {STAGE_TITLES[stage]}', '', md, '']
        md, text = scenario_table(stage, stage_rows)
        if md:
            csvs[f'{stage}_per_scenario.csv'] = text
            parts += [f'### {STAGE_TITLES[stage]} per scenario: {SCENARIO_KEY[stage]}', '',
                      md, '']
    md, csvs['rows.csv'] = rows_table(rows, results, split)
    parts += ['## Rows', '', md, '']
    if not_run:
        parts += ['## Not run', ''] + [f'- {n}: {why}' for n, why in not_run] + ['']
    parts += [f'CSV files (raw values, shares as fractions): `{csv_dir}/`.', '']
    return '\n'.join(parts), csvs


# ---------------------------------------------------------------------------------- CLI
def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--list', default=DEFAULT_LIST,
                        help=f'the row list, a config file (default: {DEFAULT_LIST})')
    parser.add_argument('--out-md', default='docs/results.md', help='the markdown report')
    parser.add_argument('--csv-dir', default='docs/results', help='folder of the CSV files')
    parser.add_argument('--cache-dir', default='docs/results/cache',
                        help='cached results, one JSON per row (committed with the report)')
    parser.add_argument('--work-dir', default='work_dirs/compare',
                        help='work dirs of the runs and the streaming rows\' JSON files')
    parser.add_argument('--collect-only', action='store_true',
                        help='run nothing; rows without a valid result are listed as not run')
    parser.add_argument('--rows', nargs='+', default=None, metavar='NAME',
                        help='only these rows may be run (the others: cached results only)')
    parser.add_argument('--force', action='store_true',
                        help='rerun the rows that may run even when their cache is valid '
                        '(e.g. after a metric changed)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    try:
        spec = Config.fromfile(args.list)
        rows = load_rows(spec, args.cache_dir, args.work_dir)
        unknown = sorted(set(args.rows or ()) - {r['name'] for r in rows})
        if unknown:
            raise ValueError(f'--rows: no rows named {unknown}; the list has '
                             f"{[r['name'] for r in rows]}")
    except (OSError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    split = spec.get('split', 'test')
    results, not_run, failed = collect(rows, split, args.cache_dir, args.work_dir,
                                       not args.collect_only, args.rows, args.force)
    command = ' '.join(['python', TOOL] + [shlex.quote(a) for a in argv])
    report, csvs = render(spec, rows, results, not_run, command, args.csv_dir)
    write_atomically(args.out_md, report)
    for name in CSV_NAMES:  # a table that is gone leaves no stale CSV behind
        path = osp.join(args.csv_dir, name)
        if name in csvs:
            write_atomically(path, csvs[name])
        elif osp.isfile(path):
            os.remove(path)
    print(f'wrote {args.out_md} and {len(csvs)} CSV files in {args.csv_dir}; '
          f'{len(results)} of {len(rows)} rows have results')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
