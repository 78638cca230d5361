# Copyright (c) mmbleed contributors. All rights reserved.
"""Generate the synthetic ESD dataset in the raw layout of ``docs/data_format.md``.

Two roots are written, ``<out>/detection/`` (150-frame clips with the onset drawn per clip
from frames 45-120 by default, plus clips without bleeding) and ``<out>/tracking/`` (clips
starting at the onset, annotated every 30 frames and on the last frame, with hide events and
camera excursions). Each clip is written atomically (temporary file, then ``os.replace``) and
``clips.csv`` last. Every clip draws from its own seed derived from the global seed, so the
output is the same for a seed whatever the number of worker processes.
"""
import io
import json
import os
import os.path as osp
import sys
import time
import zipfile
from multiprocessing import get_context
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from ..raw_layout import (atomic_write_bytes, claim_output_root,
                          convert_raw_layout, labelme_point_file, mmbleed_to_labelme,
                          split_patients, write_clips_csv)
from .camera import Excursion
from .clip import ClipSpec, render_clip
from .presets import DATASET_PRESETS, SPLITS
from .scenarios import HIDE_CAUSES, SCENARIOS, HideEvent, balanced_scenarios, scenarios_to_str
from .tissue import SITE_PRESETS

FPS = 30.0
_ROOT_ID = {'detection': 1, 'tracking': 2}


def npz_bytes(arrays: Dict[str, np.ndarray]) -> bytes:
    """A ``.npz`` (deflated) with fixed zip timestamps, so the bytes depend on the arrays only."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_DEFLATED) as zf:
        for name, arr in arrays.items():
            info = zipfile.ZipInfo(f'{name}.npy', date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            arr_buf = io.BytesIO()
            np.lib.format.write_array(arr_buf, np.ascontiguousarray(arr), allow_pickle=False)
            zf.writestr(info, arr_buf.getvalue())
    return buf.getvalue()


def labelme_dict(frame: int, point: Tuple[float, float], visible: bool, width: int,
                 height: int, clip: str) -> dict:
    """One LabelMe file holding the bleeding-source point (``occluded`` flag when hidden).

    ``point`` is in mmbleed pixels (dense_gt ``source_xy``); the file holds it in LabelMe's
    convention, ``point + 0.5`` (docs/data_format.md §1), which the converter undoes. A
    source outside the frame (a camera excursion) has no point an annotator could click: the
    file then holds no ``bleeding_source`` shape, as for a hidden source without a point.
    """
    lx, ly = mmbleed_to_labelme(*point)
    inside = 0 <= lx <= width and 0 <= ly <= height
    return labelme_point_file((lx, ly) if inside else None, not visible, width, height,
                              image_path=f'{clip}/{frame:06d}.png', decimals=4)


def write_clip(root: str, spec: ClipSpec) -> Dict[str, object]:
    """Render ``spec`` and write its video, dense ground truth and LabelMe files under ``root``.

    Returns:
        dict: the clip's ``clips.csv`` row (without ``split``) and its frame count.
    """
    vdir = osp.join(root, 'videos', spec.patient)
    gdir = osp.join(root, 'dense_gt', spec.patient)
    ldir = osp.join(root, 'labelme', spec.patient, spec.clip)
    for d in (vdir, gdir, ldir):
        os.makedirs(d, exist_ok=True)
    video = osp.join(vdir, f'{spec.clip}.mp4')
    tmp_video = osp.join(vdir, f'.{spec.clip}.tmp.mp4')
    writer = cv2.VideoWriter(tmp_video, cv2.VideoWriter_fourcc(*'mp4v'), FPS,
                             (spec.width, spec.height))
    if not writer.isOpened():
        raise RuntimeError(f'cv2.VideoWriter cannot open {tmp_video} (mp4v)')
    try:
        gt = render_clip(spec, lambda t, f: writer.write(f))
    finally:
        writer.release()
    os.replace(tmp_video, video)
    scenarios = gt.pop('scenarios')
    arrays = dict(source_xy=gt['source_xy'].astype(np.float32),
                  source_visible=gt['source_visible'].astype(bool),
                  source_hidden_by=gt['source_hidden_by'].astype(np.uint8),
                  source_region=np.asarray([gt['source_region']]),
                  bleeding=gt['bleeding'].astype(bool),
                  blood_mask=gt['blood_mask'],
                  frame_size=np.int32([spec.width, spec.height]),
                  tracks_xy=gt['tracks_xy'].astype(np.float32),
                  tracks_visible=gt['tracks_visible'].astype(bool),
                  scenario_active=gt['scenario_active'].astype(bool))
    atomic_write_bytes(osp.join(gdir, f'{spec.clip}.npz'), npz_bytes(arrays))
    for t in spec.annotate:
        lm = labelme_dict(t, gt['source_xy'][t], bool(gt['source_visible'][t]), spec.width,
                          spec.height, spec.clip)
        atomic_write_bytes(osp.join(ldir, f'{t:06d}.json'),
                           json.dumps(lm, indent=2).encode('utf-8'))
    return dict(patient=spec.patient, clip=spec.clip, site=spec.site,
                scenarios=scenarios_to_str(scenarios),
                onset_frame='' if spec.onset is None else str(spec.onset))


def _write_job(job: Tuple[str, ClipSpec]) -> Dict[str, object]:
    cv2.setNumThreads(1)
    return write_clip(*job)


def _ints(value, name: str, lengths: Sequence[int]) -> Tuple[int, ...]:
    """``value`` as a tuple of ints: one int (repeated to ``lengths[-1]``) or a sequence of
    one of ``lengths``; anything else is a ``ValueError`` naming ``name``."""
    def is_int(v) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

    if is_int(value):
        return (int(value), ) * lengths[-1]
    if isinstance(value, (list, tuple, np.ndarray)) and len(value) in lengths \
            and all(is_int(v) for v in value):
        return tuple(int(v) for v in value) * (lengths[-1] // len(value))
    counts = ' or '.join(str(n) for n in sorted(set(lengths) | {1}))
    raise ValueError(f'{name} must be {counts} integers, got {value!r}')


def _split_counts(value, name: str) -> Tuple[int, int, int]:
    """``(train, val, test)`` from a per-split tuple, or an int meaning the same for each."""
    value = _ints(value, f'{name} (train, val, test)', (3, ))
    if min(value) < 0:
        raise ValueError(f'{name} must be >= 0, got {value}')
    return value


def _check_args(n_pat: int, n_pos, n_neg, n_trk, T_det: int, onset_range: Tuple[int, int],
                lo: int, hi: int, n_tracks: int, every: int,
                scenarios: Optional[Sequence[str]]) -> None:
    """Reject arguments that cannot give a valid dataset, before anything is rendered."""
    if n_pat < 3:
        raise ValueError(
            f'num_patients must be at least 3, got {n_pat}: splits are by patient (4:1:1) '
            'and val and test need one patient each')
    if n_tracks < 0:
        raise ValueError(f'num_tracks must be >= 0, got {n_tracks}')
    if sum(n_pos) + sum(n_neg) + sum(n_trk) == 0:
        raise ValueError('det_positive, det_negative and track_clips are all 0: no clips')
    if T_det < 1:
        raise ValueError(f'det_frames must be >= 1, got {T_det}')
    o_lo, o_hi = onset_range
    if sum(n_pos) > 0 and not 0 <= o_lo <= o_hi < T_det:
        raise ValueError(f'onset_range (MIN, MAX) = ({o_lo}, {o_hi}) must lie inside the '
                         f'{T_det}-frame detection clip: 0 <= MIN <= MAX <= {T_det - 1}')
    if lo < 1 or lo > hi:
        raise ValueError(f'track_frames (MIN, MAX) = ({lo}, {hi}) must satisfy '
                         '1 <= MIN <= MAX')
    if every < 1:
        raise ValueError(f'track_annotate_every must be >= 1, got {every}')
    if scenarios is not None:
        unknown = [s for s in scenarios if s not in SCENARIOS]
        if unknown:
            raise ValueError(f'unknown scenarios {unknown}; choose from {list(SCENARIOS)}')


def stratified_onsets(rng: np.random.Generator, n: int, lo: int, hi: int) -> List[int]:
    """``n`` onset frames, each uniform over ``[lo, hi]``, stratified so that together they
    cover the range evenly (one draw per ``1/n`` of it, in random order)."""
    u = (rng.permutation(n) + rng.uniform(0, 1, n)) / max(n, 1)
    return [int(lo + min(np.floor(x * (hi - lo + 1)), hi - lo)) for x in u]


def memory_events(rng: np.random.Generator, T: int, scenarios: Sequence[str]
                  ) -> Tuple[Tuple[HideEvent, ...], Tuple[Excursion, ...]]:
    """Events of a tracking clip that a tracker's memory must bridge.

    A clip of 60 frames or more with 'water flushing', 'instrument interference' or
    'obscured view' gets one hide event per 150 frames (at least one) of a matching cause,
    10-60 frames long, each followed by at least 12 frames without one. A clip of 90 frames
    or more gets, with probability 0.8 when it has 'camera jitter' and 0.35 otherwise, a
    camera excursion of 20-80 frames that takes the source to the edge of the view
    (0.8-0.95 radii) or out of it (1.05-1.3 radii) and back.
    """
    causes = [c for c, s in HIDE_CAUSES.items() if s in scenarios]
    hides: List[HideEvent] = []
    if causes and T >= 60:
        n = max(1, T // 150)
        slot = (T - 20) // n
        for i in range(n):
            length = int(rng.integers(10, min(61, slot - 12)))
            a = 8 + i * slot + int(rng.integers(0, max(1, slot - length - 12)))
            hides.append((str(rng.choice(causes)), a, a + length))
    excursions: List[Excursion] = []
    if T >= 90 and rng.random() < (0.8 if 'camera jitter' in scenarios else 0.35):
        length = int(rng.integers(20, min(81, T - 20)))
        a = int(rng.integers(5, T - length - 5))
        depth = float(rng.uniform(0.8, 0.95) if rng.random() < 0.5 else rng.uniform(1.05, 1.3))
        excursions.append((a, a + length, depth))
    return tuple(hides), tuple(excursions)


def plan_clips(preset: str = 'small', seed: int = 0, num_patients: Optional[int] = None,
               det_positive=None, det_negative=None, track_clips=None,
               det_frames: Optional[int] = None,
               onset_range: Optional[Union[int, Tuple[int, int]]] = None,
               track_frames: Optional[Tuple[int, int]] = None,
               num_tracks: Optional[int] = None, sites: Optional[Sequence[str]] = None,
               scenarios: Optional[Sequence[str]] = None,
               track_annotate_every: Optional[int] = None
               ) -> Tuple[Dict[str, List[ClipSpec]], Dict[str, str]]:
    """Decide every clip (no rendering): ``({'detection': [...], 'tracking': [...]}, splits)``.

    Arguments left None take the preset's value (``presets.DATASET_PRESETS``). Clip counts
    (``det_positive``, ``det_negative``, ``track_clips``) are totals per split, ``(train,
    val, test)`` or one int for each split, dealt round-robin to the split's patients.

    Within each split and root: every scenario is the main scenario of an equal share of the
    clips (``scenarios.balanced_scenarios``), onsets cover ``onset_range`` evenly
    (:func:`stratified_onsets`), and sites are spread evenly over the split's patients.
    Tracking clips get hide events and camera excursions (:func:`memory_events`).

    Raises:
        ValueError: an argument that cannot give a valid dataset (checked before anything
            is rendered or written): fewer than 3 patients (val and test need one each),
            the onset range outside the detection clip, tracking lengths MIN > MAX or < 1,
            ``track_annotate_every`` < 1, counts that are negative or not integers, unknown
            sites or scenarios.
    """
    if preset not in DATASET_PRESETS:
        raise KeyError(f'unknown preset {preset!r}; choose from {sorted(DATASET_PRESETS)}')
    p = DATASET_PRESETS[preset]
    n_pat = p.num_patients if num_patients is None else num_patients
    n_pos = _split_counts(p.det_positive if det_positive is None else det_positive,
                          'det_positive')
    n_neg = _split_counts(p.det_negative if det_negative is None else det_negative,
                          'det_negative')
    n_trk = _split_counts(p.track_clips if track_clips is None else track_clips, 'track_clips')
    T_det = p.det_frames if det_frames is None else det_frames
    o_range = _ints(p.onset_range if onset_range is None else onset_range,
                    'onset_range (MIN, MAX)', (1, 2))
    lo, hi = _ints(p.track_frames if track_frames is None else track_frames,
                   'track_frames (MIN, MAX)', (2, ))
    n_tracks = p.num_tracks if num_tracks is None else num_tracks
    every = p.track_annotate_every if track_annotate_every is None else track_annotate_every
    _check_args(n_pat, n_pos, n_neg, n_trk, T_det, o_range, lo, hi, n_tracks, every, scenarios)
    site_names = list(sites) if sites else list(SITE_PRESETS)
    unknown = set(site_names) - set(SITE_PRESETS)
    if unknown:
        raise ValueError(f'unknown sites {sorted(unknown)}; choose from {list(SITE_PRESETS)}')
    split_of = split_patients(n_pat, seed)
    patients = [f'P{i:03d}' for i in range(n_pat)]
    rng = np.random.default_rng([seed, 11])
    members_of = {split: [pat for pat, s in zip(patients, split_of) if s == split]
                  for split in SPLITS}
    site_of: Dict[str, str] = {}
    for split in SPLITS:
        cycle: List[str] = []
        for pat in members_of[split]:
            if not cycle:
                cycle = [site_names[int(k)] for k in rng.permutation(len(site_names))]
            site_of[pat] = cycle.pop()
    common = dict(width=p.width, height=p.height, num_tracks=n_tracks)
    # (patient, kind, split-level choices) per clip, then numbered in patient order
    det_rows: List[Tuple[str, Optional[int], Tuple[str, ...]]] = []
    trk_rows: List[Tuple[str, Tuple[str, ...]]] = []
    for i, split in enumerate(SPLITS):
        members = members_of[split]
        r = np.random.default_rng([seed, 13, i])
        onsets = stratified_onsets(r, n_pos[i], *o_range)
        kinds = onsets + [None] * n_neg[i]
        scen = ([tuple(scenarios)] * len(kinds) if scenarios is not None
                else balanced_scenarios(r, len(kinds)))
        for k, (onset, sc) in enumerate(zip(kinds, scen)):
            det_rows.append((members[k % len(members)], onset, sc))
        scen = ([tuple(scenarios)] * n_trk[i] if scenarios is not None
                else balanced_scenarios(r, n_trk[i]))
        for k, sc in enumerate(scen):
            trk_rows.append((members[k % len(members)], sc))
    order = {pat: i for i, pat in enumerate(patients)}
    det_rows.sort(key=lambda row: order[row[0]])  # stable: keeps each patient's clip order
    trk_rows.sort(key=lambda row: order[row[0]])
    det: List[ClipSpec] = []
    trk: List[ClipSpec] = []
    for k, (pat, onset, sc) in enumerate(det_rows):
        ann = list(range(onset, T_det, 10)) if onset is not None else []
        det.append(ClipSpec(pat, f'D{k:03d}', site_of[pat], T_det, onset,
                            (seed, _ROOT_ID['detection'], k), annotate=ann, scenarios=sc,
                            **common))
    for k, (pat, sc) in enumerate(trk_rows):
        r = np.random.default_rng([seed, _ROOT_ID['tracking'], k, 1])
        T = int(r.integers(lo, hi + 1))
        ann = sorted(set(range(0, T, every)) | {T - 1})
        hides, excursions = memory_events(r, T, sc)
        trk.append(ClipSpec(pat, f'T{k:03d}', site_of[pat], T, 0,
                            (seed, _ROOT_ID['tracking'], k), annotate=ann, scenarios=sc,
                            hide_events=hides, excursions=excursions, **common))
    return dict(detection=det, tracking=trk), dict(zip(patients, split_of))


#: bumped when files written by an older generator must be regenerated (2: LabelMe points
#: in LabelMe's pixel convention, mmbleed's + 0.5; 3: benchmark v2 — onsets drawn per clip,
#: per-split counts, hide events, blood masks)
FORMAT_VERSION = 3
MARKER = 'synthetic_esd.json'


def _claim_output_dir(out_dir: str, preset: str, seed: int) -> None:
    """Refuse a folder holding a raw layout this generator did not write; mark ours.

    Expert annotations are never overwritten: ``<out_dir>/detection`` or ``/tracking`` that
    exist, are not empty and carry no ``synthetic_esd.json`` marker stop the generator
    (``raw_layout.claim_output_root``).
    """
    claim_output_root(out_dir, ('detection', 'tracking'), MARKER,
                      dict(generator='mmbleed synthetic ESD', preset=preset, seed=seed,
                           format_version=FORMAT_VERSION),
                      who='the synthetic ESD generator')


def _write_csv(root: str, rows: List[Dict[str, object]], splits: Dict[str, str]) -> None:
    write_clips_csv(root, [[r['patient'], r['clip'], splits[r['patient']], r['site'],
                            r['scenarios'], r['onset_frame']] for r in rows])


def generate_synthetic_esd(out_dir: str, preset: str = 'small', seed: int = 0,
                           num_patients: Optional[int] = None,
                           det_positive=None, det_negative=None, track_clips=None,
                           det_frames: Optional[int] = None,
                           onset_range: Optional[Union[int, Tuple[int, int]]] = None,
                           track_frames: Optional[Tuple[int, int]] = None,
                           num_tracks: Optional[int] = None,
                           sites: Optional[Sequence[str]] = None,
                           scenarios: Optional[Sequence[str]] = None,
                           track_annotate_every: Optional[int] = None,
                           num_workers: int = 0, convert: bool = True,
                           progress: bool = True) -> dict:
    """Write the synthetic ESD dataset's two raw roots, ``<out_dir>/{detection,tracking}``.

    Args:
        out_dir: output folder.
        preset: ``'small'`` (320x272, CPU), ``'paper_780x670'`` or ``'paper_1240x1080'``.
        seed: global seed; the same seed gives the same arrays, LabelMe files and CSVs.
        num_patients, det_positive, det_negative, track_clips, det_frames, onset_range,
            track_frames, num_tracks, track_annotate_every: override the preset
            (``presets.DatasetPreset``; counts are per split, see :func:`plan_clips`).
        sites: restrict the site presets patients are drawn from.
        scenarios: force these scenarios in every clip (default: balanced per split).
        num_workers: worker processes over clips (0 = in this process).
        convert: run ``mmbleed.datasets.raw_layout.convert_raw_layout`` on both roots.
        progress: show a progress bar over clips.

    Returns:
        dict: ``detection`` / ``tracking`` (root paths), ``num_clips``, ``num_frames``,
        ``seconds``, ``splits`` (patient -> split) and ``converted`` (converter results).

    Raises:
        FileExistsError: ``out_dir`` holds a raw layout the generator did not write.
        ValueError: arguments that cannot give a valid dataset (see :func:`plan_clips`);
            raised before anything is rendered or written.
        RawLayoutError: a file cannot be written, or the converter rejects the result.
    """
    t0 = time.time()
    plans, splits = plan_clips(preset, seed, num_patients, det_positive, det_negative,
                               track_clips, det_frames, onset_range, track_frames, num_tracks,
                               sites, scenarios, track_annotate_every)
    jobs = [(osp.join(out_dir, kind), spec) for kind in ('detection', 'tracking')
            for spec in plans[kind]]
    _claim_output_dir(out_dir, preset, seed)
    for kind in plans:
        os.makedirs(osp.join(out_dir, kind), exist_ok=True)
    print_log(f'synthetic ESD ({preset}, seed {seed}): {len(plans["detection"])} detection and '
              f'{len(plans["tracking"])} tracking clips of {len(splits)} patients -> {out_dir}',
              logger='current')
    bar = ProgressBar(len(jobs)) if progress and jobs else None
    rows: List[Dict[str, object]] = []
    if num_workers > 0 and len(jobs) > 1:
        with get_context('spawn').Pool(num_workers) as pool:
            for row in pool.imap(_write_job, jobs):
                rows.append(row)
                if bar:
                    bar.update()
    else:
        for job in jobs:
            rows.append(write_clip(*job))
            if bar:
                bar.update()
    if bar:
        sys.stdout.write('\n')  # ProgressBar leaves the cursor on its line
    result = dict(num_clips=len(jobs), splits=splits, converted={},
                  num_frames=sum(s.num_frames for _, s in jobs))
    for kind in ('detection', 'tracking'):
        root = osp.join(out_dir, kind)
        _write_csv(root, [r for (rt, _), r in zip(jobs, rows) if rt == root], splits)
        result[kind] = root
    if convert:
        for kind in ('detection', 'tracking'):
            if not any(rt == result[kind] for rt, _ in jobs):
                # e.g. --track-clips 0: the empty root keeps its clips.csv header only
                print_log(f'{kind}: no clips, nothing to convert', logger='current')
                continue
            result['converted'][kind] = convert_raw_layout(result[kind])
    result['seconds'] = time.time() - t0
    print_log(f'synthetic ESD written in {result["seconds"]:.1f} s ({result["num_frames"]} '
              'frames)', logger='current')
    return result
