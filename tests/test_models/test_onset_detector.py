# Copyright (c) mmbleed contributors. All rights reserved.
"""BleedOnsetDetector: streaming equals offline, bad input, learning a toy task."""
import numpy as np
import pytest
import torch

from mmbleed.evaluation.functional import onset_accuracy, window_onset
from mmbleed.registry import MODELS
from mmbleed.utils import register_all_modules
from onset_helpers import SIZE, clip_inputs, tiny_detector_cfg, toy_clip

register_all_modules()


def build(seed=0, **overrides):
    torch.manual_seed(seed)
    model = MODELS.build(tiny_detector_cfg(**overrides))
    model.eval()
    return model


def offline(model, frames, onset=None):
    inputs, sample = clip_inputs(frames, onset)
    with torch.no_grad():
        return model([inputs], [sample], mode='predict')[0]


def stream(model, frames):
    model.init()
    statuses = [model.step(f) for f in frames]
    return statuses, model.finish()


def test_window_onset_by_hand():
    assert window_onset(10, 0.35, 20, 20) == 17
    assert window_onset(0, 0.15, 20, 20) == 3  # 0.15 * 20 = 3.0000000000000004
    assert window_onset(0, 3 / 20, 20, 20) == 3  # float32-style θ = k / N still gives k
    assert window_onset(5, 1.0, 20, 20) == 24  # θ = 1 stays on the window's last frame
    assert window_onset(3, 0.5, 7, 20) == 9  # a padded window: its last real frame
    assert window_onset(3, -0.2, 20, 20) == 3


@pytest.mark.parametrize('num_frames,aligned', [(57, None), (12, None), (57, 1), (57, 4)])
def test_streaming_equals_offline(num_frames, aligned):
    # longer and shorter than N = 20; with MDG's references aligned by optical flow too,
    # computed directly every frame (1) or chained through the previous frame's flow (4)
    frames = toy_clip(num_frames, onset=min(30, num_frames // 2), seed=1)
    model = build(reference_alignment=None if aligned is None else dict(
        dis_preset='ultrafast', chain_frames=aligned))
    # random weights give confidences near 0.5: a threshold between them makes some
    # windows confident, so the alert and the onset are exercised
    first = offline(model, frames)
    model.conf_thr = float(np.median(first.pred_window_confidence))
    result = offline(model, frames)
    statuses, final = stream(model, frames)
    assert final.onset_final
    expected = None if result.pred_onset < 0 else result.pred_onset
    assert final.onset == expected
    alert = next((s.frame for s in statuses if s.new_alert), None)
    if alert is None and final.new_alert:
        alert = final.frame
    assert (alert if alert is not None else -1) == result.pred_alert_frame
    if num_frames >= model.window:
        confs = [s.window_confidence for s in statuses if s.window_confidence is not None]
        np.testing.assert_allclose(confs, result.pred_window_confidence, atol=1e-4)
        assert expected is not None  # the median threshold leaves confident windows
    # the onset only ever moves earlier, and is final once no later window can change it
    named = [s.onset for s in statuses if s.onset is not None]
    assert named == sorted(named, reverse=True)
    for s in statuses:
        if s.onset_final:
            assert s.onset == final.onset


def test_streaming_memory_matches_offline_key_frames():
    frames = toy_clip(50, onset=35, seed=2)
    model = build()
    inputs, _ = clip_inputs(frames, 35)
    with torch.no_grad():
        keys = model.extract_frame_features(inputs)['key_frames']
    statuses, _ = stream(model, frames)
    # status.key_frames is the memory after frame t, i.e. what frame t + 1 is compared with
    assert [s.key_frames for s in statuses[:-1]] == keys[1:]
    assert max(len(k) for k in keys) <= model.mdcfm.memory_size


def test_stream_shorter_than_window_and_empty_stream():
    model = build()
    model.conf_thr = 0.0  # every window is confident
    frames = toy_clip(7, onset=None, seed=3)
    statuses, final = stream(model, frames)
    assert all(not s.alert and s.window_confidence is None for s in statuses)
    # the one padded window is scored at the end, its onset kept inside the 7 real frames
    assert final.alert and final.new_alert and final.onset is not None
    assert 0 <= final.onset <= 6 and final.onset == offline(model, frames).pred_onset
    model.init()
    empty = model.finish()
    assert empty.onset is None and not empty.alert


def test_stream_resizes_original_frames_like_the_pipeline():
    import cv2
    frames = toy_clip(25, onset=10, seed=4, size=(80, 68))
    model = build()
    small = np.stack([cv2.resize(f, SIZE, interpolation=cv2.INTER_AREA) for f in frames])
    result = offline(model, small)
    statuses, _ = stream(model, frames)
    confs = [s.window_confidence for s in statuses if s.window_confidence is not None]
    # float32 noise of batched (offline) against one-frame (streaming) convolutions
    np.testing.assert_allclose(confs, result.pred_window_confidence, atol=5e-4)


def test_bad_stream_input_gets_one_clear_line():
    model = build()
    with pytest.raises(RuntimeError, match='init'):
        model.step(np.zeros((34, 40, 3), np.uint8))
    model.init()
    model.step(toy_clip(1, None)[0])
    with pytest.raises(ValueError, match=r'frame 1 is 50x30 but the stream started at 40x34'):
        model.step(np.zeros((30, 50, 3), np.uint8))
    with pytest.raises(ValueError, match='uint8 BGR'):
        model.step(np.zeros((34, 40), np.float32))


def test_offline_rejects_frames_at_another_size_and_empty_clips():
    model = build()
    frames = toy_clip(5, None, size=(48, 40))
    with pytest.raises(ValueError, match='Resize scale must equal'):
        offline(model, frames)
    with pytest.raises(ValueError, match='empty clip'):
        offline(model, toy_clip(1, None)[:0])


def test_black_and_saturated_frames_never_enter_the_memory():
    frames = toy_clip(40, onset=None, seed=5)
    frames[10:14] = 0  # light off
    frames[20:23] = 255  # blinding glare
    model = build()
    model.mdcfm.alpha = model.mdcfm.gamma = 1.01  # every usable frame is clean
    inputs, _ = clip_inputs(frames, None)
    with torch.no_grad():
        out = model.extract_frame_features(inputs)
    bad = set(range(10, 14)) | set(range(20, 23))
    assert [i for i, u in enumerate(out['unusable']) if u] == sorted(bad)
    assert not bad & {k for keys in out['key_frames'] for k in keys}
    assert torch.isfinite(out['feats']).all()
    assert len(out['key_frames'][-1]) == model.mdcfm.memory_size  # clean frames were kept
    statuses, _ = stream(model, frames)
    assert [s.frame for s in statuses if s.unusable] == sorted(bad)


def test_no_memory_ablation_keeps_no_key_frames():
    model = build(mdcfm=dict(type='mmbleed.MDCFM', feat_channels=(4, 8, 8), memory_size=0),
                  mdg=dict(type='mmbleed.MDG', feat_channels=(4, 8, 8), out_channels=16,
                           use_memory=False))
    frames = toy_clip(30, onset=12, seed=6)
    result = offline(model, frames)
    statuses, final = stream(model, frames)
    assert all(s.key_frames == [] for s in statuses)
    assert final.onset == (None if result.pred_onset < 0 else result.pred_onset)


def test_learns_toy_onsets_better_than_a_constant():
    """Trained for 240 steps (about 15 s), the detector (with the CPU config's per-frame
    read-out) finds a growing red pool's onset within 2 frames, far better than the
    constant-onset rule."""
    torch.manual_seed(0)
    model = MODELS.build(tiny_detector_cfg(readout='frames'))
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)
    train = [(toy_clip(45, int(o), seed=100 + i), int(o))
             for i, o in enumerate(rng.integers(12, 33, size=16))]
    model.train()
    for step in range(240):
        frames, onset = train[step % len(train)]
        inputs, sample = clip_inputs(frames, onset)
        losses = model([inputs], [sample], mode='loss')
        optim.zero_grad()
        sum(losses.values()).backward()
        optim.step()
    model.eval()
    onsets = rng.integers(12, 33, size=12)
    preds = [offline(model, toy_clip(45, int(o), seed=500 + i), int(o)).pred_onset
             for i, o in enumerate(onsets)]
    learned = onset_accuracy(preds, list(onsets), ks=(2, 4))
    constant = onset_accuracy([22] * len(onsets), list(onsets), ks=(2, 4))
    assert learned['Acc@2'] >= 0.75 and learned['Acc@2'] > constant['Acc@2'] + 0.4, (
        preds, list(onsets))
    assert learned['num_missed'] == 0 and learned['MAE'] < 2


def test_aligned_references_undo_the_camera_jitter():
    """MDG's references warped onto the frame (ReferenceAlignment): the tissue that the
    camera moved no longer differs, the pool of blood that appeared still does."""
    from mmbleed.models.memory import FrameDomains, ReferenceAlignment
    frames = toy_clip(40, onset=30, seed=6)
    domains = FrameDomains(dis_preset='medium').sequence(frames)
    align = ReferenceAlignment(finest_scale=0)
    key, before, after = domains[5], domains[20], domains[39]
    shift = [np.abs(d['rgb'] - key['rgb']).mean() for d in (before, after)]
    aligned = [align(d, key) for d in (before, after)]
    residual = [np.abs(d['rgb'] - a['rgb']).mean() for d, a in zip((before, after), aligned)]
    assert residual[0] < 0.5 * shift[0], (shift, residual)  # no blood: the motion is undone
    pool = np.abs(after['rgb'] - aligned[1]['rgb']).max(0) > 0.5
    assert pool.sum() > 20 and residual[1] > 2 * residual[0]  # the blood stays
    for d in ('flow', 'gray'):  # the flow domain is motion itself: left as it was
        assert aligned[1][d] is key[d]
    with pytest.raises(ValueError, match='must be one stream'):
        align(dict(after, gray=after['gray'][:-1]), key)


def test_composed_flows_follow_the_first_flow_into_the_second():
    from mmbleed.datasets.transforms.optical_flow import compose_flows
    first = np.zeros((6, 8, 2), np.float32)
    first[..., 0] = 2.0  # a -> b: 2 px right
    then = np.zeros((6, 8, 2), np.float32)
    then[..., 1] = np.arange(8, dtype=np.float32)  # b -> c: x px down at column x
    out = compose_flows(first, then)
    np.testing.assert_allclose(out[..., 0], 2.0)
    # each pixel moves with b's pixel 2 px to its right; past the border, b's border column
    np.testing.assert_allclose(out[0, :, 1], [2, 3, 4, 5, 6, 7, 7, 7])


def test_chained_reference_flows_track_the_tissue_and_restart_directly():
    """ReferenceAlignment.align_frame with chain_frames > 1: a key frame's flow chained
    through consecutive flows aligns it about as well as the direct flow, the chain is
    recomputed directly every chain_frames frames, and chain_frames=1 is the direct flow."""
    from mmbleed.models.memory import FrameDomains, ReferenceAlignment
    frames = toy_clip(40, onset=39, seed=6)
    domains = FrameDomains(dis_preset='medium').sequence(frames)
    direct = ReferenceAlignment(finest_scale=0)
    chained = ReferenceAlignment(finest_scale=0, chain_frames=6)
    chains_direct, chains = {}, {}
    key, shifts, err_direct, err_chain = 5, [], [], []
    for t in range(key + 1, 25):
        keys = [(key, domains[key])]
        _, (via_direct, ) = direct.align_frame(chains_direct, t, domains[t], domains[t - 1],
                                               keys)
        assert chains_direct[key][1] == 0
        np.testing.assert_array_equal(via_direct['rgb'], direct(domains[t], domains[key])['rgb'])
        prev, (via_chain, ) = chained.align_frame(chains, t, domains[t], domains[t - 1], keys)
        assert chains[key][1] == (t - key - 1) % 6  # direct at the key's next frame, then
        # every sixth frame
        np.testing.assert_array_equal(prev['rgb'], direct(domains[t], domains[t - 1])['rgb'])
        shifts.append(np.abs(domains[t]['rgb'] - domains[key]['rgb']).mean())
        err_direct.append(np.abs(domains[t]['rgb'] - via_direct['rgb']).mean())
        err_chain.append(np.abs(domains[t]['rgb'] - via_chain['rgb']).mean())
    # the camera's jitter is undone (what is left is the clip's pixel noise), as well as by
    # the direct flow in every frame
    assert np.mean(err_chain) < 0.6 * np.mean(shifts), (shifts, err_chain)
    assert max(c / d for c, d in zip(err_chain, err_direct)) < 1.1, (err_direct, err_chain)
    # a black frame breaks the chain: the next flow is computed directly
    black = dict(domains[25], unusable=True)
    chained.align_frame(chains, 25, black, domains[24], [(key, domains[key])])
    assert chains[key][1] == 0
    with pytest.raises(ValueError, match='chain_frames'):
        ReferenceAlignment(chain_frames=0)
