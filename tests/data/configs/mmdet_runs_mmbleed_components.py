# A config of another OpenMMLab project (default scope mmdet, mmdet's runtime) that trains
# mmbleed components by scope after custom_imports; run by mmdet's own tools/train.py.
_base_ = 'mmdet::_base_/default_runtime.py'

custom_imports = dict(imports=['mmbleed'], allow_failed_imports=False)
default_scope = 'mmdet'

input_size = (256, 224)
codec = dict(
    type='mmbleed.GaussianHeatmap',
    input_size=input_size,
    heatmap_size=(64, 56),
    sigma=2.0)
model = dict(
    type='mmbleed.HeatmapPointRegressor',
    data_preprocessor=dict(
        type='mmengine.ImgDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='mmpretrain.ResNet',
        depth=18,
        stem_channels=16,
        base_channels=16,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, )),
    head=dict(
        type='mmbleed.HeatmapHead',
        in_channels=64,
        feat_channels=32,
        num_upsamples=2),
    codec=codec)

data_root = 'set-by-the-test'
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='mmengine.DefaultSampler', shuffle=True),
    dataset=dict(
        type='mmbleed.SourceDataset',
        data_root=data_root,
        ann_file='annotations/train.json',
        frames='annotated',
        num_pseudo=0,
        pipeline=[
            dict(type='mmbleed.LoadFrames'),
            dict(type='mmbleed.Resize', scale=input_size),
            dict(type='mmbleed.GenerateHeatmapTarget', encoder=codec),
            dict(type='mmbleed.PackBleedInputs'),
        ]))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=10)
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-3))
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=1))
