# Heat-map source regressor, CPU size: a slim ResNet-18 (16 base channels) at 256x224,
# trained in minutes on 2 cores on the small synthetic ESD dataset. The README's main job.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_cpu_small.py',
    '../_base_/datasets/synthetic_esd_source.py',
]

model = dict(
    type='HeatmapPointRegressor',
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    # only the stages used are built (DDP needs every parameter in the loss)
    backbone=dict(
        type='mmpretrain.ResNet',
        depth=18,
        stem_channels=16,
        base_channels=16,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(2, )),  # stride 16, 64 channels
    head=dict(
        type='HeatmapHead', in_channels=64, feat_channels=32,
        num_upsamples=2),  # stride 4: the codec's 64x56 heat-map
    codec={{_base_.codec}},
    loss=dict(type='HeatmapMSELoss', loss_weight=1.0))

default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook',
        interval=4,
        max_keep_ckpts=2,
        save_best='source/Err_avg',  # a file name a shell can type
        rule='less'))
