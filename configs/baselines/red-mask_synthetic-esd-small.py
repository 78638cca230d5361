# Hand-crafted Red-Mask baseline (paper §5): argmax of the smoothed red-intensity map on the
# onset frame, at the original resolution. No weights: tools/test.py CONFIG.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/synthetic_esd_source.py',
]

model = dict(type='RedMaskLocalizer', channel_order='bgr', smooth_sigma=2.0)

test_pipeline = [dict(type='LoadFrames'), dict(type='PackBleedInputs')]
test_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline))
test_cfg = dict(type='TestLoop')
# nothing to train or validate
train_dataloader = None
val_dataloader = None
val_evaluator = None
