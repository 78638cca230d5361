# BleedOrigin-Detect, temporal stage, paper size (GPU): MDG at 256x220 on the 780x670
# synthetic ESD preset, a memory of 8 key frames, a 256-wide 4-layer 8-head transformer,
# 60 epochs. Same components and losses as the CPU config.
_base_ = './bleedorigin-detect_mdg-tiny_synthetic-esd-small.py'

data_root = 'data/synthetic_esd_780x670/detection/'
input_size = (256, 220)
interpolation = 'area'

train_pipeline = [
    dict(type='LoadFrames'),
    dict(type='Resize', scale=input_size, interpolation=interpolation),
    dict(type='RandomFlip', prob=0.75, direction=['horizontal', 'vertical', 'diagonal']),
    dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2, hue=0.02),
    dict(type='LoadOnsetFrameTargets'),
    dict(type='PackBleedInputs', pack_frames=True,
         gt_keys=('gt_onset', 'gt_frame_changes', 'gt_blood_masks')),
]
test_pipeline = [
    dict(type='LoadFrames'),
    dict(type='Resize', scale=input_size, interpolation=interpolation),
    dict(type='PackBleedInputs', pack_frames=True, gt_keys=('gt_onset', )),
]
train_dataloader = dict(
    batch_size=8, num_workers=8,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(num_workers=4, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(num_workers=4, dataset=dict(data_root=data_root, pipeline=test_pipeline))

model = dict(
    input_size=input_size,
    interpolation=interpolation,
    mdcfm=dict(feat_channels=(32, 64, 128), memory_size=8, min_interval=8),
    mdg=dict(feat_channels=(32, 64, 128), out_channels=256),
    head=dict(embed_dims=256, feedforward_channels=1024))

max_epochs = 60
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
optim_wrapper = dict(optimizer=dict(lr=3e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=200),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, T_max=max_epochs, eta_min=1e-6),
]
auto_scale_lr = dict(enable=False, base_batch_size=8)
