# Copyright (c) mmbleed contributors. All rights reserved.
"""Shortcut rules for the bleeding benchmark: hand-crafted baselines a model must beat.

Each stage of the benchmark (docs/data_format.md; DESIGN.md §1) gets rules that use no
learning, run on the evaluated split (``--split``, default ``test``) with every threshold
tuned on the tuning split (``--tune-split``, default ``train``; never the test split nor the
evaluated split), and
are scored by the project's own pure metric functions (:mod:`mmbleed.evaluation.functional`)
so the numbers mean what the model metrics mean:

- **onset** (detection clips; ``onset_accuracy``): a constant frame (the median onset of the
  tuning split's bleeding clips), frame difference in RGB and in the Red-Mask, first growth
  of the red area, and a UBE-style HSV bleeding-area rule (the share of red, saturated,
  not-specular pixels in the view first exceeds a threshold for m frames).
  Acc@0/1/2/4/8/16, MAE, miss rate, false-alarm rate on clips without bleeding.
- **source** (detection clips; ``error_rates``, ``pck``): frame centre, centre of the
  brightest region, darkest-red blob, Red-Mask argmax. Over the onset frames of bleeding
  clips (the source stage's task, as ``SourceDataset``) and over every visible annotated
  frame. Err<=10/25/50/75/100, Err_avg, PCK@2/5/10%.
- **track** (tracking clips; as ``TrackMetric``): static point, pyramidal Lucas-Kanade, and
  the Red-Mask argmax of every frame (re-detection without tracking). The query is a clip's
  first visible annotation; scored over the annotated, visible frames after it. Err, PCK and
  TAP-Vid delta_avg.

Tuned on the tuning split only: the constant frame (its median onset); the onset thresholds
(frame difference: the threshold; red-area growth: τ, W, m, δ; HSV bleeding area: the HSV
range among ``HSV_RANGES``, m and the share) for the best Acc@k there
(``--tune-k``, default 8; ties: fewer false alarms on its clips without bleeding); the
brightest-region percentile and the darkest-red blob's red level for the best PCK@5% over its
onset frames. Fixed: the view threshold, the Red-Mask argmax's σ = 2 px in frame pixels
(close to, not the same as, ``RedMaskLocalizer``'s σ = 2 px in model-input pixels, about
2.5 px on a 320×272 frame) and the Lucas-Kanade parameters (OpenCV's usual ones).

Bars printed next to the numbers (the benchmark is only worth learning if they hold):
constant onset Acc@4 <= 15 %, every source rule PCK@5% <= 30 % (onset frames), static point
PCK@5% <= 40 % on tracking.

``root`` is either a dataset root holding ``detection/`` and ``tracking/`` raw roots (all
three stages) or one raw root (``--stages`` picks which; default onset and source, i.e. a
detection root). Clips and points come from the converter's ``annotations/<split>.json``
(run ``tools/dataset_converters/raw_to_mmbleed.py <raw root>`` first; points in mmbleed
pixels) and frames from :class:`mmbleed.datasets.ClipReader`; each clip is decoded once and
every rule's per-frame signals are computed in that one pass.

Example::

    python tools/analysis_tools/hand_crafted_baselines.py data/synthetic_esd \\
        --split test --tune-split train --out-md docs/shortcut_baselines.md \\
        --out-json work_dirs/shortcut_baselines.json
    python tools/analysis_tools/hand_crafted_baselines.py data/synthetic_esd/detection
"""
import argparse
import json
import math
import os
import os.path as osp
import shlex
import sys
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

# Run the mmbleed of this checkout rather than an older installed copy (as
# dist_train.sh does with PYTHONPATH); the copy `mim` runs has no checkout around it.
sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '../..')))

from mmbleed.datasets import ClipReader  # noqa: E402
from mmbleed.evaluation import TrackMetric  # noqa: E402
from mmbleed.evaluation.functional import error_rates, onset_accuracy, pck  # noqa: E402
from mmbleed.models.trackers import PyramidalLKTracker  # noqa: E402
from mmbleed.utils.red_mask import red_mask_map  # noqa: E402

Point = Tuple[float, float]

TOOL = 'tools/analysis_tools/hand_crafted_baselines.py'
STAGES = ('onset', 'source', 'track')
DEFAULT_MD = 'docs/shortcut_baselines.md'

#: a pixel is inside the endoscope's round view when its brightest channel exceeds this
VIEW_THR = 16
#: onset: Red-Mask levels tau whose pixel share is tracked per frame (red-area growth)
RED_TAUS = (0.1, 0.2, 0.3)
#: onset: red-area growth baseline windows W and run lengths m tried on the tuning split
GROWTH_WINDOWS = (5, 15, 30)
GROWTH_RUNS = (1, 3, 5)
#: onset: UBE-style HSV bleeding-pixel ranges tried on the tuning split, as
#: (h_hi, s_lo, v_lo, v_hi) in OpenCV units (H in [0, 180)): hue within h_hi of red,
#: saturation >= s_lo, value in [v_lo, v_hi] (no specular highlights, no dark border)
HSV_RANGES = ((8, 120, 40, 220), (8, 170, 40, 220), (14, 120, 40, 220), (14, 170, 40, 220))
HSV_RUNS = (1, 3, 5)
#: onset: quantiles of a score over the tuning clips that are tried as thresholds
THR_QUANTILES = np.linspace(0.0, 1.0, 201)
#: source: variants tried on the tuning split (the best PCK@5% on its onset frames wins)
BRIGHT_PERCENTILES = (98.0, 99.0, 99.5, 99.9)
DARK_RED_THRS = (0.1, 0.2, 0.3, 0.4)
#: source: Gaussian sigma of the Red-Mask before the argmax, in frame pixels (close to, not
#: the same as, RedMaskLocalizer's 2 px in model-input pixels, ~2.5 px on a 320x272 frame)
RED_ARGMAX_SIGMA = 2.0

#: bars a shortcut rule must stay under: (stage, rule or '*', point set, metric, limit)
BARS = (
    ('onset', 'constant (train median)', None, 'Acc@4', 0.15),
    ('source', '*', 'onset frames', 'PCK@5%', 0.30),
    ('track', 'static point', None, 'PCK@5%', 0.40),
)

ONSET_RULES = ('constant (train median)', 'frame difference (RGB)',
               'frame difference (Red-Mask)', 'red-area growth',
               'HSV bleeding area (UBE-style)')
SOURCE_RULES = ('frame centre', 'brightest region', 'darkest-red blob', 'Red-Mask argmax')
TRACK_RULES = ('static point', 'pyramidal Lucas-Kanade', 'Red-Mask argmax per frame')
POINT_SETS = ('onset frames', 'all visible')


# --------------------------------------------------------------------------- reading data
def load_clips(root: str, split: str) -> List[dict]:
    """The ``data_list`` of the converter's ``<root>/annotations/<split>.json``."""
    path = osp.join(root, 'annotations', f'{split}.json')
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path}: annotation file not found; run '
            f'tools/dataset_converters/raw_to_mmbleed.py {root} first')
    with open(path, encoding='utf-8') as f:
        try:
            clips = json.load(f)['data_list']
        except (ValueError, KeyError, TypeError):
            raise ValueError(f'{path}: not an annotation file (MMEngine BaseDataset JSON '
                             'with a data_list)') from None
    for i, clip in enumerate(clips):
        for key in ('clip_id', 'num_frames', 'height', 'width'):
            if key not in clip:
                raise ValueError(f"{path}: clip {clip.get('clip_id', i)!r} has no {key!r}")
        if clip.get('video') is None and clip.get('frame_dir') is None:
            raise ValueError(f"{path}: clip {clip['clip_id']!r} has neither 'video' nor "
                             "'frame_dir'")
    return clips


def read_frames(reader: ClipReader,
                indices: Optional[Iterable[int]] = None) -> Iterator[Tuple[int, np.ndarray]]:
    """``(t, frame)`` of a clip's frames ``indices`` (default: all), in increasing order,
    decoded one at a time."""
    indices = range(len(reader)) if indices is None else sorted(set(indices))
    for t in indices:
        yield t, reader.get(t)


def visible_points(clip: dict) -> Dict[int, Point]:
    """``{frame: (x, y)}`` of a clip's annotated frames whose source is visible."""
    return {int(a['frame']): tuple(a['point']) for a in clip.get('annotations') or []
            if a.get('point') is not None and a.get('visible', True)}


def clip_size(clip: dict) -> Tuple[int, int]:
    """``(w, h)`` of a clip's frames."""
    return int(clip['width']), int(clip['height'])


# --------------------------------------------------------------------------- source rules
def max_channel(frame: np.ndarray) -> np.ndarray:
    """``(H, W)`` brightest channel of an ``(H, W, 3)`` frame (HSV value), via OpenCV
    (NumPy's ``max(axis=2)`` is ten times slower)."""
    b, g, r = cv2.split(frame)
    return cv2.max(cv2.max(b, g), r)


def view_mask(frame: np.ndarray, thr: int = VIEW_THR) -> np.ndarray:
    """``(H, W)`` bool: pixels inside the endoscope's round view, i.e. whose brightest
    channel exceeds ``thr`` (the black surround of the field stop is left out; dark red
    blood stays in, as its red channel is bright enough)."""
    return max_channel(frame) > thr


def frame_centre(shape: Sequence[int]) -> Point:
    """Frame centre rule: ``((w - 1) / 2, (h - 1) / 2)`` of an ``(h, w, ...)`` shape, in
    mmbleed pixels (pixel centres at integers)."""
    h, w = shape[:2]
    return (w - 1) / 2.0, (h - 1) / 2.0


def brightest_region_centroid(frame: np.ndarray, percentile: float = 99.0,
                              thr: int = VIEW_THR) -> Point:
    """Centre of the brightest region rule (specular highlight / water glare shortcut).

    The grayscale (BGR→gray) pixels inside the view (:func:`view_mask`) at or above the
    view's ``percentile``-th grey level are split into 8-connected components; the point is
    the centroid of the largest one (most pixels). An empty view gives the frame centre.
    """
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    view = view_mask(frame, thr)
    if not view.any():
        return frame_centre(frame.shape)
    level = np.percentile(gray[view], percentile)
    mask = ((gray >= level) & view).astype(np.uint8)
    n, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n < 2:
        return frame_centre(frame.shape)
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return float(centroids[best, 0]), float(centroids[best, 1])


def darkest_red_blob_centroid(frame: np.ndarray, red_thr: float = 0.2, blur: int = 5,
                              min_area_frac: float = 5e-4) -> Point:
    """Darkest-red blob rule (fresh blood pools are red and dark).

    The frame is blurred lightly (``blur``×``blur`` Gaussian); its Red-Mask
    (:func:`red_mask_map`) above ``red_thr`` is split into 8-connected components of at
    least ``max(4, min_area_frac · H · W)`` pixels; the point is the centroid of the
    component with the lowest mean value (HSV V = brightest channel of the blurred frame;
    ties: the larger component). No such component gives the frame centre.
    """
    blurred = cv2.GaussianBlur(frame, (blur, blur), 0) if blur > 1 else frame
    mask = (red_mask_map(blurred) > red_thr).astype(np.uint8)
    n, labels, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    areas = stats[:, cv2.CC_STAT_AREA]
    min_area = max(4.0, min_area_frac * mask.size)
    keep = np.nonzero(areas[1:] >= min_area)[0] + 1
    if not len(keep):
        return frame_centre(frame.shape)
    value = max_channel(blurred).astype(np.float64)
    mean_v = np.bincount(labels.ravel(), weights=value.ravel(), minlength=n) / \
        np.maximum(areas, 1)
    best = keep[np.lexsort((-areas[keep], mean_v[keep]))[0]]
    return float(centroids[best, 0]), float(centroids[best, 1])


def red_mask_argmax(frame: np.ndarray, sigma: float = RED_ARGMAX_SIGMA) -> Point:
    """Red-Mask argmax rule: the pixel of the largest :func:`red_mask_map` value after a
    Gaussian of ``sigma`` frame pixels (kernel radius ``round(3σ)``, replicated border),
    like ``RedMaskLocalizer`` but in frame rather than model-input pixels; first pixel in
    raster order on ties."""
    red = red_mask_map(frame)
    if sigma > 0:
        k = 2 * max(1, int(3 * sigma + 0.5)) + 1
        red = cv2.GaussianBlur(red, (k, k), sigma, borderType=cv2.BORDER_REPLICATE)
    y, x = np.unravel_index(int(np.argmax(red)), red.shape)
    return float(x), float(y)


#: source rules' variants, ``{rule: {variant: keyword arguments}}``; the tuning split picks one
SOURCE_VARIANTS = {
    'frame centre': {'': {}},
    'brightest region': {f'percentile={p:g}': dict(percentile=p) for p in BRIGHT_PERCENTILES},
    'darkest-red blob': {f'red>{t:g}': dict(red_thr=t) for t in DARK_RED_THRS},
    'Red-Mask argmax': {f'sigma={RED_ARGMAX_SIGMA:g}': dict(sigma=RED_ARGMAX_SIGMA)},
}


def source_candidates(frame: np.ndarray) -> Dict[str, Dict[str, Point]]:
    """Every source rule's point on one frame for each of its variants
    (``SOURCE_VARIANTS``): ``{rule: {variant: (x, y)}}``."""
    fns = {'frame centre': lambda f: frame_centre(f.shape),
           'brightest region': brightest_region_centroid,
           'darkest-red blob': darkest_red_blob_centroid,
           'Red-Mask argmax': red_mask_argmax}
    return {rule: {name: fns[rule](frame, **kwargs) for name, kwargs in variants.items()}
            for rule, variants in SOURCE_VARIANTS.items()}


# --------------------------------------------------------------------------- onset rules
def red_area_share(red: np.ndarray, view: np.ndarray, tau: float) -> float:
    """Share of the view's pixels whose Red-Mask value exceeds ``tau``."""
    n = int(np.count_nonzero(view))
    return float(np.count_nonzero((red > tau) & view)) / n if n else 0.0


def hsv_key(hsv_range: Sequence[int]) -> str:
    """The signal name of one HSV range (:data:`HSV_RANGES`)."""
    return 'hsv<={}/s>={}/v{}-{}'.format(*hsv_range)


def hsv_bleeding_share(frame: np.ndarray, view: np.ndarray, h_hi: int, s_lo: int,
                       v_lo: int, v_hi: int, hsv: Optional[np.ndarray] = None) -> float:
    """Share of the view's pixels that a UBE-style rule calls bleeding.

    A pixel bleeds when its OpenCV hue is within ``h_hi`` of red (``H <= h_hi`` or
    ``H >= 180 - h_hi``), its saturation is at least ``s_lo`` and its value lies in
    ``[v_lo, v_hi]`` (specular highlights and the black border are not blood). ``hsv``
    (the frame in OpenCV HSV) may be given to share one conversion between ranges.
    """
    if hsv is None:
        hsv = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    bleeding = (((h <= h_hi) | (h >= 180 - h_hi)) & (s >= s_lo) & (v >= v_lo) &
                (v <= v_hi) & view)
    n = int(np.count_nonzero(view))
    return float(np.count_nonzero(bleeding)) / n if n else 0.0


def run_min_score(share: np.ndarray, run: int) -> np.ndarray:
    """``s[t] = min(share[t .. t+m-1])`` for ``m = run``: a first-exceeding rule on ``s``
    fires at the first frame that starts ``m`` consecutive frames above the threshold;
    ``-inf`` where the run does not fit in the clip."""
    a = np.asarray(share, dtype=np.float64)
    score = np.full(len(a), -np.inf)
    if run >= 1 and len(a) >= run:
        score[:len(a) - run + 1] = np.lib.stride_tricks.sliding_window_view(a, run).min(1)
    return score


def hsv_area_onset(share: np.ndarray, thr: float, run: int = 3) -> Optional[int]:
    """UBE-style onset: the first frame ``t`` whose HSV bleeding-area share
    (:func:`hsv_bleeding_share`) exceeds ``thr`` on ``run`` consecutive frames
    ``t .. t+run-1``; ``None`` when it never does.

    The share is absolute, not a growth over a running baseline: UBE-style
    capsule-endoscopy detectors call each frame bleeding or not from its own share of
    bleeding pixels, and a growth-over-baseline variant would be the red-area growth rule
    again with another pixel test. The price: a red, saturated scene reads as bleeding
    from its first frame, whatever happens later.
    """
    t = int(first_exceeding(run_min_score(share, run), thr)[0])
    return None if t < 0 else t


def first_exceeding(score: np.ndarray, thresholds) -> np.ndarray:
    """For each threshold, the first frame ``t`` with ``score[t] > thr`` (strict), or -1.

    ``score`` may hold ``-inf`` at frames that can never fire. Vectorised over thresholds
    through the running maximum of the score.
    """
    score = np.asarray(score, dtype=np.float64)
    thresholds = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    if not len(score):
        return np.full(len(thresholds), -1)
    idx = np.searchsorted(np.maximum.accumulate(score), thresholds, side='right')
    return np.where(idx < len(score), idx, -1)


def frame_diff_score(diff: np.ndarray) -> np.ndarray:
    """Frame-difference rule score: the mean absolute difference to the previous frame
    (``diff[t]``), ``-inf`` at frame 0 (nothing to compare with)."""
    score = np.asarray(diff, dtype=np.float64).copy()
    if len(score):
        score[0] = -np.inf
    return score


def red_growth_score(area: np.ndarray, window: int, run: int) -> np.ndarray:
    """Red-area growth score: ``s[t] = min_{u = t .. t+m-1} (a[u] - mean(a[u-W .. u-1]))``.

    ``a[t]`` is the per-frame red-area share (:func:`red_area_share`), ``W = window`` the
    running-baseline window (the ``W`` frames before ``u``), ``m = run`` the number of
    consecutive frames the growth must last. ``s[t] = -inf`` where the window or the run
    does not fit in the clip (``t < W`` or ``t > T - m``).
    """
    a = np.asarray(area, dtype=np.float64)
    n = len(a)
    score = np.full(n, -np.inf)
    if n <= window or window < 1 or run < 1:
        return score
    csum = np.concatenate([[0.0], np.cumsum(a)])
    t = np.arange(window, n)
    growth = np.full(n, -np.inf)
    growth[window:] = a[window:] - (csum[t] - csum[t - window]) / window
    if run == 1:
        return growth
    if n >= run:
        score[:n - run + 1] = np.lib.stride_tricks.sliding_window_view(growth, run).min(1)
    return score


def red_growth_onset(area: np.ndarray, delta: float, window: int = 15,
                     run: int = 3) -> Optional[int]:
    """First red-area growth rule: the onset is the first frame ``t`` where the red-area
    share exceeds its running baseline (mean of the ``window`` frames before) by more than
    ``delta`` on ``run`` consecutive frames ``t .. t+run-1`` (:func:`red_growth_score`);
    ``None`` when it never does (no bleeding)."""
    t = int(first_exceeding(red_growth_score(area, window, run), delta)[0])
    return None if t < 0 else t


def constant_onset(onsets: Iterable[Optional[int]]) -> int:
    """Constant-frame rule: the median onset frame of the given (tuning split's) bleeding
    clips, rounded half up; clips without bleeding (``None``) are left out."""
    values = [int(o) for o in onsets if o is not None and int(o) >= 0]
    if not values:
        raise ValueError('no bleeding clip to take the median onset from')
    return int(math.floor(float(np.median(values)) + 0.5))


# --------------------------------------------------------------------------- tracking rules
def lk_params(tracker: PyramidalLKTracker) -> str:
    """The Lucas-Kanade tracker's parameters, for the report."""
    return (f'window {tracker.win_size}, {tracker.max_level} levels, '
            f'forward-backward <= {tracker.fb_thr:g} px (fixed)')


# --------------------------------------------------------------------------- one pass a clip
def scan_detection_clip(frames: Iterable[Tuple[int, np.ndarray]],
                        points: Dict[int, Point]) -> Tuple[Dict[str, np.ndarray], dict]:
    """One pass over a detection clip's ``(t, frame)`` (one frame held at a time).

    Returns:
        ``signals``: per-frame onset signals of the frames given, ``'rgb'`` and
        ``'red mask'`` (mean absolute difference to the previous frame, values in [0, 1],
        ``[0] = 0``) and ``'red>τ'`` (:func:`red_area_share` for each τ of ``RED_TAUS``);
        ``candidates``: ``{frame: source_candidates(frame)}`` for the frames in ``points``.
    """
    sig: Dict[str, List[float]] = {'rgb': [], 'red mask': []}
    sig.update({f'red>{tau:g}': [] for tau in RED_TAUS})
    sig.update({hsv_key(r): [] for r in HSV_RANGES})
    candidates = {}
    prev = None
    for t, frame in frames:
        red = red_mask_map(frame)
        view = view_mask(frame)
        if prev is None:
            sig['rgb'].append(0.0)
            sig['red mask'].append(0.0)
        else:
            sig['rgb'].append(float(cv2.absdiff(frame, prev[0]).mean()) / 255.0)
            sig['red mask'].append(float(cv2.absdiff(red, prev[1]).mean()))
        for tau in RED_TAUS:
            sig[f'red>{tau:g}'].append(red_area_share(red, view, tau))
        hsv = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)
        for r in HSV_RANGES:
            sig[hsv_key(r)].append(hsv_bleeding_share(frame, view, *r, hsv=hsv))
        prev = (frame, red)
        if t in points:
            candidates[t] = source_candidates(frame)
    return {k: np.asarray(v) for k, v in sig.items()}, candidates


def scan_tracking_clip(frames: Iterable[Tuple[int, np.ndarray]], num_frames: int,
                       query_frame: int, query_point: Point,
                       eval_frames: Iterable[int] = (),
                       tracker: Optional[PyramidalLKTracker] = None
                       ) -> Dict[str, np.ndarray]:
    """One pass over a tracking clip from its query frame on: every tracking rule's
    ``(T, 2)`` points (frames before the query hold the query point).

    - ``static point``: the query point in every frame.
    - ``pyramidal Lucas-Kanade``: :class:`mmbleed.models.trackers.PyramidalLKTracker`
      (OpenCV's usual parameters) chained from the query, through its ``init`` / ``step``.
    - ``Red-Mask argmax per frame``: :func:`red_mask_argmax` of each frame in
      ``eval_frames`` (the query point elsewhere; only scored frames matter).
    """
    tracker = tracker or PyramidalLKTracker()
    query = np.asarray(query_point, dtype=np.float64)
    out = {rule: np.tile(query, (num_frames, 1)) for rule in TRACK_RULES}
    eval_frames = set(eval_frames)
    for t, frame in frames:
        if t < query_frame:
            continue
        if t == query_frame:
            tracker.init(frame, query[None])
        else:
            out['pyramidal Lucas-Kanade'][t] = tracker.step(frame).points[0]
        if t in eval_frames:
            out['Red-Mask argmax per frame'][t] = red_mask_argmax(frame)
    return out


def track_record(clip: dict) -> Optional[dict]:
    """A tracking clip's ground truth as ``TrackingDataset`` (``mode='long'``) and
    ``TrackMetric`` see it: the query is the first visible annotation; the evaluated frames
    are the annotated frames after it. ``None`` for a clip without a visible annotation."""
    n = int(clip['num_frames'])
    gt = np.full((n, 2), np.nan)
    visible = np.zeros(n, bool)
    annotated = np.zeros(n, bool)
    for a in clip.get('annotations') or []:
        f = int(a['frame'])
        annotated[f] = True
        if a.get('point') is not None:
            gt[f] = a['point']
            visible[f] = bool(a.get('visible', True))
    vis = np.nonzero(visible & annotated)[0]
    if not len(vis):
        return None
    query = int(vis[0])
    evaluated = annotated & (np.arange(n) > query)
    return dict(clip_id=clip['clip_id'], gt=gt, visible=visible, evaluated=evaluated,
                query_frame=query, query_point=tuple(gt[query]),
                size=np.asarray(clip_size(clip), np.float64))


# --------------------------------------------------------------------------- scoring
def score_points(pred: np.ndarray, gt: np.ndarray, sizes: np.ndarray) -> Dict[str, float]:
    """Err<=d, Err_avg, num_points and PCK of pooled points (as ``PointMetric``)."""
    pred = np.asarray(pred, np.float64).reshape(-1, 2)
    gt = np.asarray(gt, np.float64).reshape(-1, 2)
    sizes = np.asarray(sizes, np.float64).reshape(-1, 2)
    res = error_rates(pred, gt)
    res.update(pck(pred, gt, sizes if len(sizes) else np.ones(2)))
    return res


def score_tracks(records: List[dict], preds: List[np.ndarray]) -> Dict[str, float]:
    """Scores of tracks, computed by ``TrackMetric`` itself: Err and PCK pooled over the
    evaluated, visible frames; TAP-Vid delta per clip (one source track each), then averaged.

    A record's ``evaluated`` frames (annotated, after the query) are handed to the metric as
    its annotated frames; the metric's own "after frame 0" rule then changes nothing, since
    no query frame is ever evaluated.
    """
    metric = TrackMetric(breakdown=())
    metric.process(None, [
        dict(pred_points=p, gt_points=r['gt'], gt_visible=r['visible'],
             annotated=r['evaluated'], ori_shape=(r['size'][1], r['size'][0]))
        for r, p in zip(records, preds)])
    return metric.compute_metrics(metric.results)


# --------------------------------------------------------------------------- tuning
def tune_threshold(pos: List[Tuple[np.ndarray, int]], neg: List[np.ndarray],
                   k: int) -> Optional[dict]:
    """The threshold of a first-exceeding rule with the best Acc@k over the positive
    clips' ``(score, onset)`` (ties: the lower false-alarm rate over ``neg`` scores, then
    the higher threshold). Candidates are quantiles of the positive clips' scores.
    ``None`` when there is nothing to tune on."""
    finite = np.concatenate([s[np.isfinite(s)] for s, _ in pos] + [np.zeros(0)])
    if not len(pos) or not len(finite):
        return None
    cands = np.unique(np.quantile(finite, THR_QUANTILES))
    gt = np.asarray([o for _, o in pos])[None]
    pred = np.stack([first_exceeding(s, cands) for s, _ in pos], axis=1)
    acc = ((pred >= 0) & (np.abs(pred - gt) <= k)).mean(1)
    fa = (np.stack([first_exceeding(s, cands) for s in neg], axis=1) >= 0).mean(1) \
        if neg else np.zeros(len(cands))
    best = int(np.lexsort((-cands, fa, -acc))[0])
    return dict(thr=float(cands[best]), acc=float(acc[best]), fa=float(fa[best]))


def predict_onset(spec: Optional[dict], signals: Dict[str, np.ndarray]) -> Optional[int]:
    """One clip's onset by a tuned onset rule (``spec`` from :func:`onset_rules`; ``None``:
    a rule with nothing to tune on, which never fires)."""
    if spec is None:
        return None
    if spec['kind'] == 'constant':
        return spec['frame']
    if spec['kind'] == 'diff':
        t = int(first_exceeding(frame_diff_score(signals[spec['domain']]), spec['thr'])[0])
        return None if t < 0 else t
    if spec['kind'] == 'hsv':
        return hsv_area_onset(signals[hsv_key(spec['range'])], spec['thr'], spec['run'])
    return red_growth_onset(signals[f"red>{spec['tau']:g}"], spec['thr'], spec['window'],
                            spec['run'])


def onset_rules(tune: List[dict], k: int, tune_split: str = 'train'
                ) -> Dict[str, Tuple[Optional[dict], str]]:
    """Tune every onset rule on the tuning split's scanned detection clips.

    Returns:
        ``{rule: (spec, params)}``: ``spec`` for :func:`predict_onset` (``None`` when there
        is nothing to tune on, e.g. no frame where the rule could fire) and a description
        of the tuned parameters with their Acc@k on the tuning split.
    """
    pos = [c for c in tune if c['onset'] is not None]
    neg = [c for c in tune if c['onset'] is None]
    if not pos:
        raise ValueError(f'no bleeding clip in the {tune_split} split to tune the onset '
                         'rules on')
    const = constant_onset([c['onset'] for c in pos])
    rules = {ONSET_RULES[0]: (dict(kind='constant', frame=const),
                              f'frame {const} (median of {len(pos)} clips)')}
    for rule, dom in zip(ONSET_RULES[1:3], ('rgb', 'red mask')):
        best = tune_threshold([(frame_diff_score(c['signals'][dom]), c['onset']) for c in pos],
                              [frame_diff_score(c['signals'][dom]) for c in neg], k)
        rules[rule] = (None, 'nothing to tune on') if best is None else (
            dict(kind='diff', domain=dom, thr=best['thr']),
            f"diff > {best['thr']:.4g} (Acc@{k} {100 * best['acc']:.1f} %)")
    found = None
    for tau in RED_TAUS:
        key = f'red>{tau:g}'
        for window in GROWTH_WINDOWS:
            for run in GROWTH_RUNS:
                best = tune_threshold(
                    [(red_growth_score(c['signals'][key], window, run), c['onset'])
                     for c in pos],
                    [red_growth_score(c['signals'][key], window, run) for c in neg], k)
                if best is not None and (found is None or (best['acc'], -best['fa']) >
                                         (found['acc'], -found['fa'])):
                    found = dict(best, kind='growth', tau=tau, window=window, run=run)
    rules[ONSET_RULES[3]] = (None, 'nothing to tune on') if found is None else (
        found, f"τ={found['tau']:g}, W={found['window']}, m={found['run']}, "
        f"δ={found['thr']:.4g} (Acc@{k} {100 * found['acc']:.1f} %)")
    found = None
    for hsv_range in HSV_RANGES:
        key = hsv_key(hsv_range)
        for run in HSV_RUNS:
            best = tune_threshold(
                [(run_min_score(c['signals'][key], run), c['onset']) for c in pos],
                [run_min_score(c['signals'][key], run) for c in neg], k)
            if best is not None and (found is None or (best['acc'], -best['fa']) >
                                     (found['acc'], -found['fa'])):
                found = dict(best, kind='hsv', range=hsv_range, run=run)
    rules[ONSET_RULES[4]] = (None, 'nothing to tune on') if found is None else (
        found, 'H≤{0} or ≥{1}, S≥{2}, V {3}-{4}'.format(
            found['range'][0], 180 - found['range'][0], *found['range'][1:]) +
        f", m={found['run']}, share > {found['thr']:.4g} (Acc@{k} "
        f"{100 * found['acc']:.1f} %)")
    return rules


def source_variants(tune_points: List[dict]) -> Dict[str, Tuple[str, str]]:
    """Per source rule, the variant with the best PCK@5% over the tuning split's onset-frame
    points (ties: lower Err_avg, then the first variant of ``SOURCE_VARIANTS``), as
    ``{rule: (variant, description)}``; the first variant when there is nothing to tune on.
    """
    chosen = {}
    gt = np.asarray([p['gt'] for p in tune_points]).reshape(-1, 2)
    sizes = np.asarray([p['size'] for p in tune_points]).reshape(-1, 2)
    for rule, variants in SOURCE_VARIANTS.items():
        names = list(variants)
        if not tune_points:
            chosen[rule] = (names[0], names[0] and f'{names[0]} (default: nothing to tune on)')
            continue
        keys = []
        for v in names:
            s = score_points(np.asarray([p['cands'][rule][v] for p in tune_points]), gt,
                             sizes)
            keys.append((-s['PCK@5%'], s['Err_avg']))
        chosen[rule] = (names[min(range(len(names)), key=keys.__getitem__)], ) * 2
    return chosen


# --------------------------------------------------------------------------- the report
def resolve_roots(root: str, stages: Optional[Sequence[str]]
                  ) -> Tuple[Dict[str, Optional[str]], Tuple[str, ...]]:
    """``({'detection': ..., 'tracking': ...}, stages)`` of a dataset root (holding
    ``detection/`` and/or ``tracking/``) or of one raw root (serving every stage asked;
    default onset and source)."""
    if not osp.isdir(root):
        raise FileNotFoundError(f'{root}: no such directory')
    det, trk = osp.join(root, 'detection'), osp.join(root, 'tracking')
    if osp.isdir(det) or osp.isdir(trk):
        roots = dict(detection=det if osp.isdir(det) else None,
                     tracking=trk if osp.isdir(trk) else None)
        if stages is None:
            stages = [s for s in STAGES
                      if roots['tracking' if s == 'track' else 'detection'] is not None]
    else:
        stages = stages or ('onset', 'source')
        roots = dict(detection=root if set(stages) & {'onset', 'source'} else None,
                     tracking=root if 'track' in stages else None)
    for s in stages:
        kind = 'tracking' if s == 'track' else 'detection'
        if roots[kind] is None:
            raise FileNotFoundError(
                f'{osp.join(root, kind)}: no {kind} raw root for the {s} stage')
    return roots, tuple(s for s in STAGES if s in stages)


def _scan_detection_split(root: str, clips: List[dict], full: bool, bar) -> List[dict]:
    out = []
    for clip in clips:
        onset = clip.get('onset_frame')
        points = visible_points(clip) if onset is not None else {}
        with ClipReader.from_entry(root, clip) as reader:
            signals, cands = scan_detection_clip(
                read_frames(reader, None if full else points), points)
        out.append(dict(clip_id=clip['clip_id'], onset=onset, signals=signals,
                        points=[dict(frame=t, gt=points[t], size=clip_size(clip),
                                     onset=(t == onset), cands=cands[t])
                                for t in sorted(points)]))
        if bar is not None:
            bar.update()
    return out


def shortcut_report(root: str, split: str = 'test', tune_split: str = 'train',
                    stages: Optional[Sequence[str]] = None, k: int = 8,
                    progress: bool = True) -> dict:
    """Run every shortcut rule of ``stages`` on ``split``, tuned on ``tune_split``.

    ``tune_split`` may be neither ``'test'`` nor, when onset or source is run, ``split``
    (ValueError). Detection clips are read only for the onset and source stages.

    Returns:
        dict: ``roots``, ``stages``, ``split``, ``tune_split``, ``tune_k``, ``sizes``
        (``{split: counts}``), per stage ``{rule: metrics + params}`` (``source``:
        ``{point set: {rule: ...}}``) and ``bars`` (list of dicts with ``passed``).
    """
    if tune_split == 'test':
        raise ValueError('thresholds are never tuned on the test split; use --tune-split '
                         'train (or val)')
    roots, stages = resolve_roots(root, stages)
    tuned = bool({'onset', 'source'} & set(stages))  # no tracking rule is tuned
    if tuned and tune_split == split:
        other = 'val' if split == 'train' else 'train'
        raise ValueError(f'thresholds are never tuned on the evaluated split ({split}); '
                         f'use --tune-split {other} or another --split')
    det_root, trk_root = roots['detection'], roots['tracking']
    det = {}
    if tuned:
        for name in dict.fromkeys((tune_split, split)):
            det[name] = load_clips(det_root, name)
    trk_clips = load_clips(trk_root, split) if 'track' in stages else []
    records = [track_record(c) for c in trk_clips]
    total = sum(len(v) for v in det.values()) + sum(r is not None for r in records)
    bar = ProgressBar(total) if progress and total else None
    full = 'onset' in stages
    scans = {name: _scan_detection_split(det_root, clips, full, bar)
             for name, clips in det.items()}

    tracks = []
    for clip, rec in zip(trk_clips, records):
        if rec is None:
            continue
        with ClipReader.from_entry(trk_root, clip) as reader:
            preds = scan_tracking_clip(
                read_frames(reader, range(rec['query_frame'], len(reader))),
                int(clip['num_frames']), rec['query_frame'], rec['query_point'],
                np.nonzero(rec['evaluated'])[0])
        tracks.append((rec, preds))
        if bar is not None:
            bar.update()
    if bar is not None:
        sys.stdout.write('\n')

    res = dict(roots=roots, stages=list(stages), split=split, tune_split=tune_split,
               tune_k=k, sizes={})
    for name, scan in scans.items():
        pts = [p for c in scan for p in c['points']]
        res['sizes'][name] = dict(
            detection_clips=len(scan),
            bleeding_clips=sum(c['onset'] is not None for c in scan),
            negative_clips=sum(c['onset'] is None for c in scan),
            onset_points=sum(p['onset'] for p in pts), visible_points=len(pts))
    if 'track' in stages:
        size = res['sizes'].setdefault(split, {})
        size['tracking_clips'] = len(tracks)
        size['tracking_points'] = int(sum(
            (r['evaluated'] & r['visible']).sum() for r, _ in tracks))
        size['tracking_clips_without_query'] = sum(r is None for r in records)

    if 'onset' in stages:
        rules = onset_rules(scans[tune_split], k, tune_split)
        gts = [c['onset'] for c in scans[split]]
        res['onset'] = {}
        for rule, (spec, params) in rules.items():
            preds = [predict_onset(spec, c['signals']) for c in scans[split]]
            res['onset'][rule] = dict(onset_accuracy(preds, gts), params=params)
    if 'source' in stages:
        chosen = source_variants(
            [p for c in scans[tune_split] for p in c['points'] if p['onset']])
        pts = [p for c in scans[split] for p in c['points']]
        res['source'] = {}
        for point_set in POINT_SETS:
            subset = [p for p in pts if p['onset'] or point_set == 'all visible']
            res['source'][point_set] = {}
            for rule in SOURCE_RULES:
                variant, params = chosen[rule]
                s = score_points(
                    np.asarray([p['cands'][rule][variant] for p in subset]).reshape(-1, 2),
                    np.asarray([p['gt'] for p in subset]).reshape(-1, 2),
                    np.asarray([p['size'] for p in subset]).reshape(-1, 2))
                res['source'][point_set][rule] = dict(s, params=params)
    if 'track' in stages:
        res['track'] = {}
        params = {'static point': '', 'pyramidal Lucas-Kanade': lk_params(PyramidalLKTracker()),
                  'Red-Mask argmax per frame': f'sigma={RED_ARGMAX_SIGMA:g} (fixed)'}
        for rule in TRACK_RULES:
            res['track'][rule] = dict(
                score_tracks([r for r, _ in tracks], [p[rule] for _, p in tracks]),
                params=params[rule])
    res['bars'] = check_bars(res)
    return res


def check_bars(res: dict) -> List[dict]:
    """The bars of ``BARS`` that apply to the stages in ``res``."""
    bars = []
    for stage, rule, point_set, metric, limit in BARS:
        if stage not in res:
            continue
        table = res[stage] if point_set is None else res[stage][point_set]
        for name in (table if rule == '*' else [rule]):
            value = table[name][metric]
            bars.append(dict(stage=stage, rule=name, points=point_set, metric=metric,
                             value=value, limit=limit,
                             passed=None if math.isnan(value) else bool(value <= limit)))
    return bars


def _pct(v) -> str:
    return '–' if v is None or (isinstance(v, float) and math.isnan(v)) else f'{100 * v:.1f}'


def _num(v, fmt='.1f') -> str:
    return '–' if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)


def _table(header: List[str], rows: List[List[str]], text_last: bool = False) -> str:
    """A markdown table: text columns (the first, and the last with ``text_last``) left,
    numbers right."""
    left = {0, len(header) - 1} if text_last else {0}
    lines = ['| ' + ' | '.join(header) + ' |',
             '|' + '|'.join('---' if i in left else '---:' for i in range(len(header))) + '|']
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows]
    return '\n'.join(lines)


def _bar_line(b: dict) -> str:
    status = {True: 'PASS', False: 'FAIL', None: 'n/a'}[b['passed']]
    where = f", {b['points']}" if b['points'] else ''
    return (f"- **{status}** {b['stage']} / {b['rule']}{where}: {b['metric']} = "
            f"{_pct(b['value'])} % (bar ≤ {100 * b['limit']:g} %)")


def format_report(res: dict, command: str, root: str) -> str:
    """The markdown report: command, data root, split sizes, one table per stage, bars."""
    split, tune = res['split'], res['tune_split']
    md = ['# Shortcut baselines', '',
          'Hand-crafted rules a model must beat, made by '
          f'`{TOOL}` (see its docstring for the rules).', '',
          f'- command: `{command}`', f'- data root: `{root}`']
    for kind in ('detection', 'tracking'):
        if res['roots'].get(kind):
            md.append(f'- {kind} root: `{res["roots"][kind]}`')
    if 'onset' in res or 'source' in res:
        md += [f'- evaluated split: **{split}**; every threshold tuned on **{tune}** only '
               f'(never on {split}); onset thresholds maximise Acc@{res["tune_k"]} there.',
               '']
    else:
        md += [f'- evaluated split: **{split}**; nothing tuned (no tracking rule has a '
               'tuned parameter).', '']
    rows = []
    for name, s in res['sizes'].items():
        rows.append([
            name, str(s.get('detection_clips', '–')),
            f"{s['bleeding_clips']} / {s['negative_clips']}" if 'bleeding_clips' in s
            else '–',
            f"{s['onset_points']} / {s['visible_points']}" if 'onset_points' in s else '–',
            str(s.get('tracking_clips', '–')), str(s.get('tracking_points', '–'))])
    md += ['## Split sizes', '', _table(
        ['split', 'detection clips', 'bleeding / negative', 'source points (onset / all '
         'visible)', 'tracking clips', 'tracking points (scored)'], rows), '']
    bars = {s: [b for b in res['bars'] if b['stage'] == s] for s in STAGES}
    pt_cols = ['Err≤10', 'Err≤25', 'Err≤50', 'Err≤75', 'Err≤100', 'Err_avg (px)', 'PCK@2%',
               'PCK@5%', 'PCK@10%']

    def point_cells(m):
        return ([_pct(m[f'Err<={d}']) for d in (10, 25, 50, 75, 100)] +
                [_num(m['Err_avg'])] + [_pct(m[f'PCK@{f}%']) for f in (2, 5, 10)])

    if 'onset' in res:
        s = res['sizes'][split]
        md += [f"## Onset ({split}: {s['bleeding_clips']} bleeding, "
               f"{s['negative_clips']} negative clips)", '',
               'Shares in %; MAE in frames over clips with a prediction; miss: bleeding '
               'clips without a prediction; false alarm: negative clips with one.', '']
        rows = [[rule] + [_pct(m[f'Acc@{kk}']) for kk in (0, 1, 2, 4, 8, 16)] +
                [_num(m['MAE']), _pct(m['miss_rate']), _pct(m['false_alarm_rate']),
                 m['params']] for rule, m in res['onset'].items()]
        md += [_table(['rule', 'Acc@0', 'Acc@1', 'Acc@2', 'Acc@4', 'Acc@8', 'Acc@16',
                       'MAE', 'miss', 'false alarm', f'tuned on {tune}'], rows, True), '']
        md += [_bar_line(b) for b in bars['onset']] + ['']
    if 'source' in res:
        md += [f'## Source ({split})', '',
               'Onset frames: the visible source at the onset of each bleeding clip (the '
               'source stage\'s task); all visible: every visible annotated frame. Shares '
               'in %.', '']
        rows = [[rule, f"{point_set} ({m['num_points']})"] + point_cells(m) + [m['params']]
                for point_set, table in res['source'].items() for rule, m in table.items()]
        md += [_table(['rule', 'points'] + pt_cols + [f'tuned on {tune}'], rows, True), '']
        md += [_bar_line(b) for b in bars['source']] + ['']
    if 'track' in res:
        s = res['sizes'][split]
        md += [f"## Tracking ({split}: {s['tracking_clips']} clips, "
               f"{s['tracking_points']} scored points)", '',
               'As TrackMetric: query = first visible annotation; scored over the '
               'annotated, visible frames after it. Shares in %; delta_avg: TAP-Vid, '
               '256×256, per clip then averaged. No tracking rule has a tuned parameter.',
               '']
        rows = [[rule] + point_cells(m) + [_pct(m['delta_avg']), m['params']]
                for rule, m in res['track'].items()]
        md += [_table(['rule'] + pt_cols + ['delta_avg', 'parameters'], rows, True), '']
        md += [_bar_line(b) for b in bars['track']] + ['']
    return '\n'.join(md)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        return None if math.isnan(obj) else float(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


def _write(path: str, text: str) -> None:
    if osp.dirname(path):
        os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='dataset root holding detection/ and tracking/ (all '
                        'stages), or one raw root after raw_to_mmbleed.py')
    parser.add_argument('--split', default='test', choices=('train', 'val', 'test'),
                        help='evaluated split (default: test)')
    parser.add_argument('--tune-split', default='train', choices=('train', 'val'),
                        help='split every threshold is tuned on (default: train); never test, '
                        'nor --split')
    parser.add_argument('--stages', nargs='+', choices=STAGES, default=None,
                        help='stages to run (default: all the root has; one raw root: '
                        'onset and source)')
    parser.add_argument('--tune-k', '--k', dest='k', type=int, default=8,
                        help='onset thresholds maximise Acc@k on the tuning split '
                        '(default: 8)')
    parser.add_argument('--out-md', nargs='?', const=DEFAULT_MD, default=None,
                        help=f'write the markdown report (default path: {DEFAULT_MD})')
    parser.add_argument('--out-json', default=None, help='write every number as JSON')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    try:
        res = shortcut_report(args.root, args.split, args.tune_split, args.stages, args.k)
    except (OSError, ValueError, KeyError) as e:  # VideoReadError is an OSError
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f'error: {msg}', file=sys.stderr)
        return 1
    command = ' '.join(['python', TOOL] + [shlex.quote(a) for a in argv])
    report = format_report(res, command, args.root)
    print_log('\n' + report, logger='current')
    if args.out_md:
        _write(args.out_md, report + '\n')
        print_log(f'report written to {args.out_md}', logger='current')
    if args.out_json:
        _write(args.out_json, json.dumps(_jsonable(dict(res, command=command, root=args.root)),
                                         indent=2) + '\n')
        print_log(f'numbers written to {args.out_json}', logger='current')
    return 0


if __name__ == '__main__':
    sys.exit(main())
