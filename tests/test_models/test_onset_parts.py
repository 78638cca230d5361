# Copyright (c) mmbleed contributors. All rights reserved.
"""The onset stage's parts: the key-frame memory, MDCFM, MDG, the head and the losses."""
import math

import cv2
import numpy as np
import pytest
import torch

from mmbleed.models import MDCFM, MDG, KeyFrameMemory, MaskedBCELoss, OnsetLoss
from mmbleed.models import TemporalOnsetHead, select_key_frames
from mmbleed.models.memory import FrameDomains


def test_memory_is_bounded_fifo_with_a_minimum_interval():
    memory = KeyFrameMemory(memory_size=2, min_interval=3)
    assert memory.offer(0, clean=True)
    assert not memory.offer(2, clean=True)  # too close to 0
    assert not memory.offer(5, clean=False)  # not a clean view
    assert memory.offer(3, clean=True)
    assert memory.offer(6, clean=True)
    assert memory.frames == [3, 6]  # 0 was replaced, the oldest
    assert memory.is_clean(0.49, 0.1) and not memory.is_clean(0.5, 0.1)
    assert not memory.is_clean(0.1, 0.7)
    none = KeyFrameMemory(memory_size=0, min_interval=1)
    assert not none.offer(0, clean=True) and none.frames == []


def test_select_key_frames_compares_each_frame_with_the_memory_before_it():
    memory = KeyFrameMemory(memory_size=3, min_interval=2)
    clean, changed = (0.1, 0.1), (0.9, 0.1)
    confs = [clean, clean, clean, changed, clean, clean, clean]
    keys = select_key_frames(memory, confs, [False] * 7)
    # frame 0 seeds the memory; after frame t, I(t-1) is offered when the change from
    # I(t-1) to I(t) is small: 1 and 2 are too close to 0, 2 also changed into 3,
    # 3 is the next key frame (stored after frame 4), 4 is too close to it, then 5
    assert keys == [[], [0], [0], [0], [0], [0, 3], [0, 3]]
    assert memory.frames == [0, 3, 5]
    # unusable frames are never offered, nor the frame before an unusable one
    memory = KeyFrameMemory(memory_size=3, min_interval=1)
    keys = select_key_frames(memory, [clean] * 5, [False, False, True, False, False])
    assert keys == [[], [0], [0], [0], [0]] and memory.frames == [0, 3]


def test_frame_domains_sequence_chains_the_flow_from_frame_to_frame():
    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur(rng.integers(0, 255, (60, 80, 3), dtype=np.uint8), (7, 7), 2)
    frames = [np.roll(base, 2 * i, axis=1) for i in range(3)]  # 2 px a frame to the right
    domains = FrameDomains(flow_scale=1.0)
    seq = domains.sequence(frames)
    assert not seq[0]['flow'].any()  # a stream's first frame: zero flow
    for i in (1, 2):  # each flow from the frame before, as one call at a time gives it
        one = domains(frames[i], seq[i - 1]['gray'])
        assert np.array_equal(seq[i]['flow'], one['flow'])
        assert np.median(seq[i]['flow'][0, 10:-10, 10:-10]) == pytest.approx(2.0, abs=0.5)
    # a sequence that continues a stream takes the previous frame's grey image
    tail = domains.sequence(frames[1:], prev_gray=seq[0]['gray'])
    assert all(np.array_equal(a['flow'], b['flow']) for a, b in zip(tail, seq[1:]))


def test_mdcfm_domains_and_shapes():
    cur = {d: torch.randn(3, c, 34, 40) for d, c in (('rgb', 3), ('hsv', 4), ('flow', 2))}
    prev = {d: torch.randn_like(v) for d, v in cur.items()}
    assert MDCFM(feat_channels=(4, 8, 8))(cur, prev).shape == (3, 2)
    rgb = MDCFM(domains=('rgb', ), feat_channels=(4, 8, 8))
    assert rgb.flow_branch is None and rgb(cur, prev).shape == (3, 2)
    with pytest.raises(ValueError, match='three conv layers'):
        MDCFM(feat_channels=(4, 8))
    with pytest.raises(ValueError, match="'rgb' or 'hsv'"):
        MDCFM(domains=('flow', ))


def test_mdg_ignores_empty_memory_slots():
    torch.manual_seed(0)
    mdg = MDG(feat_channels=(4, 8, 8), out_channels=16).eval()
    cur = {d: torch.randn(2, c, 34, 40) for d, c in (('rgb', 3), ('hsv', 4), ('flow', 2))}
    prev = {d: torch.randn_like(v) for d, v in cur.items()}
    memory = {d: torch.randn(2, 3, *v.shape[1:]) for d, v in cur.items()}
    mask = torch.tensor([[True, False, False], [True, False, False]])
    feat, fused = mdg(cur, prev, memory, mask)
    assert feat.shape == (2, 16) and fused.shape == (2, 8, 5, 5)
    # what sits in a masked slot does not matter
    other = {d: torch.cat([v[:, :1], torch.randn_like(v[:, 1:])], 1) for d, v in memory.items()}
    torch.testing.assert_close(mdg(cur, prev, other, mask)[0], feat)
    with pytest.raises(ValueError, match='non-empty subset'):
        MDG(domains=('depth', ))


@pytest.mark.parametrize('readout', ['summary', 'frames'])
def test_temporal_head_masks_padding(readout):
    torch.manual_seed(0)
    head = TemporalOnsetHead(in_channels=5, window=6, embed_dims=16, num_heads=2,
                             num_layers=1, feedforward_channels=8, dropout=0.0,
                             readout=readout).eval()
    feats = torch.randn(1, 6, 5)
    mask = torch.tensor([[False] * 4 + [True] * 2])
    theta, conf = head(feats, mask)
    changed = feats.clone()
    changed[0, 4:] = 100.0  # padded frames are not looked at
    torch.testing.assert_close(head(changed, mask), (theta, conf))
    with pytest.raises(ValueError, match='N=6'):
        head(torch.randn(1, 5, 5))
    if readout == 'frames':  # the expected onset position lies within the real frames
        assert 0.0 < float(theta.sigmoid()) * 6 < 4.0


def test_frames_readout_is_the_expected_position_of_the_onset_scores():
    """θ = Σ softmax(s)_i (i + ½) / N: a score peaked at frame i gives ⌊θN⌋ = i, and the
    window confidence is that frame's."""
    head = TemporalOnsetHead(in_channels=4, window=5, embed_dims=8, num_heads=2, num_layers=1,
                             feedforward_channels=8, dropout=0.0, readout='frames').eval()
    scores = torch.tensor([[0.0, 0.0, 30.0, 0.0, 0.0], [0.0] * 5])
    confs = torch.tensor([[-5.0, -5.0, 3.0, -5.0, -5.0], [1.0] * 5])

    class FixedScores(torch.nn.Module):
        def forward(self, x):
            return torch.stack([scores, confs], dim=-1)

    head.fc = FixedScores()
    theta, conf = head(torch.randn(2, 5, 4))
    n_theta = theta.sigmoid() * 5
    assert int(n_theta[0]) == 2 and abs(float(conf[0]) - 3.0) < 1e-4
    assert abs(float(n_theta[1]) - 2.5) < 1e-4 and abs(float(conf[1]) - 1.0) < 1e-5
    with pytest.raises(ValueError, match='readout'):
        TemporalOnsetHead(in_channels=4, readout='mean')


def test_onset_loss_eq4_by_hand():
    loss = OnsetLoss(window=10, position_weight=1.0)
    theta_logits = torch.tensor([0.0, 0.0])  # θ = 0.5 -> Nθ = 5
    conf_logits = torch.tensor([0.0, 0.0])  # conf = 0.5
    out = loss(theta_logits, conf_logits, torch.tensor([True, False]),
               torch.tensor([0.2, -1.0]))
    assert out['loss_onset_conf'].item() == pytest.approx(math.log(2))
    assert out['loss_onset_pos'].item() == pytest.approx((5 - 2)**2)  # positive window only
    none = loss(theta_logits, conf_logits, torch.tensor([False, False]),
                torch.tensor([-1.0, -1.0]))
    assert none['loss_onset_pos'].item() == 0.0


def test_onset_loss_counts_a_window_as_holding_the_onset_only_with_m_frames_after_it():
    # N = 10, m = 3: onsets at window positions 2, 6, 7 and 9 leave 7, 3, 2 and 0 frames
    # after them; a short window of 8 real frames with the onset at 5 leaves 2
    loss = OnsetLoss(window=10, position_weight=1.0, min_frames_after=3)
    theta_logits = torch.zeros(5)  # Nθ = 5
    conf_logits = torch.tensor([2.0, 2.0, 2.0, 2.0, 2.0])
    gt_theta = torch.tensor([0.2, 0.6, 0.7, 0.9, 0.5])
    out = loss(theta_logits, conf_logits, torch.ones(5, dtype=torch.bool), gt_theta,
               torch.tensor([10, 10, 10, 10, 8]))
    positive, negative = -math.log(torch.sigmoid(torch.tensor(2.0)).item()), \
        -math.log(1 - torch.sigmoid(torch.tensor(2.0)).item())
    assert out['loss_onset_conf'].item() == pytest.approx((2 * positive + 3 * negative) / 5)
    assert out['loss_onset_pos'].item() == pytest.approx(((5 - 2)**2 + (5 - 6)**2) / 2)
    # the paper's labels (m = 0): every window holding the onset is a positive
    paper = OnsetLoss(window=10, position_weight=1.0)(
        theta_logits, conf_logits, torch.ones(5, dtype=torch.bool), gt_theta)
    assert paper['loss_onset_conf'].item() == pytest.approx(positive)
    with pytest.raises(ValueError, match='min_frames_after'):
        OnsetLoss(window=10, min_frames_after=10)


def test_masked_bce_ignores_unknown_labels():
    loss = MaskedBCELoss(loss_weight=2.0)
    logits = torch.tensor([[0.0, 5.0], [0.0, -5.0]])
    targets = torch.tensor([[1.0, float('nan')], [0.0, float('nan')]])
    assert loss(logits, targets).item() == pytest.approx(2 * math.log(2))
    assert loss(logits, torch.full_like(targets, float('nan'))).item() == 0.0
    with pytest.raises(ValueError, match='differ in shape'):
        loss(logits, targets[:1])
