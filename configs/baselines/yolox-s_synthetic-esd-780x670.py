# YOLOX-s as a YOLO-style bleeding-source baseline, paper size (GPU): the 780x670 synthetic
# ESD preset at 640x640, 100 epochs, batch 32. Everything else (boxes, readout, optimiser)
# as the CPU config. Generate the data first (README, "Data").
_base_ = './yolox-tiny_synthetic-esd-small.py'

max_epochs = 100

model = dict(  # mmdet's YOLOX-s sizes
    backbone=dict(deepen_factor=0.33, widen_factor=0.5),
    neck=dict(in_channels=[128, 256, 512], out_channels=128),
    bbox_head=dict(in_channels=128, feat_channels=128))

train_dataloader = {{_base_.box_paper_train_dataloader}}
val_dataloader = {{_base_.box_paper_test_dataloader}}
test_dataloader = {{_base_.box_paper_test_dataloader}}

train_cfg = dict(max_epochs=max_epochs, val_interval=10)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0, end=300),
    dict(type='CosineAnnealingLR', eta_min=5e-5, begin=max_epochs // 2, end=max_epochs,
         T_max=max_epochs // 2, by_epoch=True, convert_to_iter_based=True),
]
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=2))
