# YOLOX-tiny as a YOLO-style bleeding-source baseline (BleedOrigin §5.2, Tables 5-6), CPU
# size: one class, a box of 10 % of the frame side centred on the source
# (mmbleed.SourceBoxDataset), trained from scratch on the synthetic ESD training split at
# 256x256, with the same data, schedule length and optimiser as the RTMDet-tiny baseline.
# Tested on every frame of the test clips: onset = first frame whose best score (class x
# objectness) reaches 0.25 / 0.10 / 0.01, source = centre of the best box.
_base_ = [
    'mmdet::yolox/yolox_tiny_8xb8-300e_coco.py',
    '../_base_/datasets/synthetic_esd_boxes.py',
]

max_epochs = {{_base_.box_cpu_max_epochs}}
model = dict(
    # one input size: mmdet's multi-scale batch resizing is for COCO's 640x640 training
    data_preprocessor=dict(batch_augments=None),
    bbox_head=dict(num_classes=1),
    test_cfg=dict(score_thr=0.001, max_per_img=10))

train_dataloader = {{_base_.box_train_dataloader}}
val_dataloader = {{_base_.box_val_dataloader}}
test_dataloader = {{_base_.box_test_dataloader}}
val_evaluator = {{_base_.box_val_evaluator}}
test_evaluator = {{_base_.box_test_evaluator}}

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
# AdamW as for RTMDet-tiny: mmdet's SGD at 0.01 is tuned for 300 epochs with batch 64
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
param_scheduler = {{_base_.box_cpu_param_scheduler}}
# mmdet's mosaic switch, norm sync and EMA are for 300 COCO epochs on 8 GPUs
custom_hooks = []
default_hooks = dict(
    checkpoint=dict(interval=8, max_keep_ckpts=2),
    logger=dict(interval=10))
auto_scale_lr = dict(enable=False, base_batch_size=16)
