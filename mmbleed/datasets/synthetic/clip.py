# Copyright (c) mmbleed contributors. All rights reserved.
"""Render one synthetic ESD clip: frames plus the dense ground truth it knows.

Each component (tissue, distractors, camera, bleeding, scenarios, sensor noise) draws from its
own random stream spawned from the clip's seed, so a clip rendered with bleeding disabled
(``onset=None``) is pixel-identical to the bleeding one before the onset.
"""
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from .bleeding import BleedingSim, blood_layer, sample_bleeding_params
from .camera import EndoscopeView, jitter_windows_from_mask, make_camera_path, \
    make_elastic_field, motion_blur
from .distractors import add_distractors
from .scenario_renderer import ScenarioRenderer
from .scenarios import SCENARIOS, sample_scenario_plan
from .tissue import SITE_PRESETS, make_tissue

#: a source (or track point) counts as hidden when something covers it this much
COVER_THR = 0.5
#: pooled blood thickness at the source above which the source is hidden
POOL_THR = 2.0


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


def render_clip(spec: ClipSpec, sink: Optional[Callable[[int, np.ndarray], None]] = None,
                bleeding: bool = True) -> Dict[str, np.ndarray]:
    """Render ``spec`` frame by frame, handing each ``(H, W, 3)`` uint8 BGR frame to ``sink``.

    Args:
        spec: the clip.
        sink: called as ``sink(t, frame)``; frames are not kept otherwise.
        bleeding: False renders the same clip without blood (for tests and comparisons).

    Returns:
        dict: the dense ground truth (``docs/data_format.md`` section 3) plus ``'scenarios'``
        (tuple of the clip's scenario names).
    """
    W, H, T = spec.width, spec.height, spec.num_frames
    unit = H / 272.0
    ss = np.random.SeedSequence(list(spec.seed))
    r_tissue, r_dis, r_cam, r_el, r_bleed, r_scen, r_ren, r_noise, r_trk, r_view = \
        [np.random.default_rng(s) for s in ss.spawn(10)]
    view = EndoscopeView(W, H, float(r_view.uniform(1.02, 1.12)))
    R = view.radius
    side = int(3.7 * R + 30 * unit)
    tissue = make_tissue(r_tissue, (side, side), unit, SITE_PRESETS[spec.site])
    add_distractors(r_dis, tissue, unit, 1.25 * R, spec.distractor_density)

    onset = spec.onset if bleeding else None
    plan = sample_scenario_plan(r_scen, T, spec.onset, spec.scenarios)
    speed = float(r_cam.uniform(0.4, 1.8))
    cam = make_camera_path(r_cam, T, tissue.source, unit, R,
                           jitter_windows_from_mask(plan.strength['camera jitter'] > 0), speed)
    cam.zoom[:] = np.clip(cam.zoom, 0.85, 1.35)
    elastic = make_elastic_field(r_el, T, unit, float(r_el.uniform(0.5, 1.5)))
    stride = max(2, int(round(2 * unit)))
    bleed = BleedingSim(r_bleed, (side, side), tissue.source,
                        sample_bleeding_params(r_bleed, onset, unit), T, unit, stride)
    ren = ScenarioRenderer(r_ren, plan, W, H, unit)

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
    tracks_xy = np.zeros((T, spec.num_tracks, 2), np.float32)
    tracks_visible = np.zeros((T, spec.num_tracks), bool)
    spec_sigma = float(r_view.uniform(0.05, 0.09))
    focal = float(r_view.uniform(0.9, 1.3)) * W
    gain = float(r_view.uniform(9, 16)) * unit
    noise_sd = float(r_noise.uniform(0.006, 0.02))
    sensor = r_noise.normal(0, noise_sd, (8, H, W, 1)).astype(np.float32)
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
        # specular highlights where the surface faces the scope (they slide as it moves)
        hgt = aux[..., 0]
        hx = cv2.Sobel(hgt, cv2.CV_32F, 1, 0, ksize=3) / 8 * gain * cam.zoom[t] ** -1
        hy = cv2.Sobel(hgt, cv2.CV_32F, 0, 1, ksize=3) / 8 * gain * cam.zoom[t] ** -1
        boost, glare = ren.glare(t, view.centre, R)
        sig = spec_sigma * (1.6 if boost > 1 else 1.0)
        spec = np.exp(-((hx + qx) ** 2 + (hy + qy) ** 2) / (2 * sig * sig)) * wet ** 2
        spec = np.clip(spec * 1.4 * boost - 0.15, 0, 1)
        img = img + spec[..., None] * 0.9
        cover = np.zeros((H, W), np.float32)
        a = ren.apply_flush(img, t)
        if a is not None:
            cover = np.maximum(cover, a)
        q_src = view.project(src_canvas, cam, elastic, t)[0]
        m = ren.apply_tool(img, t, view.centre, R, q_src)
        if m is not None:
            cover = np.maximum(cover, m)
        a = ren.apply_haze(img, t)
        if a is not None:
            cover = np.maximum(cover, 0.8 * a)
        if glare is not None:
            img = img + glare[..., None] * (1.05 - img)
            cover = np.maximum(cover, glare)
        # optics and sensor
        img = img * (view.vignette * cam.exposure[t])[..., None]
        img = cv2.GaussianBlur(img, (0, 0), float(cam.blur[t]))
        if cam.jitter[t]:
            img = motion_blur(img, cam.motion[t])
        img = img + sensor[int(r_noise.integers(8))]
        img = img * view.mask[..., None]
        frame = np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)

        # ground truth
        q_trk = view.project(track_canvas, cam, elastic, t)
        source_xy[t] = q_src
        si = np.clip(np.round(q_src).astype(int), 0, [W - 1, H - 1])
        hidden = cover[si[1], si[0]] >= COVER_THR or bleed.pooled_at_source() > POOL_THR
        source_visible[t] = bool(view.inside(q_src[None], 2.0)[0]) and not hidden
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
    return dict(source_xy=source_xy, source_visible=source_visible, bleeding=bleeding_arr,
                tracks_xy=tracks_xy, tracks_visible=tracks_visible,
                scenario_active=plan.active.astype(bool), scenarios=plan.scenarios)


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
