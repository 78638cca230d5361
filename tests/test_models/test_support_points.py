# Copyright (c) mmbleed contributors. All rights reserved.
"""Support points: the source carried by the RANSAC similarity of the tissue around it."""
import cv2
import numpy as np
import pytest
from test_trackers import shifted, texture

from mmbleed.datasets.synthetic.camera import EndoscopeView
from mmbleed.datasets.synthetic.cap_rim import CapRim
from mmbleed.models.trackers import (BasePointTracker, PyramidalLKTracker,
                                     SupportPointTracker, TrackStep)
from mmbleed.registry import MODELS
from mmbleed.utils import cap_rim_mask, find_cap_rim

SOURCE = np.array([[120.0, 100.0]])


def similarity(angle_deg: float, zoom: float, shift) -> np.ndarray:
    """``(2, 3)`` rotation by ``angle_deg`` and zoom about (0, 0), then ``shift``."""
    a = np.deg2rad(angle_deg)
    return np.array([[zoom * np.cos(a), -zoom * np.sin(a), shift[0]],
                     [zoom * np.sin(a), zoom * np.cos(a), shift[1]]])


def apply(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    return points @ m[:, :2].T + m[:, 2]


class ScriptedTracker(BasePointTracker):
    """Moves the points it is given by ``motions[t]`` (a ``(2, 3)`` transform from its last
    ``init`` frame), drags the first ``outliers`` of them elsewhere and hides what
    ``hidden[t]`` says; records what it was asked to track."""

    def __init__(self, motions, outliers=0, hidden=None):
        super().__init__(black_level=-1)
        self.motions, self.outliers, self.hidden = motions, outliers, hidden or {}
        self.inits = []

    def _init(self, frame, points):
        self.inits.append(points.copy())
        self._start, self._t = points, 0

    def _step(self, frame):
        self._t += 1
        points = apply(self.motions[self.frame_index], self._start)
        points[:self.outliers] += [25.0, -30.0]  # dragged by the blood, consistently
        visible = np.ones(len(points), bool)
        visible[self.hidden.get(self.frame_index, slice(0))] = False
        return TrackStep(points, visible, np.ones(len(points)))


def tissue(h=200, w=240):
    return texture(h, w, seed=3)


def sharp_tissue(h=200, w=240):
    """``tissue()`` with pixel-scale grain: a patch matches only where it belongs (on the
    smooth ``tissue()`` a 11x11 patch correlates up to 0.6 with places 20 px away)."""
    img = tissue(h, w).astype(np.float32)
    grain = np.random.default_rng(5).normal(0.0, 40.0, (h, w)).astype(np.float32)
    img += cv2.GaussianBlur(grain, (0, 0), 0.8)[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def scripted(inner, **kwargs) -> SupportPointTracker:
    """The support-point tracker around a scripted tracker whose motions are not in the
    (static) frames: the appearance check, which looks at the frames, is off."""
    return SupportPointTracker(inner, appearance_thr=0.0, **kwargs)


def test_support_points_avoid_blood_the_source_and_the_dark_border():
    frame = tissue()
    frame[:, :30] = 0  # outside the scope's view
    cv2.circle(frame, (180, 60), 25, (20, 20, 200), -1)  # blood
    tracker = SupportPointTracker(PyramidalLKTracker(), num_support=200, min_distance=8,
                                  exclude_radius=20)
    support = tracker.pick_support(frame, SOURCE)
    assert 20 <= len(support) <= 200
    assert (support[:, 0] >= 30 + 8).all()  # the dark border, eroded by min_distance
    assert (np.linalg.norm(support - [180, 60], axis=1) > 25).all()
    assert (np.linalg.norm(support - SOURCE, axis=1) >= 20).all()
    spread = np.linalg.norm(support[:, None] - support[None], axis=2) + 1e3 * np.eye(
        len(support))
    assert spread.min() >= 8 - 1e-6


def scope_view(seed: int, with_cap: bool = True):
    """A 320x272 frame of ``texture()`` seen through the synthetic scope's round, vignetted
    view (:class:`EndoscopeView`), with the generator's distal cap drawn on it; and the cap
    (None without)."""
    view = EndoscopeView(320, 272)
    img = texture(272, 320, seed=seed).astype(np.float32) / 255
    cap = CapRim(np.random.default_rng(seed), 320, 272, view.centre, view.radius, 1.0) \
        if with_cap else None
    if cap is not None:
        cap.apply(img)
    img *= view.vignette[..., None]
    return np.clip(img * 255, 0, 255).astype(np.uint8), cap


@pytest.mark.parametrize('seed', [0, 1, 4, 7])
def test_the_cap_rim_is_found_at_its_dark_line(seed):
    frame, cap = scope_view(seed)
    rim = find_cap_rim(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    assert rim is not None
    dark_line = cap.ring_radius + 1.6 * cap.thickness  # CapRim's dark line
    np.testing.assert_allclose(rim[0], [159.5, 135.5], atol=1.5)  # the view's centre
    assert abs(np.median(rim[1]) - dark_line) <= 3.0
    assert np.percentile(np.abs(rim[1] - dark_line), 90) <= 4.0


def test_no_rim_without_a_cap_or_without_a_view():
    for seed in (8, 9):
        frame, _ = scope_view(seed, with_cap=False)
        assert find_cap_rim(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)) is None
    assert find_cap_rim(np.zeros((272, 320), np.uint8)) is None
    assert find_cap_rim(np.full((272, 320), 120, np.uint8)) is None  # no dark border
    rng = np.random.default_rng(0)  # oval views of every size and place: a rim or None
    for _ in range(40):
        h, w = rng.integers(8, 300, 2)
        frame = np.zeros((h, w), np.uint8)
        cv2.ellipse(frame, (int(rng.integers(0, w)), int(rng.integers(0, h))),
                    (int(rng.integers(1, 300)), int(rng.integers(1, 300))), 0, 0, 360, 150, -1)
        rim = find_cap_rim(frame)
        assert rim is None or rim[1].shape == (48,)


def test_support_points_keep_off_the_cap_rim_when_asked():
    frame, cap = scope_view(0)
    rim = find_cap_rim(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    on_rim = cap_rim_mask(frame.shape, rim, 8.0, 4.0)
    source = np.array([[160.0, 136.0]])
    kwargs = dict(num_support=400, min_distance=6)
    plain = SupportPointTracker(PyramidalLKTracker(), **kwargs).pick_support(frame, source)
    kept = SupportPointTracker(PyramidalLKTracker(), cap_rim_band=(8.0, 4.0),
                               **kwargs).pick_support(frame, source)

    def rim_share(points):
        xy = np.round(points).astype(int)
        return on_rim[xy[:, 1], xy[:, 0]].mean()

    assert rim_share(plain) > 0.1  # the rim's corners are among the strongest
    assert rim_share(kept) == 0.0
    assert len(kept) >= 0.7 * len(plain)


def test_the_source_follows_the_tissue_while_blood_spreads_over_it():
    """Lucas-Kanade on the source loses it under the spreading blood; on the support
    points around it, the source stays within a pixel of the truth."""
    img = tissue()
    wrapped, alone = SupportPointTracker(PyramidalLKTracker()), PyramidalLKTracker()
    wrapped.init(img, SOURCE)
    alone.init(img, SOURCE)
    errors_wrapped, errors_alone = [], []
    for t in range(1, 16):
        shift = np.array([1.5 * t, -1.0 * t])
        frame = shifted(img, *shift)
        truth = SOURCE[0] + shift
        cv2.circle(frame, (int(round(truth[0])), int(round(truth[1]))), 4 + 2 * t,
                   (20, 20, 200), -1)
        out = wrapped.step(frame)
        assert out.visible[0] and out.confidence[0] > 0.5
        errors_wrapped.append(np.linalg.norm(out.points[0] - truth))
        lk = alone.step(frame)
        errors_alone.append(np.linalg.norm(lk.points[0] - truth) if lk.visible[0] else np.inf)
    assert max(errors_wrapped) < 1.0, errors_wrapped
    assert errors_alone[-1] > 5.0, errors_alone
    assert wrapped.reanchored_at == []


def test_ransac_recovers_a_similarity_despite_dragged_support_points():
    motions = {t: similarity(2.0 * t, 1.0 + 0.02 * t, [3.0 * t, -2.0 * t]) for t in range(1, 6)}
    inner = ScriptedTracker(motions, outliers=12)
    tracker = scripted(inner)
    tracker.init(tissue(), SOURCE)
    support = inner.inits[0]
    assert len(support) == 48 and not np.isin(SOURCE, support).all()  # tracks tissue only
    for t in range(1, 6):
        out = tracker.step(tissue())
        np.testing.assert_allclose(out.points, apply(motions[t], SOURCE), atol=1e-3)
        assert out.visible.all()
        assert out.confidence[0] == pytest.approx(36 / 48)


def test_a_failed_fit_holds_the_last_transform_without_reanchoring():
    motions = {t: similarity(0.0, 1.0, [2.0 * t, 0.0]) for t in range(1, 6)}
    inner = ScriptedTracker(motions, hidden={3: slice(None), 4: slice(None)})
    tracker = scripted(inner)
    tracker.init(tissue(), SOURCE)
    outs = [tracker.step(tissue()) for _ in range(5)]
    for t in (3, 4):  # every support point hidden: the frame-2 transform, not visible
        np.testing.assert_allclose(outs[t - 1].points, SOURCE + [4.0, 0.0], atol=1e-6)
        assert not outs[t - 1].visible.any() and outs[t - 1].confidence[0] == 0
    np.testing.assert_allclose(outs[4].points, SOURCE + [10.0, 0.0], atol=1e-3)
    assert outs[4].visible.all() and tracker.reanchored_at == [] and len(inner.inits) == 1


def test_a_fit_with_too_few_inliers_reanchors_when_asked_and_the_transforms_chain():
    """The scripted motions count frames from the tracker's last init."""
    motions = {t: similarity(0.0, 1.0, [5.0 * t, 0.0]) for t in range(1, 4)}
    # frame 2: 40 of the 48 support points lost, the 8 others still fit
    inner = ScriptedTracker(motions, hidden={2: slice(0, 40)})
    tracker = scripted(inner)
    tracker.init(tissue(), SOURCE)
    for _ in range(2):
        tracker.step(tissue())
    assert tracker.reanchored_at == []  # off by default: Track-On finds its points again
    tracker = scripted(inner, reanchor_inlier_share=0.5)
    tracker.init(tissue(), SOURCE)
    outs = [tracker.step(tissue()) for _ in range(3)]
    assert tracker.reanchored_at == [2]
    assert len(inner.inits) == 3 and len(inner.inits[-1]) == 48  # new support points
    np.testing.assert_allclose(outs[1].points, SOURCE + [10.0, 0.0], atol=1e-3)
    # frame 3 is the new tracker's frame 1: 5 px on from frame 2's point
    np.testing.assert_allclose(outs[2].points, SOURCE + [15.0, 0.0], atol=1e-3)


def test_support_points_leaving_the_frame_reanchor():
    """A 2.5x zoom about the source pushes most support points out of the 240x200 frame."""
    centre = SOURCE[0]
    zoom = np.array([[2.5, 0.0, -1.5 * centre[0]], [0.0, 2.5, -1.5 * centre[1]]])
    inner = ScriptedTracker({1: zoom})
    tracker = scripted(inner)
    tracker.init(tissue(), SOURCE)
    out = tracker.step(tissue())
    np.testing.assert_allclose(out.points, SOURCE, atol=1e-3)
    assert out.visible.all() and tracker.reanchored_at == [1] and len(inner.inits) == 2


def test_a_motion_the_tissue_does_not_show_fails_the_appearance_check():
    """The tracker agrees on a 20 px shift of every support point (water sweeping across
    the view) while the tissue stays put: RANSAC alone follows it; the appearance check
    holds the point and lets the true motion through again."""
    img = sharp_tissue()
    motions = {1: similarity(0.0, 1.0, [3.0, 2.0]), 2: similarity(0.0, 1.0, [23.0, 2.0]),
               3: similarity(0.0, 1.0, [6.0, 4.0])}
    frames = {1: shifted(img, 3.0, 2.0), 2: shifted(img, 3.0, 2.0), 3: shifted(img, 6.0, 4.0)}
    for thr, frame_2 in ((0.0, SOURCE + [23.0, 2.0]), (0.5, SOURCE + [3.0, 2.0])):
        tracker = SupportPointTracker(ScriptedTracker(motions), appearance_thr=thr)
        tracker.init(img, SOURCE)
        outs = [tracker.step(frames[t]) for t in (1, 2, 3)]
        np.testing.assert_allclose(outs[0].points, SOURCE + [3.0, 2.0], atol=1e-3)
        assert outs[0].visible.all()
        np.testing.assert_allclose(outs[1].points, frame_2, atol=1e-3)
        assert outs[1].visible.all() == (thr == 0.0)
        np.testing.assert_allclose(outs[2].points, SOURCE + [6.0, 4.0], atol=1e-3)
        assert outs[2].visible.all() and tracker.reanchored_at == []


def test_appearance_is_the_median_patch_correlation():
    img = tissue()
    tracker = SupportPointTracker(PyramidalLKTracker(), appearance_search=0)
    tracker.init(img, SOURCE)
    assert tracker.appearance(img, np.eye(2, 3)) == pytest.approx(1.0, abs=1e-5)
    negative = 255 - img  # every patch inverted: correlation -1
    assert tracker.appearance(negative, np.eye(2, 3)) == pytest.approx(-1.0, abs=1e-5)
    noise = np.random.default_rng(0).integers(0, 256, img.shape, dtype=np.uint8)
    assert abs(tracker.appearance(noise, np.eye(2, 3))) < 0.15
    shift = similarity(0.0, 1.0, [4.0, -3.0])
    assert tracker.appearance(shifted(img, 4.0, -3.0), shift) > 0.95
    assert tracker.appearance(img, similarity(0.0, 1.0, [1e4, 0.0])) == -1.0  # off the frame
    rotated = similarity(20.0, 1.1, [0.0, 0.0])
    rotated[:, 2] = SOURCE[0] - rotated[:, :2] @ SOURCE[0]  # about the source
    view = cv2.warpAffine(img, rotated, (img.shape[1], img.shape[0]),
                          borderMode=cv2.BORDER_REFLECT)
    assert tracker.appearance(view, rotated) > 0.9  # the patches turn with the view


def test_the_check_can_leave_out_tissue_that_blood_has_spread_over():
    """Blood spreads over the left 60 % of a still view after the reference: the right
    fit (no motion) shows a uniform red sheet where most support points were, and the
    median correlation refuses it; with ``appearance_skip_red`` the points now under red
    are left out, the rest of the tissue shows the fit right, and a wrong fit is still
    refused."""
    img = sharp_tissue()
    bled = img.copy()
    bled[:, :int(0.6 * img.shape[1])] = (20, 20, 170)  # BGR: Red-Mask about 0.6
    wrong = similarity(0.0, 1.0, [15.0, 0.0])
    for skip, right_passes in ((False, False), (True, True)):
        tracker = SupportPointTracker(ScriptedTracker({1: np.eye(2, 3)}),
                                      appearance_skip_red=skip)
        tracker.init(img, SOURCE)
        support = tracker._support
        assert (support[:, 0] < 0.6 * img.shape[1]).mean() > 0.5  # most under the blood
        assert (tracker.appearance(bled, np.eye(2, 3)) >= 0.5) == right_passes
        assert tracker.appearance(bled, wrong) < 0.45
        assert tracker.step(bled).visible.all() == right_passes
    # fewer than min_inliers points outside the blood: all of them are judged, as before
    covered = np.full_like(img, (20, 20, 170))
    skipping = SupportPointTracker(PyramidalLKTracker(), appearance_skip_red=True)
    skipping.init(img, SOURCE)
    assert skipping.appearance(covered, np.eye(2, 3)) == pytest.approx(0.0, abs=1e-6)


def test_the_appearance_search_forgives_small_misfits_only():
    img = sharp_tissue()
    exact, searching = (SupportPointTracker(PyramidalLKTracker(), appearance_search=s)
                        for s in (0, 3))
    for tracker in (exact, searching):
        tracker.init(img, SOURCE)
    off_by_3 = similarity(0.0, 1.0, [3.0, 0.0])  # the fit is 3 px off: the view did not move
    assert exact.appearance(img, off_by_3) < 0.5
    assert searching.appearance(img, off_by_3) == pytest.approx(1.0, abs=1e-4)
    assert searching.appearance(img, similarity(0.0, 1.0, [15.0, 0.0])) < 0.45


def faint_noisy_tissue(seed: int) -> np.ndarray:
    """``tissue()`` at a fifth of its contrast with fresh pixel noise (sd 6 grey levels) in
    each frame: faint mucosa as a sensor sees it."""
    img = tissue().astype(np.float32)
    img = 128.0 + 0.2 * (img - img.mean())
    img += np.random.default_rng(seed).normal(0.0, 6.0, img.shape[:2])[..., None]
    return np.clip(img, 0, 255).astype(np.uint8)


def test_the_blurred_check_sees_faint_tissue_through_pixel_noise():
    """The view did not move, only the noise is new: on raw 11-px patches (the defaults)
    the right fit correlates below the threshold (0.5) and is refused; 17-px patches of
    the frames blurred by 2 px pass it above 0.9 and still refuse fits 12 and 20 px off."""
    reference, later = faint_noisy_tissue(1), faint_noisy_tissue(2)
    raw = SupportPointTracker(PyramidalLKTracker())
    blurred = SupportPointTracker(PyramidalLKTracker(), appearance_blur=2.0,
                                  appearance_radius=8)
    for tracker in (raw, blurred):
        tracker.init(reference, SOURCE)
    right = np.eye(2, 3)
    assert raw.appearance(later, right) < 0.5
    assert blurred.appearance(later, right) > 0.9
    for wrong in (similarity(0.0, 1.0, [12.0, 0.0]), similarity(0.0, 1.0, [20.0, 5.0])):
        assert blurred.appearance(later, wrong) < 0.5


class LosingTracker(BasePointTracker):
    """Keeps its points where they were given (a static view), but after its first
    ``init`` loses every one of them from frame ``lose_at`` on, for good: it reports
    them, visible and confident, scattered up to 40 px away."""

    def __init__(self, lose_at):
        super().__init__(black_level=-1)
        self.lose_at, self.inits = lose_at, 0

    def _init(self, frame, points):
        self.inits += 1
        self._points = points.copy()

    def _step(self, frame):
        lost = self.inits == 1 and self.frame_index >= self.lose_at
        k = len(self._points)
        scatter = np.random.default_rng(self.frame_index).uniform(-40, 40, (k, 2))
        return TrackStep(self._points + (scatter if lost else 0.0), np.full(k, True),
                         np.ones(k))


def test_recovery_finds_the_tissue_again_after_the_tracker_lost_it():
    """The tracker loses every support point at frame 3 (it reports them, confident,
    scattered around) while the camera moves by (10, 5): the fit fails from then on and
    the point is held; with recovery on, SIFT matching to the reference frame re-anchors
    at the second failed fit and the point follows the tissue again."""
    img = sharp_tissue()
    moved = shifted(img, 10.0, 5.0)
    frames = [img, img, moved, moved, moved, moved]
    held = SupportPointTracker(LosingTracker(lose_at=3), recover_after=0)
    held.init(img, SOURCE)
    outs = [held.step(f) for f in frames]
    for out in outs[2:]:
        np.testing.assert_allclose(out.points, SOURCE, atol=1e-6)
        assert not out.visible.any()
    inner = LosingTracker(lose_at=3)
    tracker = SupportPointTracker(inner, recover_after=2)
    tracker.init(img, SOURCE)
    outs = [tracker.step(f) for f in frames]
    np.testing.assert_allclose(outs[2].points, SOURCE, atol=1e-6)  # the first failure: held
    assert not outs[2].visible.any()
    assert tracker.reanchored_at == [4] and inner.inits == 2
    for out in outs[3:]:
        np.testing.assert_allclose(out.points, SOURCE + [10.0, 5.0], atol=0.5)
        assert out.visible.all() and out.confidence[0] > 0.3
    # a view that is not the tissue is not taken for it: the point stays held
    noise = np.random.default_rng(1).integers(0, 256, img.shape, dtype=np.uint8)
    tracker = SupportPointTracker(LosingTracker(lose_at=1), recover_after=1)
    tracker.init(img, SOURCE)
    for _ in range(3):
        out = tracker.step(noise)
        np.testing.assert_allclose(out.points, SOURCE, atol=1e-6)
        assert not out.visible.any()
    assert tracker.reanchored_at == []


def test_recovery_finds_faint_tissue_that_the_default_sift_contrast_misses():
    """The same loss and camera move on tissue of 30 % contrast (the synthetic frames'
    tissue is faint): OpenCV's default SIFT contrast threshold (0.04) finds almost no key
    points there and the point stays held; the default ``recover_contrast`` (0.01)
    re-anchors and follows the tissue."""
    img = sharp_tissue().astype(np.float32)
    faint = np.clip((img - 128.0) * 0.3 + 128.0, 0, 255).astype(np.uint8)
    moved = shifted(faint, 10.0, 5.0)
    frames = [faint, faint, moved, moved, moved, moved]
    for contrast, reanchored, end in ((0.04, [], SOURCE), (None, [4], SOURCE + [10.0, 5.0])):
        kwargs = {} if contrast is None else dict(recover_contrast=contrast)
        tracker = SupportPointTracker(LosingTracker(lose_at=3), recover_after=2, **kwargs)
        tracker.init(faint, SOURCE)
        outs = [tracker.step(f) for f in frames]
        assert tracker.reanchored_at == reanchored, contrast
        np.testing.assert_allclose(outs[-1].points, end, atol=0.5)


def test_a_frame_without_tissue_tracks_the_query_directly():
    inner = ScriptedTracker({1: similarity(0.0, 1.0, [1.0, 2.0])})
    tracker = scripted(inner)
    flat = np.full((200, 240, 3), 120, np.uint8)
    tracker.init(flat, SOURCE)
    np.testing.assert_array_equal(inner.inits[0], SOURCE)
    np.testing.assert_allclose(tracker.step(flat).points, SOURCE + [1.0, 2.0])


def test_builds_from_a_config_and_refuses_bad_arguments():
    tracker = MODELS.build(dict(type='SupportPointTracker',
                                tracker=dict(type='PyramidalLKTracker'), model='affine'))
    assert isinstance(tracker.tracker, PyramidalLKTracker)
    with pytest.raises(ValueError, match="model must be 'similarity' or 'affine'"):
        SupportPointTracker(PyramidalLKTracker(), model='homography')
    with pytest.raises(ValueError, match='num_support >= min_inliers >= 3'):
        SupportPointTracker(PyramidalLKTracker(), num_support=4)
    with pytest.raises(ValueError, match='appearance_thr in'):
        SupportPointTracker(PyramidalLKTracker(), appearance_thr=1.5)
    with pytest.raises(ValueError, match='appearance_blur >= 0'):
        SupportPointTracker(PyramidalLKTracker(), appearance_blur=-1.0)
    with pytest.raises(ValueError, match='recover_after must be >= 0'):
        SupportPointTracker(PyramidalLKTracker(), recover_after=-1)
    with pytest.raises(ValueError, match='appearance_search >= 0'):
        SupportPointTracker(PyramidalLKTracker(), appearance_search=-1)
    with pytest.raises(ValueError, match='recover_features >= 1 and recover_contrast > 0'):
        SupportPointTracker(PyramidalLKTracker(), recover_contrast=0.0)
    with pytest.raises(ValueError, match=r'cap_rim_band must be \(inside, outside\) px'):
        SupportPointTracker(PyramidalLKTracker(), cap_rim_band=(8.0, -1.0))
    with pytest.raises(TypeError, match='BasePointTracker or its config'):
        SupportPointTracker(object())
