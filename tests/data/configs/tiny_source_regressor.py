# The CPU heat-map regressor config, shrunk for tests: 2 epochs, no worker processes.
# Tests set the data roots with --cfg-options (see tests/test_tools/tool_helpers.py).
_base_ = '../../../configs/source/heatmap-regressor_resnet18-tiny_synthetic-esd-small.py'

train_cfg = dict(max_epochs=2, val_interval=1)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
val_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
test_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(
        _delete_=True, type='CheckpointHook', interval=1, max_keep_ckpts=-1))
