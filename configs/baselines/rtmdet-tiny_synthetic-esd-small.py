# RTMDet-tiny as a YOLO-style bleeding-source baseline (BleedOrigin §5.2, Tables 5-6), CPU
# size: one class, a box of 10 % of the frame side centred on the source
# (mmbleed.SourceBoxDataset), trained from scratch (no ImageNet weights are downloaded) on
# the synthetic ESD training split at 256x256. Tested on every frame of the test clips: onset
# = first frame whose best score reaches 0.25 / 0.10 / 0.01, source = centre of the best box.
_base_ = [
    'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py',
    '../_base_/datasets/synthetic_esd_boxes.py',
]
max_epochs = {{_base_.box_cpu_max_epochs}}
model = dict(
    backbone=dict(init_cfg=None),  # from scratch: nothing is downloaded
    bbox_head=dict(num_classes=1),
    test_cfg=dict(score_thr=0.001, nms_pre=1000, max_per_img=10))

train_dataloader = {{_base_.box_train_dataloader}}
val_dataloader = {{_base_.box_val_dataloader}}
test_dataloader = {{_base_.box_test_dataloader}}
val_evaluator = {{_base_.box_val_evaluator}}
test_evaluator = {{_base_.box_test_evaluator}}

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs, dynamic_intervals=None)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = {{_base_.box_cpu_param_scheduler}}
# mmdet's switch to a mosaic-free pipeline at epoch 280 and its EMA are for 300 COCO
# epochs; neither applies to a short CPU schedule with a mosaic-free pipeline
custom_hooks = []
default_hooks = dict(
    checkpoint=dict(interval=8, max_keep_ckpts=2),
    logger=dict(interval=10))
auto_scale_lr = dict(enable=False, base_batch_size=16)
