# Copyright (c) mmbleed contributors. All rights reserved.
"""LoRA fine-tuning (peft) of a pretrained model: only the adapters train, training starts at
the pretrained model, and merging the adapters for deployment changes no output (1e-5)."""
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mmbleed.models import LoRAFineTune, merge_lora
from mmbleed.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# a source localizer with a two-layer ViT encoder (the layers LoRA adapts), single frame
MODEL = dict(
    type='BleedSourceLocalizer',
    lookahead=0,
    encoder=dict(type='mmpretrain.VisionTransformer',
                 arch=dict(embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64),
                 img_size=(48, 64), patch_size=8, in_channels=3, out_type='featmap',
                 with_cls_token=False, out_indices=-1),
    heatmap_module=dict(type='HeatmapHead', in_channels=32, out_channels=16, feat_channels=16,
                        num_upsamples=3),
    attention=dict(type='MultiScaleAttention', query_channels=16, key_channels=1,
                   value_channels=32, embed_dims=16, scales=(1, 8), window_sizes=(8, None),
                   num_heads=2),
    codec=dict(type='GaussianHeatmap', input_size=(64, 48), heatmap_size=(64, 48), sigma=2.0))
FRAMES = torch.rand(2, 3, 48, 64) * 255


@pytest.fixture
def pretrained(tmp_path):
    torch.manual_seed(0)
    base = MODELS.build(MODEL)
    base.init_weights()
    with torch.no_grad():  # a "pretrained" prior gain and fusion that are not zero
        for p in base.parameters():
            p.add_(0.01 * torch.randn_like(p))
    path = str(tmp_path / 'pretrained.pth')
    torch.save(dict(state_dict=base.state_dict()), path)
    return base.eval(), path


def randomise_adapters(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if 'lora_B' in name:
                p.normal_(0, 0.05)


def test_only_adapters_train_and_training_starts_at_the_pretrained_model(pretrained):
    base, path = pretrained
    lora = LoRAFineTune(MODEL, init_checkpoint=path, rank=4, alpha=8)
    lora.init_weights()  # the Runner's call must not overwrite the pretrained weights
    lora.eval()
    trainable = [n for n, p in lora.named_parameters() if p.requires_grad]
    assert trainable and all('lora_' in n for n in trainable)
    # attention (qkv, proj) and MLP layers of both ViT layers, A and B each
    assert len(trainable) == 2 * 4 * 2
    share, total = lora.parameter_counts()
    assert 0 < share < 0.2 * total
    with torch.no_grad():
        assert torch.equal(lora(FRAMES), base(FRAMES))
    out = lora(FRAMES).sum()
    out.backward()
    assert all(p.grad is None for n, p in lora.named_parameters() if 'lora_' not in n)
    assert any(p.grad is not None and p.grad.abs().sum() > 0
               for n, p in lora.named_parameters() if 'lora_B' in n)


def test_merged_weights_give_the_same_outputs(pretrained, tmp_path):
    base, path = pretrained
    lora = LoRAFineTune(MODEL, init_checkpoint=path, rank=4, alpha=8).eval()
    randomise_adapters(lora)
    with torch.no_grad():
        adapted = lora(FRAMES)
        assert not torch.allclose(adapted, base(FRAMES), atol=1e-4)
        merged = merge_lora(lora).eval()
        assert not any('lora_' in k for k in merged.state_dict())
        assert torch.allclose(merged(FRAMES), adapted, atol=1e-5)
        plain = MODELS.build(MODEL).eval()
        plain.load_state_dict(merged.state_dict(), strict=True)
        assert torch.allclose(plain(FRAMES), adapted, atol=1e-5)


def test_merge_tool_writes_weights_for_the_plain_config(pretrained, tmp_path):
    _, path = pretrained
    config = tmp_path / 'lora_cfg.py'
    config.write_text(f'model = dict(type="LoRAFineTune", model={MODEL!r}, '
                      f'init_checkpoint={path!r}, rank=4, alpha=8)\n')
    lora = LoRAFineTune(MODEL, init_checkpoint=path, rank=4, alpha=8).eval()
    randomise_adapters(lora)
    tuned = str(tmp_path / 'tuned.pth')
    torch.save(dict(state_dict=lora.state_dict()), tuned)
    out = str(tmp_path / 'merged.pth')
    res = subprocess.run([sys.executable, 'tools/model_converters/merge_lora.py', str(config),
                          tuned, out], cwd=REPO, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-2000:]
    plain = MODELS.build(MODEL).eval()
    plain.load_state_dict(torch.load(out, weights_only=True)['state_dict'], strict=True)
    with torch.no_grad():
        assert torch.allclose(plain(FRAMES), lora(FRAMES), atol=1e-5)
    res = subprocess.run([sys.executable, 'tools/model_converters/merge_lora.py', str(config),
                          str(tmp_path / 'none.pth'), out], cwd=REPO, capture_output=True,
                         text=True)
    assert res.returncode == 1 and 'none.pth: not found' in res.stderr
    assert 'Traceback' not in res.stderr


def test_targets_that_match_nothing_are_named():
    with pytest.raises(ValueError, match='no layer of BleedSourceLocalizer matches'):
        LoRAFineTune(MODEL, targets=r'.*no_such_layer')
