# Heat-map source regressor, paper size (GPU): ResNet-50 at 512x448 on the 780x670 synthetic
# ESD preset, the paper's 100-epoch schedule. Pretrained ImageNet weights are optional:
# model.backbone.init_cfg=dict(type='Pretrained', checkpoint='/path/to/resnet50.pth').
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_paper.py',
    '../_base_/datasets/synthetic_esd_source.py',
]

data_root = 'data/synthetic_esd_780x670/detection/'
input_size = (512, 448)
heatmap_size = (128, 112)
codec = dict(
    type='GaussianHeatmap',
    input_size=input_size,
    heatmap_size=heatmap_size,
    sigma=3.0)

model = dict(
    type='HeatmapPointRegressor',
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='mmpretrain.ResNet',
        depth=50,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, )),  # stride 16, 1024 channels
    head=dict(
        type='HeatmapHead', in_channels=1024, feat_channels=256,
        num_upsamples=2),  # stride 4: the codec's 128x112 heat-map
    codec=codec,
    loss=dict(type='HeatmapMSELoss', loss_weight=1.0))

train_pipeline = [
    dict(type='LoadFrames'),
    dict(
        type='RandomResizedCrop',
        scale=input_size,
        area_range=(0.6, 1.0),
        margin=16.0),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(
        type='ColorJitter',
        brightness=0.2,
        contrast=0.2,
        saturation=0.2,
        hue=0.02),
    dict(type='GenerateHeatmapTarget', encoder=codec),
    dict(type='PackBleedInputs'),
]
test_pipeline = [
    dict(type='LoadFrames'),
    dict(type='Resize', scale=input_size),
    dict(type='PackBleedInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=16,
    num_workers=8,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))

default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook',
        interval=5,
        max_keep_ckpts=3,
        save_best='source/Err_avg',  # a file name a shell can type
        rule='less'))
