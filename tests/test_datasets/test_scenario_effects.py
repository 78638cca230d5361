# Copyright (c) mmbleed contributors. All rights reserved.
"""The synthetic generator's scenario effects (smoke, water, knife, glare, distal cap), on
their own: what they cover, what they do to the pixels, determinism."""
import cv2
import numpy as np
import pytest

from mmbleed.datasets.synthetic.cap_rim import CapRim
from mmbleed.datasets.synthetic.scenario_renderer import ScenarioRenderer
from mmbleed.datasets.synthetic.scenarios import EFFECTS, ScenarioPlan

W, H, T = 320, 272, 24
CENTRE = np.float32([(W - 1) / 2, (H - 1) / 2])
RADIUS = 1.07 * H / 2
TOOL = dict(angle=0.6, sway=0.1, reach=1.0, width=18.0, target_dx=0.1, target_dy=-0.05)


def _plan(name=None, level=1.0, tool_cover=None, tool=TOOL):
    strength = {e: np.zeros(T, np.float32) for e in EFFECTS}
    if name is not None:
        strength[name][:] = level
    return ScenarioPlan((name or 'clear view', ), strength, dict(tool), tool_cover)


def _frame(seed=0):
    """A textured, saturated stand-in for the tissue (float32 BGR in [0, 1])."""
    rng = np.random.default_rng(seed)
    base = np.float32([0.35, 0.40, 0.75])
    tex = cv2.GaussianBlur(rng.random((H, W)).astype(np.float32), (0, 0), 1.5)
    tex = (tex - tex.mean()) / tex.std()
    return np.clip(base * (1 + 0.25 * tex[..., None]), 0, 1).astype(np.float32)


def _in_view():
    yy, xx = np.mgrid[0:H, 0:W]
    return np.hypot(xx - CENTRE[0], yy - CENTRE[1]) < 0.97 * RADIUS


def _ren(plan, seed=0):
    return ScenarioRenderer(np.random.default_rng(seed), plan, W, H, 1.0, CENTRE, RADIUS)


@pytest.mark.parametrize('seed', [0, 1, 2, 3])
def test_hard_flush_hides_most_of_the_view(seed):
    ren = _ren(_plan('water flushing', 1.0), seed)
    view = _in_view()
    blood = np.zeros((H, W), np.float32)
    blood[120:150, 140:180] = 1
    for t in (3, 11, 20):
        img = _frame()
        cover = ren.apply_flush(img, t, blood if t == 11 else None)
        assert cover.shape == (H, W) and cover.dtype == np.float32
        assert (cover[view] >= 0.6).mean() >= 0.7, (seed, t, (cover[view] >= 0.6).mean())
        assert (cover[view] >= 0.5).mean() >= 0.85
        assert np.isfinite(img).all()


def test_light_flush_hides_little_and_none_when_off():
    view = _in_view()
    for seed in range(3):
        ren = _ren(_plan('water flushing', 0.3), seed)
        for t in (2, 12):
            img = _frame()
            cover = ren.apply_flush(img, t)
            assert (cover[view] >= 0.5).mean() < 0.1
            assert (np.abs(img - _frame()).sum(-1) > 0.05)[view].mean() > 0.2  # still visible
    img = _frame()
    assert _ren(_plan('water flushing', 0.0)).apply_flush(img, 5) is None
    assert _ren(_plan(None)).apply_flush(img, 5) is None
    np.testing.assert_array_equal(img, _frame())


def test_flush_with_blood_turns_pink():
    blood = np.zeros((H, W), np.float32)
    blood[100:170, 120:200] = 1
    a, b = _frame(), _frame()
    _ren(_plan('water flushing', 0.9), 4).apply_flush(a, 10, None)
    _ren(_plan('water flushing', 0.9), 4).apply_flush(b, 10, blood)
    near = np.zeros((H, W), bool)
    near[80:190, 100:220] = True
    redness = lambda x: (x[..., 2] - x[..., 1])[near].mean()  # noqa: E731
    assert redness(b) > redness(a) + 0.03


@pytest.mark.parametrize('angle', [0.3, 2.0, 4.1])
def test_tool_cover_puts_the_knife_over_the_target(angle):
    cover = np.zeros(T, bool)
    cover[8:16] = True
    plan = _plan('instrument interference', 1.0, cover, dict(TOOL, angle=angle))
    ren = _ren(plan)
    for target in (np.float32([150, 140]), np.float32([200, 90]), np.float32([110, 180])):
        for t in range(8, 16):
            img = _frame()
            mask = ren.apply_tool(img, t, CENTRE, RADIUS, target)
            x, y = np.round(target).astype(int)
            assert mask[y, x] >= 0.9, (angle, target, t, mask[y, x])
            assert (np.abs(img - _frame()).sum(-1) > 0.05)[y - 2:y + 3, x - 2:x + 3].all()


def test_tool_off_without_strength_or_cover():
    target = np.float32([150, 140])
    img = _frame()
    assert _ren(_plan('instrument interference', 0.0)).apply_tool(
        img, 3, CENTRE, RADIUS, target) is None
    # the plan's tool_cover may be absent: all False
    plan = _plan('instrument interference', 1.0)
    plan.tool_cover = None
    mask = _ren(plan).apply_tool(img, 3, CENTRE, RADIUS, target)
    assert mask is not None and mask.max() >= 0.99 and 0.005 < mask.mean() < 0.3
    # it enters from the view's border: it covers some pixels near the edge
    yy, xx = np.mgrid[0:H, 0:W]
    edge = np.abs(np.hypot(xx - CENTRE[0], yy - CENTRE[1]) - 0.95 * RADIUS) < 4
    assert (mask[edge] > 0.5).any()


def test_smoke_lowers_contrast_and_saturation_where_it_covers():
    ren = _ren(_plan('obscured view', 0.7), 2)
    for t in range(T):
        img = _frame()
        cover = ren.apply_smoke(img, t)
    assert cover is not None and cover.max() > 0.6
    thick = cover > 0.55
    thin = cover < 0.2
    assert thick.sum() > 200 and thin.sum() > 200
    ref = _frame()

    def local_contrast(x):
        g = cv2.cvtColor(x, cv2.COLOR_BGR2GRAY)
        return np.abs(g - cv2.GaussianBlur(g, (0, 0), 3))

    def saturation(x):
        return x.max(-1) - x.min(-1)

    assert local_contrast(img)[thick].mean() < 0.6 * local_contrast(ref)[thick].mean()
    assert saturation(img)[thick].mean() < 0.7 * saturation(ref)[thick].mean()
    # thin smoke changes less than thick smoke
    d = np.abs(img - ref).sum(-1)
    assert d[thin].mean() < d[thick].mean()


def test_smoke_does_not_depend_on_the_order_of_calls():
    a = _ren(_plan('obscured view', 0.6), 5)
    b = _ren(_plan('obscured view', 0.6), 5)
    for t in range(15):
        a.apply_smoke(_frame(), t)
    ia, ib = _frame(), _frame()
    ca = a.apply_smoke(ia, 15)
    cb = b.apply_smoke(ib, 15)  # straight to frame 15
    np.testing.assert_allclose(ca, cb, atol=1e-5)
    np.testing.assert_allclose(ia, ib, atol=1e-5)
    assert a.apply_smoke(_frame(), 3) is not None  # going back works too


def test_cap_rim_constant_per_clip_and_varies_between_clips():
    view = _in_view()

    def effect(cap, img):
        out = img.copy()
        cap.apply(out)
        return out

    cap = CapRim(np.random.default_rng(7), W, H, CENTRE, RADIUS, 1.0)
    grey = np.full((H, W, 3), 0.5, np.float32)
    e1, e2 = effect(cap, grey), effect(cap, grey)
    np.testing.assert_array_equal(e1, e2)  # identical in every frame
    # it is a ring near the view's edge: the centre is untouched, the edge is changed
    d = np.abs(e1 - grey).sum(-1)
    yy, xx = np.mgrid[0:H, 0:W]
    r = np.hypot(xx - CENTRE[0], yy - CENTRE[1]) / RADIUS
    assert d[r < 0.6].max() < 1e-6
    assert (d[(r > 0.75) & view] > 0.02).mean() > 0.3
    # another clip's cap is different (size, thickness, reflections)
    other = CapRim(np.random.default_rng(8), W, H, CENTRE, RADIUS, 1.0)
    assert np.abs(effect(other, grey) - e1).max() > 0.05
    assert (other.ring_radius, other.thickness) != (cap.ring_radius, cap.thickness)
    # the same seed gives the same cap
    np.testing.assert_array_equal(effect(CapRim(np.random.default_rng(7), W, H, CENTRE, RADIUS,
                                                1.0), grey), e1)


@pytest.mark.parametrize('seed', [0, 7, 11])
def test_cap_rim_changes_pixels_but_never_moves_content(seed):
    """The cap is photometric only (the ground truth is not shifted by it): a sharp vertical
    edge in the cap's wall stays exactly where it is, in every row."""
    cap = CapRim(np.random.default_rng(seed), W, H, CENTRE, RADIUS, 1.0)
    yy, xx = np.mgrid[0:H, 0:W]
    r = np.hypot(xx - CENTRE[0], yy - CENTRE[1])
    for xe in (int(CENTRE[0] + 0.88 * RADIUS), int(CENTRE[0] - 0.93 * RADIUS),
               int(CENTRE[0] + 0.97 * RADIUS)):
        flat = np.full((H, W, 3), 0.3, np.float32)
        step = flat.copy()
        step[:, xe:] = 0.8
        out_flat, out_step = cap.apply(flat.copy()), cap.apply(step.copy())
        # it does change the pixels there (ring, wall) ...
        near = (np.abs(xx - xe) < 6) & (r > cap.ring_radius + 2 * cap.thickness)
        assert near.any() and (np.abs(out_step - step).sum(-1)[near] > 0.02).mean() > 0.5
        # ... but each output pixel depends on its own input pixel only: the two outputs
        # differ exactly where the inputs do, so the edge is at column ``xe`` in every row
        moved = np.abs(out_step - out_flat).sum(-1) > 0
        np.testing.assert_array_equal(moved, np.abs(step - flat).sum(-1) > 0)
        # and in the cap's wall (away from the rim line) the edge is still the strongest
        # horizontal step around column ``xe``
        wall = (r[:, xe - 4:xe + 4] > cap.ring_radius + 4 * cap.thickness + 8).all(1)
        g = np.abs(np.diff(out_step[:, xe - 4:xe + 4].sum(-1), axis=1))
        assert wall.sum() > 10 and (g[wall].argmax(1) == 3).all()


def test_glare_is_saturated_and_coloured():
    ren = _ren(_plan('light reflection', 1.0), 1)
    assert ren.glare_boost(5) > 1
    img = _frame()
    patch = ren.apply_glare(img, 5, CENTRE, RADIUS)
    assert patch.shape == (H, W) and patch.dtype == np.float32
    assert patch.max() == pytest.approx(1.0)
    core = patch >= 0.99
    assert core.sum() > 100 and (img[core] > 1.0).all()  # blown out
    ring = (patch > 0.2) & (patch < 0.6)
    assert (img[ring] > _frame()[ring]).all()
    np.testing.assert_array_equal(img[patch == 0], _frame()[patch == 0])  # nothing elsewhere
    off = _ren(_plan(None))
    img = _frame()
    assert off.glare_boost(5) == 1.0 and off.apply_glare(img, 5, CENTRE, RADIUS) is None
    np.testing.assert_array_equal(img, _frame())


def test_effects_deterministic_for_a_seed():
    cover = np.zeros(T, bool)
    cover[5:9] = True
    plan = _plan(None, tool_cover=cover)
    for e in EFFECTS:
        plan.strength[e][:] = 0.8

    def run(seed):
        ren = _ren(plan, seed)
        out = []
        for t in (2, 6, 13):
            img = _frame()
            c = [ren.apply_flush(img, t), ren.apply_tool(img, t, CENTRE, RADIUS,
                                                         np.float32([160, 130])),
                 ren.apply_smoke(img, t), ren.apply_glare(img, t, CENTRE, RADIUS)]
            out.append((img, c))
        return out

    a, b, c = run(3), run(3), run(4)
    for (ia, ca), (ib, cb) in zip(a, b):
        np.testing.assert_array_equal(ia, ib)
        for x, y in zip(ca, cb):
            np.testing.assert_array_equal(x, y)
    assert any(np.abs(ia - ic).max() > 0.05 for (ia, _), (ic, _) in zip(a, c))


def test_knife_without_geometry_is_one_clear_error():
    """The plan owns the knife's geometry; the renderer does not invent another one."""
    with pytest.raises(ValueError, match='no knife geometry'):
        _ren(_plan('instrument interference', 1.0, tool={}))
    _ren(_plan('water flushing', 1.0, tool={}))  # no knife: no geometry needed
