# Copyright (c) mmbleed contributors. All rights reserved.
"""Tissue, bleeding and distractors of the synthetic ESD generator: where the source is (not
at the bed's centre), how blood runs (downhill), pools (``pool_windows``) and looks (thick is
dark), and that red distractors exist before the onset. Small canvases, CPU, a few seconds."""
import dataclasses
from collections import Counter

import cv2
import numpy as np
import pytest

from mmbleed.datasets.synthetic.bleeding import CLOT_BASE, BleedingParams, BleedingSim, \
    blood_layer
from mmbleed.datasets.synthetic.distractors import DISTRACTOR_KINDS, add_distractors
from mmbleed.datasets.synthetic.source_site import MAX_SOURCE_OFFSET, SOURCE_REGIONS
from mmbleed.datasets.synthetic.tissue import SITE_PRESETS, make_tissue

SITES = list(SITE_PRESETS)
SIDE, UNIT = 320, 0.5  # a small canvas: the layout scales with the canvas side


def _tissue(seed, site=None, region=None):
    site = SITE_PRESETS[site or SITES[seed % len(SITES)]]
    return make_tissue(np.random.default_rng(seed), (SIDE, SIDE), UNIT, site, region)


@pytest.fixture(scope='module')
def tissues():
    return [_tissue(seed) for seed in range(40)]


def test_source_is_not_the_bed_centre_and_regions_vary(tissues):
    far, regions = [], Counter()
    for t in tissues:
        bed = t.aux[..., 2] > 0.5
        ys, xs = np.nonzero(bed)
        assert len(xs) > 50
        centroid = np.array([xs.mean(), ys.mean()])
        radius = np.sqrt(bed.sum() / np.pi)
        far.append(np.hypot(*(t.source - centroid)) > 0.3 * radius)
        regions[t.source_region] += 1
    assert np.mean(far) >= 0.8, np.mean(far)
    assert set(regions) == set(SOURCE_REGIONS), regions
    # the most likely region is the dissection front; no region takes almost everything
    assert regions['submucosa edge'] >= 6 and max(regions.values()) <= 28, regions


def test_source_stays_near_the_canvas_centre(tissues):
    for t in tissues:
        off = np.hypot(*(t.source - np.array([SIDE / 2, SIDE / 2])))
        assert off <= MAX_SOURCE_OFFSET * SIDE, off


@pytest.mark.parametrize('region', list(SOURCE_REGIONS))
def test_source_sits_in_its_region(region):
    for seed in range(3):
        t = _tissue(100 + seed, region=region)
        x, y = np.round(t.source).astype(int)
        lv = t.bed_level[y, x]
        if t.source_region != region:
            continue  # (rare) no pixel of that type near the planned source
        if region == 'submucosa edge':
            assert 0.8 < lv < 1.0, lv
        elif region == 'mucosa margin':
            assert lv > 1.0, lv
        else:
            assert lv < 0.92, lv


def _params(onset=0, **kw):
    return BleedingParams(onset=onset, **{**dict(kind='oozing', flow_speed=1.0, ramp=3,
                                                 rate=15.0, friction=0.9), **kw})


def test_trickles_run_downhill():
    # a valley along x = 100, sloping down along +y: blood from x = 140 runs into it
    yy, xx = np.mgrid[0:200, 0:200].astype(np.float32)
    height = ((xx - 100) / 40) ** 2
    src = np.float32([140, 100])
    sim = BleedingSim(np.random.default_rng(0), (200, 200), src,
                      _params(flow_angle=np.pi / 2), 80, 1.0, 2, height=height)
    for t in range(60):
        sim.step(t)
    pos = sim.pos * sim.stride + (sim.stride - 1) / 2
    h_at = height[np.clip(pos[:, 1].astype(int), 0, 199), np.clip(pos[:, 0].astype(int), 0, 199)]
    assert len(pos) > 100
    assert np.median(h_at) < 0.5 * height[100, 140], (np.median(h_at), height[100, 140])
    assert np.median(np.abs(pos[:, 0] - 100)) < 20
    # on real tissues the blood ends up lower than the source: on the height map the blood
    # runs on (tissue relief + a gentle tilt), and on the tissue relief itself when the source
    # is on a slope (the cut edge above the bed, the mucosa next to the cut)
    for seed, region in ((7, 'submucosa edge'), (8, 'mucosa margin'), (9, 'muscle layer')):
        t = _tissue(seed, region=region)
        sim = BleedingSim(np.random.default_rng(1), (SIDE, SIDE), t.source, _params(), 80, UNIT,
                          1, height=t.aux[..., 0])
        for k in range(60):
            sim.step(k)
        ix = np.clip(sim.pos.astype(int), 0, SIDE - 1)
        sx, sy = np.round(sim.src).astype(int)
        assert np.median(sim.height[ix[:, 1], ix[:, 0]]) < sim.height[sy, sx], region
        raw = t.aux[..., 0]
        if t.source_region in ('submucosa edge', 'mucosa margin'):
            assert np.median(raw[ix[:, 1], ix[:, 0]]) < raw[sy, sx], region


def test_pool_windows_hide_then_clear_the_source():
    sim = BleedingSim(np.random.default_rng(2), (240, 240), np.float32([120, 120]),
                      _params(onset=5), 100, 1.0, 2, pool_windows=[(20, 40), (70, 75)])
    pooled = []
    for t in range(90):
        sim.step(t)
        pooled.append(sim.pooled_at_source())
    pooled = np.array(pooled)
    assert (pooled[:20] <= 2.0).all()  # the source is open outside the windows
    assert (pooled[22:40] > 2.0).all() and (pooled[72:75] > 2.0).all()
    assert (pooled[45:70] < 2.0).all() and (pooled[80:] < 2.0).all()
    # thickness shows the pool (the map the frames are rendered from)
    assert sim.thickness().max() > 2.0


def test_clots_form_after_the_onset_and_stay():
    sim = None
    for seed in range(10):  # a clip with a clot (most have one)
        sim = BleedingSim(np.random.default_rng(seed), (240, 240), np.float32([120, 120]),
                          _params(onset=0), 300, 1.0, 2)
        if sim.clot_start is not None:
            break
    assert sim.clot_start is not None and sim.clot_start > 30
    end = sim.clot_start + sim.clot_grow + 5
    for t in range(end):
        sim.step(t, wash=1.0 if t > end - 10 else 0.0)
        if t < sim.clot_start:
            assert sim.thickness().max() < CLOT_BASE
    assert sim.thickness().max() >= CLOT_BASE  # flushing does not remove clots


def test_blood_layer_thick_is_dark_thin_is_translucent():
    thick = np.array([[0.05, 0.5, 1.0, 2.0, 4.0, 6.0]], np.float32)
    alpha, colour = blood_layer(thick)
    assert alpha.shape == (1, 6, 1) and colour.shape == (1, 6, 3)
    a = alpha[0, :, 0]
    lum = colour[0] @ np.float32([0.114, 0.587, 0.299])
    assert np.all(np.diff(a) > 0) and a[0] < 0.3 and a[-1] > 0.99
    assert np.all(np.diff(lum[1:]) <= 0) and lum[-1] < 0.6 * lum[2], lum
    assert lum[1] > 2 * lum[-1]
    # red, not brown or grey
    assert np.all(colour[0, :, 2] > 2 * colour[0, :, 1])
    # clots: opaque and dark
    a_c, c_c = blood_layer(np.array([[CLOT_BASE + 1.0]], np.float32))
    assert a_c[0, 0, 0] > 0.99 and c_c[0, 0] @ np.float32([0.114, 0.587, 0.299]) < lum[-1] * 1.2


def test_distractors_exist_before_the_onset_near_the_bed_edge():
    for seed in (1, 2):
        t = _tissue(seed)
        before = t.albedo.copy()
        kinds = add_distractors(np.random.default_rng(seed), t, UNIT, 0.4 * SIDE)
        assert {'burn mark', 'vessel stump', 'old blood', 'red spots'} <= set(kinds), kinds
        changed = np.abs(t.albedo - before).sum(-1) > 0.1
        edge = (t.bed_level > 0.8) & (t.bed_level < 1.15)
        assert changed[edge].mean() > 0.003
        # some of them are as dark and as red as thick blood
        g, r = t.albedo[..., 1], t.albedo[..., 2]
        dark_red = changed & (r > 2.5 * g) & (r < 0.35)
        assert dark_red.sum() > 10  # (at least one small dark core: ~7 px at UNIT 0.5)


def test_distractors_never_cover_the_source(tissues):
    # many distractors of every kind: none is painted on the source (so the true source is
    # never a distractor-covered point), but some come close to it
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    seen, near = set(), 0
    for seed, t0 in enumerate(tissues[:20]):
        t = dataclasses.replace(t0, albedo=t0.albedo.copy(), aux=t0.aux.copy())
        seen |= set(add_distractors(np.random.default_rng(seed), t, UNIT, 0.4 * SIDE, 2.0))
        d = np.hypot(xx - t.source[0], yy - t.source[1]) / UNIT
        at_source = d <= 4
        assert np.array_equal(t.albedo[at_source], t0.albedo[at_source]), seed
        assert np.array_equal(t.aux[at_source], t0.aux[at_source]), seed
        changed = np.abs(t.albedo - t0.albedo).max(-1) > 0.1
        assert not changed[d < 5].any(), seed
        near += bool(changed[d < 20].any())
    assert seen == set(DISTRACTOR_KINDS), seen
    assert near >= 8, near


def test_distractors_in_the_first_frame():
    from mmbleed.datasets.synthetic.clip import ClipSpec, render_clip_frames
    spec = ClipSpec('P000', 'D000', 'gastric body', 2, 1, (4, 2), scenarios=('clear view',))
    with_d, _ = render_clip_frames(spec, bleeding=False)
    spec0 = ClipSpec('P000', 'D000', 'gastric body', 2, 1, (4, 2), scenarios=('clear view',),
                     distractor_density=0.0)
    without, _ = render_clip_frames(spec0, bleeding=False)
    diff = np.abs(with_d[0].astype(int) - without[0].astype(int)).sum(-1) > 40
    assert diff.mean() > 0.002
    hsv = cv2.cvtColor(with_d[0], cv2.COLOR_BGR2HSV)
    assert ((hsv[..., 1] > 150) & diff).sum() > 10  # saturated (red) distractors among them
