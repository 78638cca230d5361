# Copyright (c) mmbleed contributors. All rights reserved.
"""BleedOrigin's source module (paper §4.1.2-4.1.3): Red-Mask feature, Eq. 3 attention, Eq. 5
loss, the localizer's predictions in original pixels, its top-k peaks, its bad-input errors,
and that it learns a synthetic "where did the red appear" task far better than the centre."""
import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmbleed.models import (BleedSourceLocalizer, EvidenceAlignment, MultiScaleAttention,
                            RedMaskFeature, RedMaskLocalizer, SourceLoss, soft_argmax_2d)
from mmbleed.models.fusion.multiscale_attention import window_partition, window_reverse
from mmbleed.structures import BleedDataSample

INPUT = (64, 48)  # (w, h)


def tiny_localizer(lookahead=5, use_red_mask=True, scales=(1, 2, 4, 8),
                   windows=(8, 8, 8, None), **kwargs):
    red_channels = 3 if lookahead else 1
    return BleedSourceLocalizer(
        encoder=dict(type='mmpretrain.ResNet', depth=18, in_channels=6 if lookahead else 3,
                     stem_channels=8, base_channels=8, num_stages=3, strides=(1, 2, 1),
                     dilations=(1, 1, 2), out_indices=(2, )),
        heatmap_module=dict(type='HeatmapHead', in_channels=32, out_channels=16,
                            feat_channels=16, num_upsamples=3),
        attention=dict(type='MultiScaleAttention', query_channels=16,
                       key_channels=red_channels if use_red_mask else 16, value_channels=32,
                       embed_dims=16, scales=scales, window_sizes=windows, num_heads=2),
        codec=dict(type='GaussianHeatmap', input_size=INPUT, heatmap_size=INPUT, sigma=2.0),
        lookahead=lookahead, use_red_mask=use_red_mask, **kwargs)


# -- Red-Mask feature ------------------------------------------------------------------------
def test_red_mask_feature_hand_computed():
    frame = torch.zeros(1, 3, 2, 2)
    frame[0, :, 0, 0] = torch.tensor([0., 0., 255.])  # BGR pure red: (2*255 - 0 - 0) / 510 = 1
    frame[0, :, 0, 1] = torch.tensor([50., 100., 200.])  # (400 - 150) / 510
    later = frame.clone()
    later[0, :, 1, 1] = torch.tensor([0., 0., 255.])  # red appears here
    later[0, :, 0, 0] = torch.tensor([255., 255., 255.])  # red gone: no negative "appeared"
    one = RedMaskFeature(num_frames=1)(frame)
    assert one.shape == (1, 1, 2, 2)
    assert one[0, 0, 0, 0] == pytest.approx(1.0)
    assert one[0, 0, 0, 1] == pytest.approx(250 / 510)
    assert one[0, 0, 1, 0] == 0
    two = RedMaskFeature(num_frames=2)(torch.cat([frame, later], 1))
    assert two.shape == (1, 3, 2, 2)
    torch.testing.assert_close(two[:, :1], one)
    assert two[0, 2, 1, 1] == pytest.approx(1.0)
    assert two[0, 2, 0, 0] == 0 and two[0, 1, 0, 0] == 0
    with pytest.raises(ValueError, match=r'\(B, 6, H, W\)'):
        RedMaskFeature(num_frames=2)(frame)


# -- Eq. 3 -----------------------------------------------------------------------------------
def test_window_partition_round_trip_with_padding():
    x = torch.arange(2 * 3 * 10 * 7, dtype=torch.float32).view(2, 3, 10, 7)
    tokens, padded = window_partition(x, 4)
    assert padded == (12, 8) and tokens.shape == (2 * 3 * 2, 16, 3)
    torch.testing.assert_close(window_reverse(tokens, 4, 2, padded, (10, 7)), x)
    # the first window holds the top-left 4x4 pixels, row by row
    torch.testing.assert_close(tokens[0, :, 0], x[0, 0, :4, :4].reshape(-1))


def test_window_attention_masks_padding():
    """A window larger than the map is global attention over the map's pixels only: the
    zero-padded keys must not take part (without the mask the results differ)."""
    torch.manual_seed(0)
    kwargs = dict(query_channels=4, key_channels=3, value_channels=5, embed_dims=8,
                  scales=(1, ), num_heads=2)
    windowed = MultiScaleAttention(window_sizes=(16, ), **kwargs).eval()
    global_ = MultiScaleAttention(window_sizes=(None, ), **kwargs).eval()
    global_.load_state_dict(windowed.state_dict())
    q, k, v = torch.randn(2, 4, 10, 9), torch.randn(2, 3, 10, 9), torch.randn(2, 5, 5, 5)
    torch.testing.assert_close(windowed(q, k, v), global_(q, k, v), rtol=1e-5, atol=1e-5)


def test_keys_steer_attention():
    """Eq. 3's roles: the output at a query mixes the values where the keys match it."""
    torch.manual_seed(0)
    att = MultiScaleAttention(query_channels=1, key_channels=1, value_channels=1,
                              embed_dims=1, scales=(1, ), window_sizes=(None, ), num_heads=1)
    with torch.no_grad():
        for conv in (att.q_proj[0], att.k_proj[0], att.v_proj[0], att.out_proj[0]):
            conv.weight.fill_(1.0)
            conv.bias.zero_()
        att.q_proj[0].weight.fill_(10.0)
    query = torch.ones(1, 1, 4, 4)
    value = torch.arange(16, dtype=torch.float32).view(1, 1, 4, 4)
    key = torch.zeros(1, 1, 4, 4)
    key[0, 0, 3, 2] = 5.0  # the only key that matches: its value (14) wins
    scores = att.q_proj[0](query) * att.k_proj[0](key)
    attended = att._attend(att.q_proj[0](query), att.k_proj[0](key), att.v_proj[0](value), None)
    assert torch.allclose(attended, torch.full_like(attended, 14.0), atol=1e-3)
    assert scores.max() == 50.0


@pytest.mark.parametrize('fuse_key', [False, True])
def test_only_the_fused_key_marks_its_own_pixel(fuse_key):
    """Attention mixes values by key match; where the matching key lay is lost unless the key
    map also enters the fusion."""
    torch.manual_seed(0)
    att = MultiScaleAttention(query_channels=2, key_channels=1, value_channels=2,
                              embed_dims=4, scales=(1, ), window_sizes=(8, ),
                              fuse_key=fuse_key).eval()
    query, value = torch.ones(1, 2, 8, 8), torch.ones(1, 2, 8, 8)
    key = torch.zeros(1, 1, 8, 8)
    key[0, 0, 3, 5] = 1.0
    out = att(query, key, value)
    differs = not torch.allclose(out[0, :, 3, 5], out[0, :, 0, 0])
    assert differs == fuse_key


def test_multiscale_attention_shapes_at_odd_sizes():
    att = MultiScaleAttention(query_channels=4, key_channels=3, value_channels=6, embed_dims=8)
    out = att(torch.randn(1, 4, 67, 78), torch.rand(1, 3, 67, 78), torch.randn(1, 6, 9, 10))
    assert out.shape == (1, 8, 67, 78)
    with pytest.raises(ValueError, match='input resolution'):
        att(torch.randn(1, 4, 16, 16), torch.rand(1, 3, 8, 8), torch.randn(1, 6, 2, 2))
    with pytest.raises(ValueError, match='one window size per scale'):
        MultiScaleAttention(4, 3, 6, scales=(1, 2), window_sizes=(8, ))


def test_values_projected_before_resizing_equal_resized_then_projected():
    # the encoder's channels stay at the encoder's resolution; the result is the one of
    # resizing the wide value map first, because a 1x1 conv commutes with bilinear resizing
    torch.manual_seed(0)
    att = MultiScaleAttention(query_channels=4, key_channels=3, value_channels=48,
                              embed_dims=8, scales=(1, 2), window_sizes=(8, None)).eval()
    query, key = torch.randn(2, 4, 40, 56), torch.rand(2, 3, 40, 56)
    value = torch.randn(2, 48, 5, 7)
    proj = att.v_proj[0]
    resized_first = proj(F.interpolate(value, size=(40, 56), mode='bilinear',
                                       align_corners=False))
    projected_first = F.interpolate(proj(value), size=(40, 56), mode='bilinear',
                                    align_corners=False)
    assert torch.allclose(resized_first, projected_first, atol=1e-5)
    seen = []
    att.v_proj[0].register_forward_hook(lambda m, i, o: seen.append(tuple(i[0].shape)))
    att(query, key, value)
    assert seen == [(2, 48, 5, 7)]


# -- Eq. 5 -----------------------------------------------------------------------------------
def test_soft_argmax_of_a_sharp_peak_and_of_a_flat_map():
    heat = torch.zeros(1, 2, 5, 7)
    heat[0, 0, 3, 5] = 1.0
    points = soft_argmax_2d(heat, beta=100.0)
    torch.testing.assert_close(points[0, 0], torch.tensor([5.0, 3.0]))
    torch.testing.assert_close(points[0, 1], torch.tensor([3.0, 2.0]))  # the centre


def test_source_loss_terms_hand_computed():
    loss = SourceLoss(heatmap_weight=0.5, pseudo_weight=0.5, point_weight=1.0,
                      huber_delta=0.05, soft_argmax_beta=1e4)
    heat = torch.zeros(2, 4, 4)
    heat[0, 1, 2] = 1.0  # peak at (2, 1)
    heat[1, 0, 0] = 1.0
    target = torch.zeros(2, 4, 4)
    target[0, 1, 2] = 1.0  # exact for sample 0
    weights = torch.tensor([1.0, 0.0])  # sample 1 is hidden: ignored
    points = torch.tensor([[2.0, 3.0], [0.0, 0.0]])
    pseudo_pred = torch.ones(3, 4, 4)
    pseudo_target = torch.zeros(3, 4, 4)
    pseudo_w = torch.tensor([1.0, 1.0, 0.0])
    out = loss(heat, target, weights, points, pseudo_pred, pseudo_target, pseudo_w)
    assert out['loss_heatmap'].item() == pytest.approx(0.0)
    assert out['loss_pseudo'].item() == pytest.approx(0.5 * 1.0)  # MSE of ones vs zeros
    # P = (2, 1) vs (2, 3): dy = 2 / 4 = 0.5 of the side > delta: Huber = delta(|d| - delta/2)
    assert out['loss_point'].item() == pytest.approx(0.05 * (0.5 - 0.025), rel=1e-4)
    none = loss(heat, target, weights, points)
    assert 'loss_pseudo' not in none


# -- the localizer ---------------------------------------------------------------------------
def _sample(meta=None, later=None, **fields):
    sample = BleedDataSample()
    sample.set_metainfo(meta or dict(scale_factor=(0.5, 0.5)))
    if later is not None:
        sample.pseudo_inputs = later
    for key, value in fields.items():
        setattr(sample, key, value)
    return sample


def test_predicts_in_original_pixels_with_separate_topk_peaks():
    model = tiny_localizer(lookahead=0, topk=3, peak_radius=4).eval()
    heat = torch.zeros(1, 48, 64)
    heat[0, 10, 20] = 0.9
    heat[0, 11, 21] = 0.8  # a neighbour of the best peak: not a second peak
    heat[0, 40, 50] = 0.5
    sample = _sample(dict(scale_factor=(0.5, 0.5)))
    model._predict(heat, [sample])
    # input (20, 10) -> original ((20 + .5) / .5 - .5, (10 + .5) / .5 - .5) = (40.5, 20.5),
    # refined towards the 0.8 neighbour by the quadratic fit
    assert 40.5 <= sample.pred_point[0] <= 41.5 and 20.5 <= sample.pred_point[1] <= 21.5
    assert sample.pred_score == pytest.approx(0.9)
    np.testing.assert_allclose(sample.pred_topk_points[:2], [[40.5, 20.5], [100.5, 80.5]])
    np.testing.assert_allclose(sample.pred_topk_scores[:2], [0.9, 0.5])
    assert len(sample.pred_topk_points) == 3  # a third, zero-valued peak elsewhere


def test_lookahead_needs_the_frames_after_the_sample():
    model = tiny_localizer(lookahead=5).eval()
    inputs = torch.zeros(1, 3, 48, 64)
    with pytest.raises(ValueError, match='set lookahead on SourceDataset'):
        model(inputs, [_sample()], mode='predict')
    # the clip ended 3 frames after the sample: the last frame is the evidence frame
    later = torch.zeros(3, 3, 48, 64, dtype=torch.uint8)
    later[2, 2] = 255  # only the last frame is red
    frames = model._frames(inputs, [_sample(later=later)])
    assert frames.shape == (1, 6, 48, 64) and frames[0, 5].min() == 255
    # a sample on the clip's last frame has no frame after it: it is its own evidence frame
    last = _sample(dict(scale_factor=(1.0, 1.0), pseudo_frame_indices=[]))
    inputs[0, 1] = 7
    frames = model._frames(inputs, [last])
    torch.testing.assert_close(frames[:, 3:], frames[:, :3])


def test_locate_takes_any_frame_size_and_refuses_bad_frames():
    model = tiny_localizer(lookahead=5)
    frame = np.zeros((30, 40, 3), np.uint8)  # smaller than the 64x48 input: upsampled
    pred = model.locate(frame, frame.copy())
    assert 0 <= pred.point[0] <= 39 and 0 <= pred.point[1] <= 29
    assert pred.topk_points.shape[1] == 2 and len(pred.topk_points) == len(pred.topk_scores)
    assert model.training  # locate() leaves the mode as it found it
    with pytest.raises(ValueError, match='colour image'):
        model.locate(np.zeros((30, 40), np.uint8), frame)
    with pytest.raises(ValueError, match='colour image'):
        model.locate(np.zeros((30, 40, 4), np.uint8), frame)
    with pytest.raises(ValueError, match='evidence_frame'):
        model.locate(frame)
    with pytest.raises(ValueError, match='same video'):
        model.locate(frame, np.zeros((31, 40, 3), np.uint8))
    with pytest.raises(ValueError, match='uint8'):
        model.locate(frame.astype(np.float32), frame)
    with pytest.raises(ValueError, match='no evidence_frame'):
        tiny_localizer(lookahead=0).locate(frame, frame)


def test_prior_skip_starts_from_the_rule():
    """With prior_skip, an untrained localizer's peak is where the (smoothed) red appeared."""
    torch.manual_seed(0)
    frames, sources = _red_appears(np.random.default_rng(2), 4)
    model = tiny_localizer(lookahead=5, prior_skip=True).eval()
    samples = [_sample(dict(scale_factor=(1.0, 1.0)), later=frames[i, 3:][None])
               for i in range(4)]
    with torch.no_grad():
        model(frames[:, :3], samples, mode='predict')
    pred = np.stack([s.pred_point for s in samples])
    assert np.abs(pred - sources).max() < 1.5
    assert not tiny_localizer(lookahead=5).prior_skip
    with pytest.raises(ValueError, match='needs use_red_mask'):
        tiny_localizer(lookahead=5, use_red_mask=False, prior_skip=True)


def test_centre_surround_prior_prefers_a_spot_to_a_wide_area():
    """Red that appeared over a wide area (tissue uncovered by glare moving away) outweighs a
    small spot of fresh blood in the smoothed prior; the centre-surround prior (a difference
    of Gaussians) peaks on the spot instead, and is the smoothed prior minus its surround."""
    model = tiny_localizer(lookahead=5, prior_skip=True, prior_sigma=1.0)
    dog = tiny_localizer(lookahead=5, prior_skip=True, prior_sigma=1.0,
                         prior_surround_sigma=10.0)
    red = torch.zeros(1, 1, 48, 64)
    red[..., 10:40, 2:30] = 0.5  # wide area
    red[..., 30:33, 50:53] = 0.45  # 3x3 spot at (51, 31)
    peak = lambda m: divmod(int(m.flatten().argmax()), 64)[::-1]  # noqa: E731
    assert peak(model.prior(red)) != (51, 31)
    assert peak(dog.prior(red)) == (51, 31)
    # a uniform map has no centre that stands out from its surround
    assert dog.prior(torch.full((1, 1, 48, 64), 0.3)).abs().max() < 1e-5
    with pytest.raises(ValueError, match='needs prior_skip'):
        tiny_localizer(lookahead=5, prior_surround_sigma=10.0)
    with pytest.raises(ValueError, match='larger than prior_sigma'):
        tiny_localizer(lookahead=5, prior_skip=True, prior_sigma=2.0, prior_surround_sigma=2.0)


def _red_appears_at(later, sources):
    """``later`` ``(n, 3, H, W)`` BGR with a red blob (sigma 3 px) added at each source."""
    later = later.astype(np.float32)
    h, w = later.shape[-2:]
    yy, xx = np.mgrid[:h, :w]
    for i, (x, y) in enumerate(sources):
        blob = np.exp(-((xx - x)**2 + (yy - y)**2) / (2 * 3.0**2))
        later[i, :2] *= 1 - 0.8 * blob
        later[i, 2] = later[i, 2] * (1 - blob) + 200 * blob
    return later.clip(0, 255).astype(np.uint8)


def _red_appears(rng, n):
    """Frames of random tissue-coloured texture; the evidence frame adds a red blob whose
    centre is the source. Returns uint8 (n, 6, H, W) and the sources (n, 2) in input px."""
    w, h = INPUT
    base = rng.integers(90, 170, size=(n, 3, h // 4, w // 4)).astype(np.float32)
    base = F.interpolate(torch.from_numpy(base), size=(h, w), mode='bilinear').numpy()
    base[:, 2] += 30  # pinkish tissue (BGR)
    sources = np.stack([rng.uniform(6, w - 7, n), rng.uniform(6, h - 7, n)], 1)
    frames = np.concatenate(
        [base.clip(0, 255).astype(np.uint8), _red_appears_at(base, sources)], 1)
    return torch.from_numpy(frames), sources.astype(np.float32)


def test_learns_where_the_red_appeared():
    """A task only the evidence frame answers: after training, the predicted point is within
    5 px of the source far more often than the frame centre (which almost never is)."""
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = tiny_localizer(lookahead=5, num_pseudo=0, pseudo_per_sample=0,
                           loss=dict(type='SourceLoss', pseudo_weight=0.0))
    codec = model.codec
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(150):
        frames, sources = _red_appears(rng, 8)
        samples = []
        for x, y in sources:
            enc = codec.encode(np.array([[x, y]]))
            s = _sample(dict(scale_factor=(1.0, 1.0)),
                        later=frames[len(samples), 3:][None].expand(5, -1, -1, -1))
            s.gt_heatmaps = torch.from_numpy(enc['heatmaps'])
            s.gt_heatmap_weights = torch.from_numpy(enc['weights'])
            s.gt_input_point = np.array([x, y], np.float32)
            samples.append(s)
        losses = model(frames[:, :3], samples, mode='loss')
        optim.zero_grad()
        sum(losses.values()).backward()
        optim.step()
    model.eval()
    frames, sources = _red_appears(np.random.default_rng(1), 32)
    samples = [_sample(dict(scale_factor=(1.0, 1.0)), later=frames[i, 3:][None])
               for i in range(32)]
    with torch.no_grad():
        model(frames[:, :3], samples, mode='predict')
    pred = np.stack([s.pred_point for s in samples])
    err = np.linalg.norm(pred - sources, axis=1)
    centre = np.linalg.norm(sources - (np.array(INPUT) - 1) / 2, axis=1)
    assert (err < 5).mean() >= 0.8, err
    assert (centre < 5).mean() < 0.2


def test_red_mask_rule_with_lookahead_reads_the_red_that_appeared():
    frames, sources = _red_appears(np.random.default_rng(3), 3)
    frames[:, [2, 5], 5:9, 5:9] = 255  # red in both frames: it did not appear
    frames[:, [0, 1, 3, 4], 5:9, 5:9] = 0
    rule = RedMaskLocalizer(lookahead=5, smooth_sigma=1.0)
    samples = [
        _sample(dict(scale_factor=(1.0, 1.0)), later=frames[i, 3:][None].repeat(5, 1, 1, 1))
        for i in range(3)
    ]
    rule(frames[:, :3], samples, mode='predict')
    pred = np.stack([s.pred_point for s in samples])
    assert np.abs(pred - sources).max() <= 1.5
    with pytest.raises(ValueError, match='set lookahead on SourceDataset'):
        rule(frames[:, :3], [_sample()], mode='predict')


def test_red_mask_rule_centre_surround_ignores_a_wide_area_that_turned_red():
    """A wide area of tissue turns red (glare that moved away) beside a small blob of fresh
    blood: the plain rule points into the area, the centre-surround rule at the blob."""
    frames, _ = _red_appears(np.random.default_rng(4), 2)
    later = frames[:, :3].numpy().copy()
    later[:, :, 20:44, :22] = np.array([60, 60, 230], np.uint8)[:, None, None]
    sources = np.array([(52.0, 34.0)] * 2, np.float32)
    frames[:, 3:] = torch.from_numpy(_red_appears_at(later, sources))
    samples = lambda: [  # noqa: E731
        _sample(dict(scale_factor=(1.0, 1.0)), later=frames[i, 3:][None].repeat(5, 1, 1, 1))
        for i in range(2)]
    plain, centre_surround = samples(), samples()
    RedMaskLocalizer(lookahead=5, smooth_sigma=1.0)(frames[:, :3], plain, mode='predict')
    RedMaskLocalizer(lookahead=5, smooth_sigma=1.0, surround_sigma=10.0)(
        frames[:, :3], centre_surround, mode='predict')
    assert all(s.pred_point[0] < 22 for s in plain)
    pred = np.stack([s.pred_point for s in centre_surround])
    assert np.abs(pred - sources).max() <= 1.5
    with pytest.raises(ValueError, match='larger than smooth_sigma'):
        RedMaskLocalizer(smooth_sigma=2.0, surround_sigma=1.0)


def test_red_mask_rule_averages_several_evidence_frames():
    frame, later, sources, decoy, meta = _source_decoy_source()

    def predict(lookahead):
        sample = _sample(meta, later=later)
        RedMaskLocalizer(lookahead=lookahead, smooth_sigma=1.0)(frame, [sample])
        return sample.pred_point

    assert np.linalg.norm(predict(2) - decoy[0]) <= 1.5  # t+2 alone: the decoy
    assert np.linalg.norm(predict((1, 2, 3)) - sources[0]) <= 1.5  # the mean: the source
    for bad in ((), (0, 2), -1):
        with pytest.raises(ValueError, match='one frame count >= 0 or several >= 1'):
            RedMaskLocalizer(lookahead=bad)


def _red_appears_while_the_camera_moves(rng, n, shift=(5, 3)):
    """Like :func:`_red_appears` on tissue with bright red vessels, but the camera moves by
    ``shift`` input px between the frame and the evidence frame: the vessels' moved edges look
    like red that appeared, redder than the blob. The sources are in the frame's pixels."""
    w, h = INPUT
    m = 12
    frames, sources = [], []
    for _ in range(n):
        canvas = rng.integers(90, 170, size=((h + 2 * m) // 4, (w + 2 * m) // 4, 3))
        canvas = cv2.resize(canvas.astype(np.float32), (w + 2 * m, h + 2 * m))
        canvas[..., 2] += 30  # pinkish tissue (BGR)
        for _ in range(4):  # vessels: pure red
            p0, p1 = rng.integers(0, (w + 2 * m, h + 2 * m), size=(2, 2))
            cv2.line(canvas, tuple(map(int, p0)), tuple(map(int, p1)), (0, 0, 255), 3)
        frame = canvas[m:m + h, m:m + w]
        later = canvas[m + shift[1]:m + shift[1] + h, m + shift[0]:m + shift[0] + w].copy()
        x, y = rng.uniform(12, w - 13), rng.uniform(12, h - 13)  # the source in the frame
        yy, xx = np.mgrid[:h, :w]
        blob = np.exp(-((xx - x + shift[0])**2 + (yy - y + shift[1])**2) / (2 * 3.0**2))
        later[..., :2] *= 1 - 0.8 * blob[..., None]
        later[..., 2] = later[..., 2] * (1 - blob) + 200 * blob
        frames.append(np.concatenate([frame, later], 2).transpose(2, 0, 1))
        sources.append((x, y))
    frames = np.stack(frames).clip(0, 255).astype(np.uint8)
    return torch.from_numpy(frames), np.array(sources, np.float32)


def test_evidence_alignment_undoes_the_camera_motion():
    frames, _ = _red_appears_while_the_camera_moves(np.random.default_rng(4), 3)
    aligned = EvidenceAlignment()(frames)
    assert aligned.shape == frames.shape and aligned.dtype == torch.float32
    torch.testing.assert_close(aligned[:, :3], frames[:, :3].float())  # the frame untouched
    inner = (slice(None), slice(None), slice(8, -8), slice(8, -8))
    before = (frames[:, 3:].float() - frames[:, :3].float()).abs()[inner].mean()
    after = (aligned[:, 3:] - aligned[:, :3]).abs()[inner].mean()
    assert after < 0.35 * before, (float(before), float(after))
    # a frame aligned to itself stays as it was
    still = torch.cat([frames[:, :3], frames[:, :3]], 1)
    torch.testing.assert_close(EvidenceAlignment()(still), still.float(), atol=1.0, rtol=0)
    with pytest.raises(ValueError, match=r'\(B, 6, H, W\)'):
        EvidenceAlignment()(frames[:, :3])


def test_evidence_alignment_at_the_finest_scale_follows_local_motion():
    """Tissue layers sliding past each other (a shift that changes sign every 12 px): DIS's
    default stops at half the frame's resolution and leaves most of it; refined down to the
    frame's own resolution (the CPU config's ``align_finest_scale=0``) it aligns them."""
    rng = np.random.default_rng(0)
    w, h = 160, 136  # the CPU config's input
    texture = rng.integers(60, 200, size=(h // 3, w // 3, 3)).astype(np.float32)
    frame = cv2.resize(texture, (w, h), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    dx = 3.0 * np.sin(2 * np.pi * yy / 24)
    later = cv2.remap(frame, xx - dx, yy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    pair = np.concatenate([frame, later], 2).clip(0, 255).astype(np.uint8).transpose(2, 0, 1)
    pair = torch.from_numpy(pair)[None]
    inner = (slice(None), slice(None), slice(8, -8), slice(8, -8))

    def residual(aligned):
        return float((aligned[:, 3:].float() - aligned[:, :3].float()).abs()[inner].mean())

    fine = residual(EvidenceAlignment(finest_scale=0)(pair))
    default = residual(EvidenceAlignment()(pair))
    assert fine < 0.35 * residual(pair) and fine < 0.5 * default, (residual(pair), default, fine)
    with pytest.raises(ValueError, match='dis_finest_scale must be >= 0'):
        EvidenceAlignment(finest_scale=-1)


def test_red_mask_rule_with_alignment_ignores_the_camera_motion():
    """Without alignment the moved red vessels win; aligned, the blob that appeared does."""
    frames, sources = _red_appears_while_the_camera_moves(np.random.default_rng(5), 6)

    def errors(rule):
        samples = [_sample(dict(scale_factor=(1.0, 1.0)), later=frames[i, 3:][None])
                   for i in range(len(frames))]
        rule(frames[:, :3], samples, mode='predict')
        return np.linalg.norm(np.stack([s.pred_point for s in samples]) - sources, axis=1)

    aligned = errors(RedMaskLocalizer(lookahead=1, smooth_sigma=1.0, align_evidence=True))
    plain = errors(RedMaskLocalizer(lookahead=1, smooth_sigma=1.0))
    assert aligned.max() <= 2.0, aligned
    assert (plain > 5).mean() >= 0.5, plain
    with pytest.raises(ValueError, match='needs lookahead > 0'):
        RedMaskLocalizer(align_evidence=True)
    with pytest.raises(ValueError, match='needs lookahead > 0'):
        tiny_localizer(lookahead=0, align_evidence=True)


def _source_decoy_source():
    """A frame and the three after it: red appears at the source in frames t+1 and t+3 but
    at a decoy in t+2 (say smoke hid the source there). Returns the frame (1, 3, H, W), the
    later frames (3, 3, H, W), the source and the decoy (1, 2), and the sample's metainfo."""
    frames, sources = _red_appears(np.random.default_rng(3), 1)
    frame = frames[:, :3]
    decoy = (sources + [[30.0, 0.0]]) % [[INPUT[0] - 6, INPUT[1] - 6]] + 3
    base = frame[0].numpy()[None]
    later = torch.from_numpy(np.concatenate([
        _red_appears_at(base, sources), _red_appears_at(base, decoy),
        _red_appears_at(base, sources)]))
    meta = dict(scale_factor=(1.0, 1.0), frame_idx=0, num_frames=20, clip_id='c1')
    return frame, later, sources, decoy, meta


def test_prediction_averages_the_heat_maps_of_several_evidence_frames():
    """predict_lookaheads (1, 2, 3): the heat map is the mean of the frame's maps with each
    evidence frame; frame t+2 alone names the decoy, the mean the source; locate() takes the
    three frames and answers the same."""
    torch.manual_seed(0)
    frame, later, sources, decoy, meta = _source_decoy_source()
    model = tiny_localizer(lookahead=2, predict_lookaheads=(1, 2, 3), prior_skip=True,
                           prior_sigma=1.0).eval()
    with torch.no_grad():
        heat = model(frame, [_sample(meta, later=later)], mode='tensor')
        each = [model.heatmaps(torch.cat([frame, later[d][None]], 1)) for d in range(3)]
    torch.testing.assert_close(heat, torch.stack(each).mean(0))

    def argmax(h):
        idx = int(h[0].flatten().argmax())
        return np.array([idx % INPUT[0], idx // INPUT[0]], np.float32)

    assert np.linalg.norm(argmax(each[1]) - decoy[0]) <= 2.0  # t+2 alone: the decoy
    assert np.linalg.norm(argmax(heat) - sources[0]) <= 2.0  # the mean: the source
    sample = _sample(meta, later=later)
    with torch.no_grad():
        model(frame, [sample], mode='predict')
    image = frame[0].numpy().transpose(1, 2, 0).copy()
    evidence = [f.numpy().transpose(1, 2, 0).copy() for f in later]
    np.testing.assert_allclose(model.locate(image, evidence).point, sample.pred_point,
                               atol=1e-4)
    with pytest.raises(ValueError, match='give those 3 frames as evidence_frame, got 1'):
        model.locate(image, evidence[0])
    # the data must carry the frames up to t+3 unless the clip ends before
    with pytest.raises(ValueError, match=r'3 frames after frame 0 of clip c1 .* lookahead >= 3'):
        model(frame, [_sample(meta, later=later[:2])], mode='predict')
    ends = dict(meta, num_frames=3)  # frames 0, 1, 2: frame 2 stands in for t+3
    model(frame, [_sample(ends, later=later[:2])], mode='predict')
    with pytest.raises(ValueError, match='needs lookahead > 0'):
        tiny_localizer(lookahead=0, predict_lookaheads=(1, ))
    with pytest.raises(ValueError, match='>= 1'):
        tiny_localizer(lookahead=2, predict_lookaheads=(0, 2))


def test_localizer_reads_the_aligned_evidence_frame():
    """An untrained localizer with prior_skip starts from the aligned rule: its peak is at the
    source although the camera moved."""
    torch.manual_seed(0)
    frames, sources = _red_appears_while_the_camera_moves(np.random.default_rng(6), 4)
    model = tiny_localizer(lookahead=1, prior_skip=True, align_evidence=True).eval()
    samples = [_sample(dict(scale_factor=(1.0, 1.0)), later=frames[i, 3:][None])
               for i in range(4)]
    with torch.no_grad():
        model(frames[:, :3], samples, mode='predict')
    pred = np.stack([s.pred_point for s in samples])
    assert np.linalg.norm(pred - sources, axis=1).max() <= 2.0
    # locate() aligns the same way
    frame = frames[0, :3].numpy().transpose(1, 2, 0).copy()
    evidence = frames[0, 3:].numpy().transpose(1, 2, 0).copy()
    np.testing.assert_allclose(model.locate(frame, evidence).point, pred[0], atol=1e-4)
