# BleedOrigin-Track, paper size (GPU): the Track-On-style tracker on a ViT-S/16 (mmpretrain
# 'deit-small', 384 channels) with ViTDet's simple feature pyramid for the stride-4/8/16 maps
# (Track-On uses a ViT-Adapter on DINOv2), D = 256, three decoder layers, 16 re-ranked
# candidates, at Track-On's 384x512 input, pretrained on the dense tracks of the paper-size
# synthetic clips (windows of 24 frames, up to 64 tracks). Pretrained ViT weights are optional
# and read from a local path (model.backbone.init_cfg = dict(type='Pretrained',
# checkpoint=PATH, prefix='backbone.')); from scratch otherwise. Generate the data first:
#   python tools/dataset_converters/generate_synthetic_esd.py --out data/synthetic_esd_780x670 \
#       --preset paper_780x670
_base_ = ['./pretrain.py']

data_root = 'data/synthetic_esd_780x670/'
model = dict(
    backbone=dict(
        _delete_=True,
        type='mmpretrain.VisionTransformer',
        arch='deit-small',
        img_size=(384, 512),  # (h, w)
        patch_size=16,
        out_type='featmap',
        with_cls_token=False,
        out_indices=-1,
        drop_path_rate=0.1),
    neck=dict(type='SimpleFeaturePyramid', in_channels=384, out_channels=(128, 256, 256)),
    in_channels=(128, 256, 256),
    input_size=(384, 512),
    dim=256,
    num_heads=8,
    decoder_layers=3,
    memory_size=12,
    top_k=16,
    num_points=4)

dense_windows = dict(
    type='DenseTrackDataset',
    ann_file='annotations/train.json',
    clip_len=24,
    stride=12,
    max_tracks=64,
    pipeline=[dict(type='LoadFrames'), dict(type='PackBleedInputs', pack_frames=True)])
train_dataloader = dict(
    batch_size=4,
    num_workers=8,
    dataset=dict(datasets=[
        dict(dense_windows, data_root=data_root + 'tracking/'),
        dict(dense_windows, data_root=data_root + 'detection/'),
    ]))
test_dataloader = dict(dataset=dict(data_root=data_root + 'tracking/'))

max_iters = 50000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(
    type='AmpOptimWrapper',
    dtype='bfloat16',
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.1)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=1000),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=1000, end=max_iters, eta_min=1e-6),
]
default_hooks = dict(checkpoint=dict(interval=5000))
