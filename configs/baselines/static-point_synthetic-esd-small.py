# Static-point baseline (the tracking floor): the query point in every later frame, always
# visible. No weights: tools/test.py CONFIG.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/synthetic_esd_track.py',
]

model = dict(type='OnlinePointTracker', tracker=dict(type='StaticPointTracker'))

test_cfg = dict(type='TestLoop')
# nothing to train or validate
train_dataloader = None
val_dataloader = None
val_evaluator = None
