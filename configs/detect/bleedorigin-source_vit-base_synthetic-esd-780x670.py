# BleedOrigin-Detect, spatial stage, paper size (GPU): a ViT-B encoder with 8x8 patches (H/8)
# at 512x448 on the 780x670 synthetic ESD preset, 4-scale Red-Mask attention, Eq. 5, the
# paper's 100-epoch schedule. Pretrained weights are optional and read from a local path:
# model.encoder.init_cfg=dict(type='Pretrained', checkpoint='/path/to/vit-base.pth'); with the
# look-ahead the patch embedding takes 6 channels, so its pretrained 3-channel weights are
# skipped (shape mismatch, reported by MMEngine) and the rest of the encoder loads.
# Memory (H200, bf16 autocast: --cfg-options optim_wrapper.type=AmpOptimWrapper
# optim_wrapper.dtype=bfloat16): 4 samples + 1 pseudo-labelled frame each (8 frames a step)
# peaked at 25.6 GB, 0.29 s a step (docs/source_localization.md); the 8 + 2x8 = 24 frames a
# step below are estimated from that at about 75 GB (not measured).
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_paper.py',
    '../_base_/datasets/synthetic_esd_source_lookahead.py',
]

data_root = 'data/synthetic_esd_780x670/detection/'
input_size = (512, 448)
codec = dict(type='GaussianHeatmap', input_size=input_size, heatmap_size=input_size, sigma=6.0)

model = dict(
    type='BleedSourceLocalizer',
    lookahead={{_base_.lookahead}},
    predict_lookaheads={{_base_.predict_lookaheads}},  # heat maps with frames 10-12 averaged
    align_evidence=True,  # the evidence frame warped onto the frame by optical flow
    num_pseudo={{_base_.num_pseudo}},
    pseudo_per_sample=2,
    encoder=dict(
        type='mmpretrain.VisionTransformer',
        arch='base',
        img_size=(448, 512),  # (h, w)
        patch_size=8,
        in_channels=6,
        out_type='featmap',
        with_cls_token=False,
        out_indices=-1),
    heatmap_module=dict(
        type='HeatmapHead', in_channels=768, out_channels=64, feat_channels=128,
        num_upsamples=3),
    attention=dict(
        type='MultiScaleAttention', query_channels=64, key_channels=3, value_channels=768,
        embed_dims=64, scales=(1, 2, 4, 8), window_sizes=(8, 8, 8, None), num_heads=4),
    codec=codec,
    loss=dict(type='SourceLoss'),
    topk=3,
    peak_radius=16)

train_pipeline = [
    dict(type='LoadFrames'),
    dict(type='PropagatePseudoPoints', dis_preset='medium', window_radius=96,
         max_steps={{_base_.num_pseudo}}),
    dict(type='RandomResizedCrop', scale=input_size, area_range=(0.6, 1.0), margin=16.0),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2, hue=0.02),
    dict(type='GenerateHeatmapTarget', encoder=codec),
    dict(type='PackBleedInputs'),
]
test_pipeline = [
    dict(type='LoadFrames'),
    dict(type='Resize', scale=input_size),
    dict(type='PackBleedInputs'),
]
train_dataloader = dict(
    batch_size=8, num_workers=8, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8, num_workers=8, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=8, num_workers=8, dataset=dict(data_root=data_root, pipeline=test_pipeline))

default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', interval=10, max_keep_ckpts=2, save_best='source/Err_avg',
        rule='less'))
