# Copyright (c) mmbleed contributors. All rights reserved.
"""One comparison report of every method and baseline, like BleedOrigin's Tables 3–7.

Reads a list of result rows (default ``configs/results/v2_test.py``), runs the rows that
have no valid cached result, and writes ``docs/results.md`` with one CSV per table under
``docs/results/``: an onset table, a source table and a tracking table (best value in bold,
second underlined, as in the paper), a per-scenario table per stage, and per row its config,
checkpoint sha256 and the command that reproduces it.

Row kinds (fields: ``name``, ``kind``, ``config``, ``checkpoint``, and as said below):

- ``'test'`` (``stage='source'`` or ``'track'``): the config tested by MMEngine's Runner
  (``python tools/test.py CONFIG [CKPT]``); keys ``<stage>/...``.
- ``'readout'``: a box detector tested by the Runner with ``DetectorReadoutMetric``; one
  onset row and one source row per score threshold (keys ``onset@<t>/...``,
  ``source@<t>/...``).
- ``'streaming'``: an onset detector's ``onset_streaming.py --out-json`` file (``result``),
  the frame-by-frame streaming evaluation.
- ``'rules'``: the ``hand_crafted_baselines.py --out-json`` file (``result``): one row per
  rule and stage; source rules on the onset frames (the source stage's task).

Results of ``'test'`` and ``'readout'`` rows are cached as ``<cache dir>/<config name>.json``
holding ``name, kind, config, checkpoint, sha256, command, metrics``; a cache is used only
while its config and checkpoint sha256 match the row. Rerunning on the same caches writes the
same bytes (no timestamps, no absolute paths).

Example::

    python tools/analysis_tools/compare.py                  # run what is missing, write
    python tools/analysis_tools/compare.py --collect-only   # only what is cached
    python tools/analysis_tools/compare.py --rows YOLOX-tiny
"""
import argparse
import csv
import hashlib
import io
import json
import math
import os
import os.path as osp
import shlex
import sys
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.config import Config

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

TOOL = 'tools/analysis_tools/compare.py'
DEFAULT_LIST = 'configs/results/v2_test.py'
THRESHOLDS = ('0.25', '0.1', '0.01')  # DetectorReadoutMetric's tags, paper Tables 5-6

# (metric key, column title, format, better): format 'pct' (share shown in %), 'num'
# (one decimal), 'int'; better 'high', 'low', 'abs' (closest to zero) or None (unmarked)
Column = Tuple[str, str, str, Optional[str]]
ERR_COLUMNS: List[Column] = [(f'Err<={d}', f'Err≤{d}', 'pct', 'high')
                             for d in (10, 25, 50, 75, 100)]
PCK_COLUMNS: List[Column] = [(f'PCK@{f}%', f'PCK@{f}%', 'pct', 'high') for f in (2, 5, 10)]
COLUMNS: Dict[str, List[Column]] = {
    'onset': [(f'Acc@{k}', f'Acc@{k}', 'pct', 'high') for k in (0, 1, 2, 4, 8, 16)] + [
        ('MAE', 'MAE (frames)', 'num', 'low'),
        ('miss_rate', 'missed', 'pct', 'low'),
        ('false_alarm_rate', 'false alarm (clips without bleeding)', 'pct', 'low'),
        ('false_alarms_per_min', 'false alarms / min', 'num', 'low'),
        ('alert_delay_median', 'median alert delay (frames)', 'num', 'abs'),
    ],
    'source': ERR_COLUMNS + [('Err_avg', 'Err_avg (px)', 'num', 'low')] + PCK_COLUMNS + [
        ('miss_rate', 'missed', 'pct', 'low'),
        ('num_points', 'points', 'int', None),
    ],
    'track': ERR_COLUMNS + [('Err_avg', 'Err_avg (px)', 'num', 'low')] + PCK_COLUMNS + [
        ('delta_avg', 'δ_avg', 'pct', 'high'),
        ('OA', 'OA', 'pct', 'high'),
        ('num_points', 'points', 'int', None),
    ],
}
SCENARIO_KEY = {'onset': 'Acc@8', 'source': 'PCK@5%', 'track': 'PCK@5%'}
STAGE_TITLES = {'onset': 'Onset detection', 'source': 'Source localization (onset frames)',
                'track': 'Source tracking'}


def sha256_of(path: Optional[str]) -> Optional[str]:
    """Hex sha256 of a file's bytes (``None`` for no file)."""
    if not path:
        return None
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def slug(config: str) -> str:
    """The cache name of a row: its config's file name without ``.py``."""
    return osp.splitext(osp.basename(config))[0]


def test_command(row: dict) -> str:
    return ' '.join(['python', 'tools/test.py', row['config']] +
                    ([row['checkpoint']] if row.get('checkpoint') else []))


def _finite(value) -> Optional[float]:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def write_atomically(path: str, text: str) -> None:
    os.makedirs(osp.dirname(path) or '.', exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8', newline='') as f:
        f.write(text)
    os.replace(tmp, path)


def run_test_row(row: dict, cache_dir: str) -> dict:
    """Test the row's config through MMEngine's Runner and cache its metrics."""
    from mmengine.runner import Runner
    import mmbleed  # noqa: F401  (registers mmbleed's modules and its compat fixes)
    cfg = Config.fromfile(row['config'])
    cfg.work_dir = osp.join(cache_dir, slug(row['config']))
    cfg.load_from = row.get('checkpoint')
    cfg.launcher = 'none'
    metrics = Runner.from_cfg(cfg).test()
    cache = dict(name=row['name'], kind=row['kind'], config=row['config'],
                 checkpoint=row.get('checkpoint'), sha256=sha256_of(row.get('checkpoint')),
                 command=test_command(row),
                 metrics={k: _finite(v) for k, v in sorted(metrics.items())})
    write_atomically(osp.join(cache_dir, slug(row['config']) + '.json'),
                     json.dumps(cache, indent=2, sort_keys=True) + '\n')
    return cache


def run_json_tool(row: dict) -> None:
    """Produce a 'streaming' or 'rules' row's JSON with its tool."""
    if row['kind'] == 'streaming':
        from onset_streaming import main
        argv = [row['config'], row['checkpoint'], '--out-json', row['result']]
    else:
        from hand_crafted_baselines import main
        argv = [row['data_root'], '--out-json', row['result']]
    if main(argv) != 0:
        raise RuntimeError(f"{row['name']}: {row['kind']} tool failed")


def load_test_row(row: dict, cache_dir: str, may_run: bool) -> Tuple[Optional[dict], str]:
    """The cached (or freshly run) result of a 'test'/'readout' row, or why there is
    none."""
    ckpt = row.get('checkpoint')
    if ckpt and not osp.isfile(ckpt):
        return None, f'checkpoint {ckpt} not found (train it first)'
    path = osp.join(cache_dir, slug(row['config']) + '.json')
    if osp.isfile(path):
        with open(path, encoding='utf-8') as f:
            cache = json.load(f)
        if cache.get('config') == row['config'] and cache.get('sha256') == sha256_of(ckpt):
            return cache, ''
        reason = f'cache {path} is for another config or checkpoint'
    else:
        reason = f'no cached result ({path})'
    if not may_run:
        return None, reason
    return run_test_row(row, cache_dir), ''


def load_json_row(row: dict, may_run: bool) -> Tuple[Optional[dict], str]:
    """The JSON of a 'streaming' or 'rules' row, or why there is none."""
    ckpt = row.get('checkpoint')
    if ckpt and not osp.isfile(ckpt):
        return None, f'checkpoint {ckpt} not found (train it first)'
    path = row['result']
    if not osp.isfile(path):
        if not may_run:
            return None, f'{path} missing'
        run_json_tool(row)
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    if row['kind'] == 'streaming' and data.get('checkpoint') != ckpt:
        return None, f"{path} is for checkpoint {data.get('checkpoint')}, not {ckpt}"
    return data, ''


def _prefixed(metrics: dict, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in metrics.items() if k.startswith(prefix)}


def expand(row: dict, data: dict) -> List[dict]:
    """A list row's table rows: ``dict(name, stage, metrics, config, sha256, command)``."""
    base = dict(config=row.get('config', ''), sha256=sha256_of(row.get('checkpoint')))
    kind = row['kind']
    if kind == 'test':
        stage = row['stage']
        return [dict(base, name=row['name'], stage=stage, command=data['command'],
                     metrics=_prefixed(data['metrics'], stage + '/'))]
    if kind == 'readout':
        out = []
        for stage in ('onset', 'source'):
            for tag in THRESHOLDS:
                out.append(dict(base, name=f"{row['name']}, score ≥ {tag}", stage=stage,
                                command=data['command'],
                                metrics=_prefixed(data['metrics'], f'{stage}@{tag}/')))
        return out
    if kind == 'streaming':
        return [dict(base, name=row['name'], stage='onset', command=data['command'],
                     metrics=dict(data['scores']))]
    out = []  # rules
    command = data.get('command', '')
    groups = [('onset', data.get('onset', {})),
              ('source', data.get('source', {}).get('onset frames', {})),
              ('track', data.get('track', {}))]
    for stage, rules in groups:
        for rule, metrics in rules.items():
            out.append(dict(base, name=f'{rule} (rule)', stage=stage, command=command,
                            config='', metrics=metrics))
    return out


def format_value(value, fmt: str) -> str:
    value = _finite(value)
    if value is None:
        return '–'
    if fmt == 'pct':
        return f'{100 * value:.1f}'
    if fmt == 'int':
        return f'{int(round(value))}'
    return f'{value:.1f}'


def ranks(values: Sequence[Optional[float]], better: Optional[str]) -> List[int]:
    """Per value: 1 for the best, 2 for the second best (distinct values), 0 otherwise;
    missing values, unmarked columns and columns where every value is the same get 0."""
    if better is None:
        return [0] * len(values)
    key = {'high': lambda v: -v, 'low': lambda v: v, 'abs': abs}[better]
    scored = sorted({key(v) for v in values if v is not None})
    if len(scored) < 2:
        return [0] * len(values)
    out = []
    for v in values:
        out.append(0 if v is None or key(v) not in scored[:2] else
                   scored.index(key(v)) + 1)
    return out


def mark(text: str, rank: int) -> str:
    return {1: f'**{text}**', 2: f'<u>{text}</u>'}.get(rank, text)


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join(['---'] + ['---:'] * (len(header) - 1)) + '|']
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows]
    return '\n'.join(lines)


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator='\n')
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def stage_table(stage: str, rows: List[dict]) -> Tuple[str, str]:
    """The markdown table and the CSV of one stage."""
    cols = COLUMNS[stage]
    values = [[_finite(r['metrics'].get(key)) for r in rows] for key, _, _, _ in cols]
    marks = [ranks(v, better) for v, (_, _, _, better) in zip(values, cols)]
    md_rows = []
    for i, r in enumerate(rows):
        md_rows.append([r['name']] + [
            mark(format_value(values[c][i], fmt), marks[c][i])
            for c, (_, _, fmt, _) in enumerate(cols)])
    header = ['method'] + [title for _, title, _, _ in cols]
    csv_rows = [[r['name']] + [values[c][i] for c in range(len(cols))] +
                [r['config'], r['sha256'] or '', r['command']] for i, r in enumerate(rows)]
    return (md_table(header, md_rows),
            csv_text(header + ['config', 'checkpoint sha256', 'command'], csv_rows))


def scenario_table(stage: str, rows: List[dict]) -> Tuple[str, str]:
    """Rows = methods, columns = scenarios, one headline metric (empty when no row has a
    breakdown)."""
    key = SCENARIO_KEY[stage]
    scenarios = sorted({k.split('/')[1] for r in rows for k in r['metrics']
                        if k.startswith('scenario/') and k.endswith('/' + key)})
    if not scenarios:
        return '', ''
    rows = [r for r in rows if any(k.startswith('scenario/') for k in r['metrics'])]
    values = [[_finite(r['metrics'].get(f'scenario/{s}/{key}')) for r in rows]
              for s in scenarios]
    marks = [ranks(v, 'high') for v in values]
    md_rows = [[r['name']] + [mark(format_value(values[c][i], 'pct'), marks[c][i])
                              for c in range(len(scenarios))] for i, r in enumerate(rows)]
    header = ['method'] + scenarios
    csv_rows = [[r['name']] + [values[c][i] for c in range(len(scenarios))]
                for i, r in enumerate(rows)]
    return md_table(header, md_rows), csv_text(header, csv_rows)


def build_report(spec: Config, cache_dir: str, may_run: bool,
                 run_names: Optional[Sequence[str]] = None
                 ) -> Tuple[List[dict], List[Tuple[str, str]]]:
    """Table rows of every list row with a result, and ``(name, reason)`` of the rest."""
    table_rows, not_run = [], []
    rows = list(spec.rows)
    for i, row in enumerate(rows, 1):
        allowed = may_run and (run_names is None or row['name'] in run_names)
        print(f"[{i}/{len(rows)}] {row['name']} ({row['kind']})", flush=True)
        if row['kind'] in ('test', 'readout'):
            data, reason = load_test_row(row, cache_dir, allowed)
        else:
            data, reason = load_json_row(row, allowed)
        if data is None:
            print(f"  not run: {reason}", flush=True)
            not_run.append((row['name'], reason))
        else:
            table_rows.extend(expand(row, data))
    return table_rows, not_run


def render(spec: Config, table_rows: List[dict], not_run: List[Tuple[str, str]],
           command: str, csv_dir: str) -> Tuple[str, Dict[str, str]]:
    """The markdown report and ``{csv file name: text}``."""
    split = spec.get('split', 'test')
    parts = [
        '# Results', '',
        f'Every method and baseline on the **{split} split** of benchmark v2 '
        f'(`{spec.get("data_root", "data/synthetic_esd")}`), measured by mmbleed\'s own '
        'metrics (`OnsetMetric`, `PointMetric`, `TrackMetric`). Thresholds and rule '
        'parameters were tuned on the training split only. Shares are in %; the best value '
        'of a column is **bold**, the second <u>underlined</u> (MAE, Err_avg, misses and '
        'false alarms: lower is better; alert delay: closer to zero is better). Source rows '
        'are scored at the true onset frame of every bleeding clip whose source is visible '
        'there (the source stage\'s task); a detector without a box above its threshold '
        'there misses (wrong in every share, left out of Err_avg). Rules are marked '
        '"(rule)".', '',
        'Regenerate with:', '', '```bash', command, '```', '']
    csvs: Dict[str, str] = {}
    for stage in ('onset', 'source', 'track'):
        rows = [r for r in table_rows if r['stage'] == stage]
        if not rows:
            continue
        md, text = stage_table(stage, rows)
        csvs[f'{stage}.csv'] = text
        parts += [f'## {STAGE_TITLES[stage]}', '', md, '']
        md, text = scenario_table(stage, rows)
        if md:
            csvs[f'{stage}_per_scenario.csv'] = text
            parts += [f'### Per scenario: {SCENARIO_KEY[stage]}', '', md, '']
    parts += ['## Rows', '', md_table(
        ['row', 'stage', 'config', 'checkpoint sha256', 'command'],
        [[r['name'], r['stage'], f"`{r['config']}`" if r['config'] else '–',
          (r['sha256'] or '')[:12] or '–', f"`{r['command']}`"] for r in table_rows]), '']
    if not_run:
        parts += ['## Not run', ''] + [f'- {n}: {why}' for n, why in not_run] + ['']
    parts += [f'CSV files: `{csv_dir}/`.', '']
    return '\n'.join(parts), csvs


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--list', default=DEFAULT_LIST, help='the row list (a config file)')
    parser.add_argument('--out-md', default='docs/results.md')
    parser.add_argument('--csv-dir', default='docs/results')
    parser.add_argument('--cache-dir', default='work_dirs/compare')
    parser.add_argument('--collect-only', action='store_true',
                        help='run nothing; rows without a valid result are listed as not run')
    parser.add_argument('--rows', nargs='+', default=None,
                        help='names of the rows that may be (re)run')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # the JSON-writing tools
    try:
        spec = Config.fromfile(args.list)
        table_rows, not_run = build_report(spec, args.cache_dir, not args.collect_only,
                                           args.rows)
    except (OSError, ValueError, KeyError, RuntimeError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    command = ' '.join(['python', TOOL] + [shlex.quote(a) for a in argv])
    report, csvs = render(spec, table_rows, not_run, command, args.csv_dir)
    write_atomically(args.out_md, report)
    for name, text in csvs.items():
        write_atomically(osp.join(args.csv_dir, name), text)
    print(f'wrote {args.out_md} and {len(csvs)} CSV files in {args.csv_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
