# YOLOX-s as a YOLO-style bleeding-source baseline, paper size (GPU): the 780x670 synthetic
# ESD preset at 640x640, 100 epochs, batch 32. Everything else (boxes, readout, optimiser)
# as the CPU config. Generate the data first (README, "Data").
_base_ = './yolox-tiny_synthetic-esd-small.py'

data_root = 'data/synthetic_esd_780x670/detection/'
img_scale = (640, 640)
max_epochs = 100
meta_keys = {{_base_.box_meta_keys}}

model = dict(  # mmdet's YOLOX-s sizes
    backbone=dict(deepen_factor=0.33, widen_factor=0.5),
    neck=dict(in_channels=[128, 256, 512], out_channels=128),
    bbox_head=dict(in_channels=128, feat_channels=128))

train_pipeline = [
    dict(type='mmbleed.LoadFrames'),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='RandomResize', resize_type='mmdet.Resize', scale=img_scale,
         ratio_range=(0.75, 1.25), keep_ratio=True),
    dict(type='mmdet.RandomCrop', crop_size=img_scale, allow_negative_crop=True),
    dict(type='mmdet.YOLOXHSVRandomAug'),
    dict(type='mmdet.RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='mmdet.Pad', size=img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(type='mmdet.PackDetInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='mmbleed.LoadFrames', keep_reader_open=True),
    dict(type='mmdet.Resize', scale=img_scale, keep_ratio=True),
    dict(type='mmdet.Pad', size=img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.PackDetInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    batch_size=32, num_workers=8,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=8, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=32, num_workers=8, dataset=dict(data_root=data_root, pipeline=test_pipeline))

train_cfg = dict(max_epochs=max_epochs, val_interval=10)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0, end=300),
    dict(type='CosineAnnealingLR', eta_min=5e-5, begin=max_epochs // 2, end=max_epochs,
         T_max=max_epochs // 2, by_epoch=True, convert_to_iter_based=True),
]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=2))
