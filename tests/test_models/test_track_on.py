# Copyright (c) mmbleed contributors. All rights reserved.
"""The Track-On-style tracker (TrackOn, §4.3): memory, losses, streaming = offline, learning,
LoRA merge, and the committed pretrained checkpoint."""
import os.path as osp
import re

import cv2
import numpy as np
import pytest
import torch

from checkpoint_helpers import check_committed_checkpoint
from mmbleed.models.fine_tuning import LoRAFineTune, merge_lora
from mmbleed.models.layers import ATTENTION_MLP_TARGETS
from mmbleed.models.losses import PseudoLabelTrackLoss, TrackOnLoss
from mmbleed.models.losses.track_on_loss import patch_index
from mmbleed.models.memory import PointMemory
from mmbleed.models.trackers import TrackOnPointTracker, build_point_tracker
from mmbleed.registry import MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY = dict(
    type='TrackOn',
    backbone=dict(type='mmpretrain.ResNet', depth=18, num_stages=3, out_indices=(0, 1, 2),
                  strides=(1, 2, 2), dilations=(1, 1, 1), stem_channels=8, base_channels=8),
    in_channels=(8, 16, 32), input_size=(64, 80), dim=32, num_heads=2, memory_size=4,
    top_k=4)


def tiny_model(seed=0, **kwargs):
    torch.manual_seed(seed)
    model = MODELS.build(dict(TINY, **kwargs))
    model.init_weights()
    return model.eval()


def textured_clip(t=6, h=64, w=80, step=(2, 1), seed=0):
    """A random smooth texture translated by ``step`` pixels per frame: ``(T, 3, H, W)``
    uint8 (content at ``p`` in frame 0 is at ``p + i * step`` in frame ``i``)."""
    rng = np.random.default_rng(seed)
    pad = (t - 1) * max(abs(step[0]), abs(step[1])) + 1
    big = rng.uniform(0, 255, (h + 2 * pad, w + 2 * pad, 3))
    kernel = np.ones(5) / 5
    for axis in (0, 1):
        big = np.apply_along_axis(lambda v: np.convolve(v, kernel, 'same'), axis, big)
    frames = [big[pad - i * step[1]:pad - i * step[1] + h, pad - i * step[0]:pad - i * step[0] + w]
              for i in range(t)]
    clip = np.stack(frames).astype(np.uint8)
    return torch.from_numpy(clip).permute(0, 3, 1, 2).contiguous()


# ----------------------------------------------------------------------------- memory
def test_point_memory_is_a_bounded_fifo_that_masks_occluded_frames():
    memory = PointMemory(dim=2, size=3)
    state = memory.empty(1, 2, 2, torch.device('cpu'))
    assert state[1].all()  # empty slots are masked
    for value, keep in ((1.0, [True, False]), (2.0, [True, True]), (3.0, [False, True]),
                        (4.0, [True, True])):
        state = PointMemory.write(state, torch.full((1, 2, 2), value), torch.tensor([keep]))
    slots, masked = state
    # four writes into three slots: the oldest (1.0) is gone, newest last
    assert slots[0, 0, :, 0].tolist() == [2.0, 3.0, 4.0]
    assert masked[0].tolist() == [[False, True, False], [False, False, False]]
    tokens, _ = memory.read(state)
    assert torch.allclose(tokens - slots, memory.temporal_embedding.expand_as(slots), atol=1e-6)


# ----------------------------------------------------------------------------- losses
def test_patch_index_names_the_patch_holding_the_point():
    points = torch.tensor([[0.0, 0.0], [7.4, 0.0], [7.6, 8.0], [100.0, -5.0]])
    # 8-pixel patches, pixel centres at integers: [-0.5, 7.5) is patch 0
    assert patch_index(points, (4, 5), 8).tolist() == [0, 0, 6, 4]


def _outputs(points, patch_xy, offset, candidates):
    b, t, k = points.shape[:3]
    zeros = torch.zeros(b, t, k)
    corr = torch.zeros(b, t, k, 20)
    return dict(points=points, patch_xy=patch_xy, offset=offset, vis_logit=zeros,
                unc_logit=zeros, corr1=corr, corr2=corr, candidates=candidates,
                cand_scores=torch.zeros(*candidates.shape[:-1]),
                cand_unc_logit=torch.zeros(*candidates.shape[:-1]))


def test_track_on_loss_terms_by_hand():
    gt = torch.tensor([[[[12.0, 4.0]]]])  # (B, T, K, 2): patch (row 0, col 1) of 8 px
    patch_xy = torch.tensor([[[[3.5, 3.5]]]])
    offset = torch.tensor([[[[1.0, 0.0]]]])
    candidates = torch.tensor([[[[[3.5, 3.5], [11.5, 3.5]]]]])
    loss = TrackOnLoss(temperature=1.0)
    visible = torch.ones(1, 1, 1, dtype=torch.bool)
    out = loss(_outputs(patch_xy + offset, patch_xy, offset, candidates), gt, visible, visible,
               (4, 5), 8)
    # uniform correlation over 20 patches: cross-entropy log(20) for both correlations
    assert out['loss_patch'].item() == pytest.approx(np.log(20))
    # offset error |12 - 4.5| + |4 - 3.5| = 8, in strides
    assert out['loss_offset'].item() == pytest.approx(8.0 / 8)
    # zero logits: BCE log 2 whatever the target
    assert out['loss_visibility'].item() == pytest.approx(np.log(2))
    assert out['loss_uncertainty'].item() == pytest.approx(np.log(2))
    # two candidates with equal scores: log 2, target the second (nearest)
    assert out['loss_rank'].item() == pytest.approx(np.log(2))
    # the offset term is clamped at two strides per point: a far wrong patch does not dominate
    far = loss(_outputs(patch_xy, patch_xy, torch.full_like(offset, -100.0), candidates), gt,
               visible, visible, (4, 5), 8)
    assert far['loss_offset'].item() == pytest.approx(2.0)
    # hidden points: no patch/offset/rank terms (nothing to find), visibility still trained
    hidden = loss(_outputs(patch_xy, patch_xy, offset, candidates), gt, ~visible, visible,
                  (4, 5), 8)
    assert hidden['loss_patch'].item() == 0 and hidden['loss_rank'].item() == 0


def test_eq8_weighs_expert_and_pseudo_points_0p6_and_0p4():
    loss = PseudoLabelTrackLoss()
    gt = torch.zeros(1, 2, 3, 2)
    pred = torch.zeros(1, 2, 3, 2)
    pred[0, :, 0] = torch.tensor([0.5, 0.0])  # the source: 0.5 px off, Huber 0.125 (delta 1)
    pred[0, 0, 1] = torch.tensor([3.0, 0.0])  # pseudo 1: 3 px off at frame 0 only
    pred[0, :, 2] = torch.tensor([0.0, 2.0])  # pseudo 2: 2 px off at both frames
    mask = torch.ones(1, 2, 3, dtype=torch.bool)
    out = loss(pred, gt, mask, torch.tensor([[False, True, True]]), scale=1.0)
    assert out['loss_annotated'].item() == pytest.approx(0.6 * 0.125)
    # per pseudo-point mean over its frames, then over points: ((2.5 + 0) / 2 + 1.5) / 2
    assert out['loss_pseudo'].item() == pytest.approx(0.4 * (1.25 + 1.5) / 2)
    none = loss(pred, gt, mask, torch.tensor([[False, False, False]]), scale=1.0)
    assert none['loss_pseudo'].item() == 0


# ----------------------------------------------------------------------------- model
def test_streaming_through_init_and_step_equals_the_unrolled_window():
    model = tiny_model()
    clip = textured_clip()
    query = torch.tensor([[[20.0, 30.0], [50.0, 12.0], [70.5, 60.0]]])
    with torch.no_grad():
        offline = model.unroll(clip[None], query)
    tracker = TrackOnPointTracker(model)
    frames = [np.ascontiguousarray(f.permute(1, 2, 0).numpy()) for f in clip]
    first = tracker.init(frames[0], query[0].numpy())
    assert np.array_equal(first.points, query[0].numpy())
    for t, frame in enumerate(frames[1:]):
        out = tracker.step(frame)
        assert np.allclose(out.points, offline['points'][0, t].numpy(), atol=1e-3), t
        visible, confidence = model.confidence({k: v[:, t] for k, v in offline.items()})
        assert np.array_equal(out.visible, visible[0].numpy())
        assert np.allclose(out.confidence, confidence[0].numpy(), atol=1e-5)


def test_points_come_back_in_the_frames_pixels_whatever_the_input_size():
    model = tiny_model()
    clip = textured_clip(t=3, h=128, w=160)  # twice the model's input size
    frames = [np.ascontiguousarray(f.permute(1, 2, 0).numpy()) for f in clip]
    tracker = TrackOnPointTracker(model)
    tracker.init(frames[0], np.array([[100.0, 90.0]]))
    out = tracker.step(frames[1])
    with torch.no_grad():
        offline = model.unroll(clip[None], torch.tensor([[[50.0, 45.0]]]))
    assert np.allclose(out.points * 0.5, offline['points'][0, 0].numpy(), atol=1e-3)


def test_predictions_judged_occluded_are_not_written_to_memory():
    model = tiny_model()
    with torch.no_grad():
        model.head.visibility.bias.fill_(-50.0)  # every point judged occluded
        out = model.unroll(textured_clip(t=4)[None], torch.tensor([[[20.0, 30.0]]]))
        features = model.extract(textured_clip(t=2))
        state = model.init_state(model._frame(features, 0, 1), torch.tensor([[[20.0, 30.0]]]))
        state, _ = model.step(state, model._frame(features, 1, 1))
    assert not model.confidence({k: v[:, 0] for k, v in out.items()})[0].any()
    assert state.context[1].all()  # nothing written to the context memory
    assert state.spatial[1][0, 0].tolist() == [True, True, False, True]  # only the query


def test_track_on_loss_trains_every_head_to_follow_a_moving_texture():
    """Forty steps of Track-On's loss on one moving texture: the tracker's error on it falls
    to well under the static point's and a third of its own start (the gradients reach
    the correlation, the re-ranking and the offset head). How it does on unseen clips is
    the committed checkpoint's test below and docs/source_tracking.md."""
    model = tiny_model().train()
    optim = torch.optim.AdamW(model.parameters(), lr=3e-3)
    query = torch.tensor([[[24.0, 30.0], [50.0, 20.0], [40.0, 44.0]]])
    truth = query[:, None] + torch.tensor([3.0, 2.0]) * torch.arange(1, 6).view(1, 5, 1, 1)
    visible = torch.ones(1, 5, 3, dtype=torch.bool)
    clip = textured_clip(step=(3, 2))[None]

    def error():
        with torch.no_grad():
            return float((model.unroll(clip, query)['points'] - truth).norm(dim=-1).mean())

    before = error()
    for _ in range(40):
        losses = model.loss_module(model.unroll(clip, query), truth, visible, visible,
                                   model.grid, model.PATCH_STRIDE)
        optim.zero_grad()
        sum(losses.values()).backward()
        optim.step()
    static = float((query[:, None] - truth).norm(dim=-1).mean())
    after = error()
    assert after < 0.5 * static and after < before / 3, (after, static, before)


def test_lora_on_the_tracker_adapts_only_attention_and_mlp_and_merges_exactly():
    torch.manual_seed(0)
    wrapped = LoRAFineTune(model=dict(TINY), targets=ATTENTION_MLP_TARGETS, rank=4)
    names = [n for n, p in wrapped.named_parameters() if p.requires_grad]
    assert names and all('lora_' in n for n in names)
    assert all(re.search(r'\.(q_proj|k_proj|v_proj|out_proj|fc1|fc2)\.lora_', n) for n in names)
    with torch.no_grad():
        for n, p in wrapped.named_parameters():
            if 'lora_B' in n:
                p.normal_(0, 0.2)
    wrapped.eval()
    clip = textured_clip(t=4)[None]
    query = torch.tensor([[[20.0, 30.0], [50.0, 12.0]]])
    with torch.no_grad():
        before = wrapped.model.unroll(clip, query)
        merged = merge_lora(wrapped).eval()
        after = merged.unroll(clip, query)
    assert not any('lora_' in n for n, _ in merged.named_parameters())
    for key in ('corr2', 'offset', 'vis_logit', 'unc_logit'):
        assert torch.allclose(before[key], after[key], atol=1e-5), key


# ----------------------------------------------------------------------------- MDG block
TINY_MDG = dict(feat_channels=(8, 8, 8), out_channels=16)


def _with_mdg_like(model, seed=1):
    """``model``'s weights in a tracker with the MDG block on (its parts from ``seed``)."""
    with_mdg = tiny_model(seed=seed, mdg=TINY_MDG)
    missing, unexpected = with_mdg.load_state_dict(model.state_dict(), strict=False)
    assert not unexpected and missing and all(k.startswith('mdg.') for k in missing)
    return with_mdg


def _open_mdg(model, seed=2):
    """Non-zero MDG projections, so the block changes the features."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in (model.mdg.map_projection, model.mdg.vector_projection):
            layer.weight.copy_(0.5 * torch.randn(layer.weight.shape, generator=generator))


def test_the_mdg_block_starts_as_the_tracker_without_it_and_then_changes_it():
    """Zero-initialised projections: a pretrained tracker with the block switched on tracks
    exactly as before (so the committed checkpoint can start MDG fine-tuning); once the
    projections are non-zero the same clip gives other correlations."""
    model = tiny_model()
    with_mdg = _with_mdg_like(model)
    clip = textured_clip(step=(3, 1))[None]
    query = torch.tensor([[[20.0, 30.0], [50.0, 12.0]]])
    with torch.no_grad():
        plain = model.unroll(clip, query)
        same = with_mdg.unroll(clip, query)
        _open_mdg(with_mdg)
        changed = with_mdg.unroll(clip, query)
    for key in ('corr2', 'points', 'vis_logit', 'unc_logit'):
        assert torch.equal(plain[key], same[key]), key
    assert (plain['corr2'] - changed['corr2']).abs().max() > 1e-2


def test_the_mdg_block_streams_as_it_unrolls_and_compares_with_the_query_frame():
    """Streaming keeps the previous and the query frame's domains between calls and gives
    the unrolled window's points; the block sees the query frame: a clip whose first frame
    differs gives other features for the same later frames."""
    model = _with_mdg_like(tiny_model())
    _open_mdg(model)
    clip = textured_clip(step=(2, 1))
    query = torch.tensor([[[20.0, 30.0], [60.0, 40.0]]])
    with torch.no_grad():
        offline = model.unroll(clip[None], query)
    tracker = TrackOnPointTracker(model)
    frames = _frames(clip)
    tracker.init(frames[0], query[0].numpy())
    for t, frame in enumerate(frames[1:]):
        out = tracker.step(frame)
        assert np.allclose(out.points, offline['points'][0, t].numpy(), atol=1e-3), t
    inputs = model.clip_mdg_inputs(clip[None])
    assert torch.equal(inputs['memory']['rgb'][3, 0], inputs['current']['rgb'][0])
    assert torch.equal(inputs['previous']['rgb'][3], inputs['current']['rgb'][2])
    assert inputs['current']['flow'][0].abs().max() == 0  # the query frame: no flow
    assert inputs['current']['flow'][3].abs().mean() > 0.1  # 2 px a frame / flow_scale 4
    other_first = torch.cat([textured_clip(t=1, seed=9), clip[1:]])
    with torch.no_grad():
        a = model.extract(clip, model.clip_mdg_inputs(clip[None]))['tokens'][3]
        b = model.extract(other_first, model.clip_mdg_inputs(other_first[None]))['tokens'][3]
    assert (a - b).abs().max() > 1e-3
    with pytest.raises(ValueError, match='needs what it compares for each frame'):
        model.extract(clip)


def test_lora_with_the_mdg_block_trains_the_adapters_and_the_block_and_merges_exactly():
    torch.manual_seed(0)
    wrapped = LoRAFineTune(model=dict(TINY, mdg=TINY_MDG), targets=ATTENTION_MLP_TARGETS,
                           rank=4, also_train=r'^mdg\.')
    names = [n for n, p in wrapped.named_parameters() if p.requires_grad]
    block = [n for n, _ in wrapped.named_parameters() if n.startswith('model.mdg.')]
    assert 'model.mdg.map_projection.weight' in block and set(block) <= set(names)
    assert any('lora_' in n for n in names)
    assert all('lora_' in n or n.startswith('model.mdg.') for n in names)
    with torch.no_grad():
        for n, p in wrapped.named_parameters():
            if 'lora_B' in n or 'projection' in n and '.mdg.' in n:
                p.normal_(0, 0.2)
    wrapped.eval()
    clip = textured_clip(t=4)[None]
    query = torch.tensor([[[20.0, 30.0]]])
    with torch.no_grad():
        before = wrapped.model.unroll(clip, query)
        after = merge_lora(wrapped).eval().unroll(clip, query)
    assert torch.allclose(before['corr2'], after['corr2'], atol=1e-5)


CHECKPOINT = osp.join(REPO_ROOT, 'checkpoints',
                      'track-on_resnet18-slim_dense-pretrain_synthetic-esd-small.pth')


def test_committed_checkpoint_is_small_loads_weights_only_and_matches_the_readme():
    from mmengine.config import Config
    tracker = build_point_tracker(
        Config.fromfile(osp.join(REPO_ROOT, 'configs/track/pretrain.py')).model, CHECKPOINT)
    assert isinstance(tracker, TrackOnPointTracker)
    check_committed_checkpoint(CHECKPOINT, tracker.model)


# ----------------------------------------------------------------------------- bad input
def _frames(clip):
    return [np.ascontiguousarray(f.permute(1, 2, 0).numpy()) for f in clip]


def test_bad_input_gives_one_clear_line_or_a_defined_result():
    frames = _frames(textured_clip(t=4))
    tracker = TrackOnPointTracker(tiny_model())
    with pytest.raises(ValueError, match=r'^frame 0: query point 0 \(90, 10\) lies outside '
                                         r'the 80x64 frame'):
        tracker.init(frames[0], [[90.0, 10.0]])
    # a black first frame: held at the query, not visible, until a frame shows something
    black = np.zeros_like(frames[0])
    query = np.array([[20.0, 30.0]])
    for out in (tracker.init(black, query), tracker.step(frames[0])):
        assert np.array_equal(out.points, query) and not out.visible.any()
        assert not out.confidence.any()
    out = tracker.step(frames[1])
    assert out.points.shape == (1, 2) and np.isfinite(out.points).all()
    assert 0 <= out.confidence[0] <= 1
    with pytest.raises(ValueError, match=r"^frame 3: size 40x32 differs from the first "
                                         r"frame's 80x64"):
        tracker.step(np.ascontiguousarray(frames[2][::2, ::2]))


def test_a_one_frame_clip_gives_the_query_back():
    from mmbleed.structures import BleedDataSample
    model = tiny_model()
    sample = BleedDataSample(metainfo=dict(clip_id='one'))
    sample.query_point = np.array([20.0, 30.0], np.float32)
    [out] = model([textured_clip(t=1)], [sample], mode='predict')
    assert out.pred_points.shape == (1, 2) and np.allclose(out.pred_points[0], [20.0, 30.0])
    assert out.pred_visible.tolist() == [True]


# ----------------------------------------------------------------------------- configs
def _tiny_tracking_root(tmp_path):
    """One training clip of 11 frames (a texture moving 2 px a frame to the right), the
    source annotated at frames 0 and 10, and two pseudo-tracks from frame 0."""
    import cv2
    import json
    root = tmp_path / 'tracking'
    frame_dir = root / 'frames' / 'P000' / 'C000'
    frame_dir.mkdir(parents=True)
    clip = textured_clip(t=11, h=68, w=80, step=(2, 0))
    for t, frame in enumerate(_frames(clip)):
        cv2.imwrite(str(frame_dir / f'{t:06d}.png'), frame)
    anns = [dict(frame=t, point=[10.0 + 2 * t, 30.0], visible=True) for t in (0, 10)]
    entry = dict(clip_id='P000/C000', patient='P000', clip='C000', split='train', video=None,
                 frame_dir='frames/P000/C000', num_frames=11, height=68, width=80, fps=30.0,
                 site='gastric antrum', scenarios=['clear view'], onset_frame=0,
                 annotations=anns, dense_gt=None)
    (root / 'annotations').mkdir()
    (root / 'annotations' / 'train.json').write_text(json.dumps(
        dict(metainfo=dict(dataset_name='tiny', split='train'), data_list=[entry])))
    (root / 'pseudo_labels').mkdir()
    points = [[[x0 + 2 * t, y0] for t in range(11)] for x0, y0 in ((14.0, 26.0), (8.0, 40.0))]
    (root / 'pseudo_labels' / 'train.json').write_text(json.dumps(
        dict(data_list=[dict(clip_id='P000/C000', start=0, points=points)])))
    return str(root)


@pytest.mark.parametrize('name', ['lora', 'adalora', 'lora_mdg', 'lora_no-pseudo',
                                  'lora_hybrid'])
def test_fine_tuning_configs_train_from_the_committed_checkpoint(tmp_path, name):
    """``tools/train.py configs/track/<name>.py`` from a clone: the committed pretrained
    checkpoint is loaded (full_ft.py's init_cfg, which they all inherit), only the adapters
    train, two Eq. 8 steps run; without pseudo-labels Eq. 8's second term is zero."""
    import subprocess
    import sys
    root = _tiny_tracking_root(tmp_path)
    work = tmp_path / 'work'
    cmd = [sys.executable, 'tools/train.py', f'configs/track/{name}.py', '--work-dir',
           str(work), '--cfg-options', f'train_dataloader.dataset.data_root={root}',
           'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
           'train_dataloader.dataset.interval=10',
           'train_cfg.max_iters=2', 'val_cfg=None', 'val_dataloader=None',
           'val_evaluator=None', 'default_hooks.logger.interval=1']
    if name == 'adalora':
        cmd.append('model.total_steps=2')
    run = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    log = run.stdout + run.stderr
    assert run.returncode == 0, log[-3000:]
    assert 'loss_annotated' in log and 'loss_pseudo' in log
    pseudo = [float(v) for v in re.findall(r'loss_pseudo: ([\d.]+)', log)]
    assert pseudo and (max(pseudo) == 0) == (name == 'lora_no-pseudo'), pseudo
    assert 'track-on_resnet18-slim_dense-pretrain_synthetic-esd-small.pth' in log
    share = re.search(r'FineTune\(r=\d+, alpha=16\): [\d,]+ of [\d,]+ parameters trainable '
                      r'\(([\d.]+) %\)', log)
    assert share and 0 < float(share.group(1)) < 25, log[-3000:]


def test_the_committed_tracker_follows_a_texture_it_never_saw():
    """The pretrained CPU tracker (synthetic tissue only) on a random texture moving three
    ways: about 2 px off after 7 frames (every point within 8 px), where the static point
    is 15-20 px off."""
    from mmengine.config import Config
    tracker = build_point_tracker(
        Config.fromfile(osp.join(REPO_ROOT, 'configs/track/pretrain.py')).model, CHECKPOINT)
    query = np.array([[100.0, 120.0], [200.0, 60.0], [160.0, 200.0]])
    for step in ((2, 1), (-2, 2), (1, -2)):
        frames = _frames(textured_clip(t=8, h=272, w=320, step=step, seed=5))
        tracker.init(frames[0], query)
        for frame in frames[1:]:
            out = tracker.step(frame)
        error = np.linalg.norm(out.points - (query + 7 * np.array(step)), axis=1)
        assert error.mean() < 4.0 and error.max() < 8.0 and out.visible.all(), (step, error)


def test_the_committed_tracker_on_support_points_keeps_a_point_that_blood_covers():
    """``test_cfg.support`` deploys the tracker on support points: the queried point is
    covered by a growing red disc that moves with the texture, and it is carried by the
    texture around it to within 3 px."""
    from mmengine.config import Config

    from mmbleed.models.trackers import SupportPointTracker
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs/track/full_ft_support-points.py'))
    tracker = build_point_tracker(cfg.model, CHECKPOINT)
    assert isinstance(tracker, SupportPointTracker)
    assert isinstance(tracker.tracker, TrackOnPointTracker)
    query, step = np.array([[160.0, 136.0]]), np.array([2, -1])
    frames = _frames(textured_clip(t=8, h=272, w=320, step=tuple(step), seed=7))
    tracker.init(frames[0], query)
    for i, frame in enumerate(frames[1:], 1):
        centre = query[0] + i * step
        frame = cv2.circle(frame.copy(), (int(centre[0]), int(centre[1])), 6 + 3 * i,
                           (20, 20, 200), -1)
        out = tracker.step(frame)
        error = np.linalg.norm(out.points[0] - centre)
        assert error < 3.0 and out.visible[0], (i, error)
