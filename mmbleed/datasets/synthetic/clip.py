# Copyright (c) mmbleed contributors. All rights reserved.
"""Render one synthetic ESD clip: frames plus the dense ground truth it knows.

Each component (tissue, distractors, camera, bleeding, scenarios, optics and sensor, cap) draws
from its own random stream spawned from the clip's seed, so a clip rendered with bleeding disabled
(``onset=None``) is pixel-identical to the bleeding one before the onset.
"""
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .bleeding import BleedingSim, blood_layer, sample_bleeding_params
from .camera import REACH, ZOOM_RANGE, EndoscopeView, Excursion, jitter_windows_from_mask, \
    make_camera_path, make_elastic_field
from .cap_rim import CapRim
from .distractors import add_distractors
from .lighting import add_wet_sheen, wet_sheen
from .optics import EndoscopeOptics
from .scenario_renderer import ScenarioRenderer
from .scenarios import SCENARIOS, HideEvent, sample_scenario_plan
from .source_site import MAX_SOURCE_OFFSET
from .tissue import SITE_PRESETS, make_tissue

#: a source (or track point) counts as hidden when something covers it this much
COVER_THR = 0.5
#: pooled blood thickness at the source above which the source is hidden
POOL_THR = 2.0
#: blood opacity above which a pixel belongs to ``dense_gt`` ``blood_mask``
BLOOD_MASK_THR = 0.5
#: ``dense_gt`` ``source_hidden_by`` codes: why the source is not visible in a frame (0: it is)
HIDDEN_BY = ('visible', 'out of view', 'water', 'instrument', 'blood', 'smoke', 'glare')


@dataclass
class ClipSpec:
    """Everything that defines one clip.

    Args:
        patient (str): patient id (``P000``).
        clip (str): clip id (``D000`` / ``T000``).
        site (str): site preset name (``SITE_PRESETS``).
        num_frames (int): ``T``.
        onset (int | None): onset frame, None for a clip without bleeding.
        seed (tuple[int, ...]): entropy of the clip's ``SeedSequence``.
        width, height (int): frame size.
        num_tracks (int): dense tissue point tracks ``N``.
        scenarios (sequence[str] | None): force these scenarios (default: sampled).
        annotate (list[int]): frames that get a LabelMe file.
        distractor_density (float): multiplier on the number of distractors.
        hide_events (tuple[HideEvent]): ``(cause, start, stop)`` windows in which water, the
            knife or pooled blood covers the source (``scenarios.HIDE_CAUSES``).
        excursions (tuple[Excursion]): ``(start, stop, depth)`` camera swings that take the
            source to ``depth`` view radii from the centre and back (``camera.py``).
    """
    patient: str
    clip: str
    site: str
    num_frames: int
    onset: Optional[int]
    seed: Tuple[int, ...]
    width: int = 320
    height: int = 272
    num_tracks: int = 64
    scenarios: Optional[Sequence[str]] = None
    annotate: List[int] = field(default_factory=list)
    distractor_density: float = 1.0
    hide_events: Tuple[HideEvent, ...] = ()
    excursions: Tuple[Excursion, ...] = ()


def render_clip(spec: ClipSpec, sink: Optional[Callable[[int, np.ndarray], None]] = None,
                bleeding: bool = True) -> Dict[str, np.ndarray]:
    """Render ``spec`` frame by frame, handing each ``(H, W, 3)`` uint8 BGR frame to ``sink``.

    Args:
        spec: the clip.
        sink: called as ``sink(t, frame)``; frames are not kept otherwise.
        bleeding: False renders the same clip without blood (for tests and comparisons).

    Returns:
        dict: the dense ground truth (``docs/data_format.md`` section 3; ``blood_mask``
        bit-packed along the width, as stored) plus ``'scenarios'`` (tuple of the clip's
        scenario names).
    """
    W, H, T = spec.width, spec.height, spec.num_frames
    unit = H / 272.0
    ss = np.random.SeedSequence(list(spec.seed))
    r_tissue, r_dis, r_cam, r_el, r_bleed, r_scen, r_ren, r_noise, r_trk, r_view, r_cap = \
        [np.random.default_rng(s) for s in ss.spawn(11)]
    view = EndoscopeView(W, H, float(r_view.uniform(1.02, 1.12)))
    R = view.radius
    # the canvas holds every view of the clip: the source is seen up to REACH view radii
    # (excursions: ``depth``) from the frame centre, at zoom >= ZOOM_RANGE[0], and lies near
    # the canvas centre
    reach = max([REACH] + [d for _, _, d in spec.excursions])
    side = int((2 * (1 + reach) * R / ZOOM_RANGE[0] + 30 * unit) / (1 - 2 * MAX_SOURCE_OFFSET))
    tissue = make_tissue(r_tissue, (side, side), unit, SITE_PRESETS[spec.site])
    add_distractors(r_dis, tissue, unit, 1.25 * R, spec.distractor_density)

    onset = spec.onset if bleeding else None
    plan = sample_scenario_plan(r_scen, T, spec.onset, spec.scenarios, spec.hide_events)
    speed = float(r_cam.uniform(0.4, 1.8))
    cam = make_camera_path(r_cam, T, tissue.source, unit, R,
                           jitter_windows_from_mask(plan.strength['camera jitter'] > 0), speed,
                           spec.excursions)
    elastic = make_elastic_field(r_el, T, unit, float(r_el.uniform(0.5, 1.5)))
    stride = max(2, int(round(2 * unit)))
    bleed = BleedingSim(r_bleed, (side, side), tissue.source,
                        sample_bleeding_params(r_bleed, onset, unit), T, unit, stride,
                        height=tissue.aux[..., 0], pool_windows=plan.blood_pool)
    ren = ScenarioRenderer(r_ren, plan, W, H, unit, view.centre, R)
    cap = CapRim(r_cap, W, H, view.centre, R, unit)

    # dense tracks: pixels spread over the first frame's view, taken back to the canvas
    ang = r_trk.uniform(0, 2 * np.pi, spec.num_tracks)
    rad = 0.92 * R * np.sqrt(r_trk.uniform(0, 1, spec.num_tracks))
    q0 = view.centre + np.stack([np.cos(ang), np.sin(ang)], 1) * rad[:, None]
    q0 = np.clip(q0, 0, [W - 1, H - 1])
    mx0, my0 = view.backward_maps(cam, elastic, 0)
    qi = np.round(q0).astype(int)
    track_canvas = np.stack([mx0[qi[:, 1], qi[:, 0]], my0[qi[:, 1], qi[:, 0]]], 1)
    src_canvas = tissue.source[None].astype(np.float32)

    source_xy = np.zeros((T, 2), np.float32)
    source_visible = np.zeros(T, bool)
    source_hidden_by = np.zeros(T, np.uint8)
    blood_mask = np.zeros((T, H, (W + 7) // 8), np.uint8)  # bit-packed along the width
    tracks_xy = np.zeros((T, spec.num_tracks, 2), np.float32)
    tracks_visible = np.zeros((T, spec.num_tracks), bool)
    spec_sigma = float(r_view.uniform(0.05, 0.09))
    focal = float(r_view.uniform(0.9, 1.3)) * W
    gain = float(r_view.uniform(9, 16)) * unit
    optics = EndoscopeOptics(r_noise, view, unit)
    qx, qy = view._qx / focal, view._qy / focal
    off = (stride - 1) / 2

    for t in range(T):
        mx, my = view.backward_maps(cam, elastic, t)
        img = cv2.remap(tissue.albedo, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        aux = cv2.remap(tissue.aux, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        wet = aux[..., 1]
        bleed.step(t, float(plan.strength['water flushing'][t]))
        blood_alpha = None
        if bleed.growth(t) > 0:
            thick = cv2.remap(bleed.thickness(), (mx - off) / stride, (my - off) / stride,
                              cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            alpha, colour = blood_layer(thick)
            img = img * (1 - alpha) + colour * alpha
            wet = np.maximum(wet, alpha[..., 0])
            blood_alpha = alpha[..., 0]
        # specular highlights: broad wet sheen + sharp glints on ridges and blood menisci, from
        # the frame-space relief lit at the scope (they slide as it moves); see lighting.py
        spec = wet_sheen(aux[..., 0], wet, qx, qy, cam.zoom[t], gain, spec_sigma,
                         ren.glare_boost(t), blood_alpha)
        img = add_wet_sheen(img, spec, 0.9)
        # the cap's rim, then the scenario effects (the knife and the jet come out inside the
        # cap); each effect returns how much it covers every pixel
        cap.apply(img)
        q_src = view.project(src_canvas, cam, elastic, t)[0]
        covers = dict(water=ren.apply_flush(img, t, blood_alpha),
                      instrument=ren.apply_tool(img, t, view.centre, R, q_src),
                      smoke=ren.apply_smoke(img, t))
        covers['glare'] = ren.apply_glare(img, t, view.centre, R)
        cover = np.zeros((H, W), np.float32)
        for c in covers.values():
            if c is not None:
                np.maximum(cover, c, out=cover)
        frame = optics.apply(img, cam, t)

        # ground truth
        q_trk = view.project(track_canvas, cam, elastic, t)
        source_xy[t] = q_src
        si = np.clip(np.round(q_src).astype(int), 0, [W - 1, H - 1])
        if not view.inside(q_src[None], 2.0)[0]:
            source_hidden_by[t] = HIDDEN_BY.index('out of view')
        elif bleed.pooled_at_source() > POOL_THR:
            source_hidden_by[t] = HIDDEN_BY.index('blood')
        else:
            at_src = {k: float(c[si[1], si[0]]) for k, c in covers.items() if c is not None}
            k = max(at_src, key=at_src.get) if at_src else None
            if k is not None and at_src[k] >= COVER_THR:
                source_hidden_by[t] = HIDDEN_BY.index(k)
        source_visible[t] = source_hidden_by[t] == 0
        if blood_alpha is not None:
            blood_mask[t] = np.packbits(blood_alpha >= BLOOD_MASK_THR, axis=-1)
        tracks_xy[t] = q_trk
        ti = np.clip(np.round(q_trk).astype(int), 0, [W - 1, H - 1])
        occ = cover[ti[:, 1], ti[:, 0]] >= COVER_THR
        if blood_alpha is not None:
            occ |= blood_alpha[ti[:, 1], ti[:, 0]] > 0.85
        tracks_visible[t] = view.inside(q_trk, 1.0) & ~occ
        if sink is not None:
            sink(t, frame)

    bleeding_arr = np.zeros(T, bool)
    if onset is not None:
        bleeding_arr[onset:] = True
    return dict(source_xy=source_xy, source_visible=source_visible,
                source_hidden_by=source_hidden_by, bleeding=bleeding_arr, blood_mask=blood_mask,
                tracks_xy=tracks_xy, tracks_visible=tracks_visible,
                scenario_active=plan.active.astype(bool), scenarios=plan.scenarios,
                source_region=tissue.source_region)


def render_clip_frames(spec: ClipSpec, bleeding: bool = True
                       ) -> Tuple[List[np.ndarray], Dict[str, np.ndarray]]:
    """Render ``spec`` and keep the frames in memory (tests, contact sheet, small clips)."""
    frames: List[np.ndarray] = []
    gt = render_clip(spec, lambda t, f: frames.append(f), bleeding)
    return frames, gt


def with_scenarios(spec: ClipSpec, scenarios: Sequence[str]) -> ClipSpec:
    """A copy of ``spec`` with its scenarios forced."""
    bad = set(scenarios) - set(SCENARIOS)
    if bad:
        raise ValueError(f'unknown scenarios {sorted(bad)}')
    return replace(spec, scenarios=tuple(scenarios))
