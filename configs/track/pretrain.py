# BleedOrigin-Track, CPU size: the Track-On-style tracker (TrackOn, paper §4.3) pretrained from
# scratch on the generator's dense tissue tracks (DenseTrackDataset: windows of 12 frames, up
# to 24 tracks each, of the tracking and detection training clips) with Track-On's losses
# (TrackOnLoss), 900 steps of 2 windows (about 30 minutes on 2 cores). Tested the TAP-Vid way
# on the dense tracks of the test clips (60 frames per clip), comparable with
# configs/baselines/*_dense-tracks_synthetic-esd-small.py. Its checkpoint is what the
# fine-tuning configs (full_ft.py, lora.py, adalora.py) start from; README.md gives the
# command that made the committed one and its sha256.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/synthetic_esd_track.py',
    '../_base_/datasets/synthetic_esd_dense_tracks.py',
    '../_base_/models/track-on_resnet18-slim.py'
]

dense_windows = dict(
    type='DenseTrackDataset',
    ann_file='annotations/train.json',
    clip_len=12,
    stride=12,
    max_tracks=24,
    pipeline=[dict(type='LoadFrames'), dict(type='PackBleedInputs', pack_frames=True)])
# the dense tracks of every training clip: the tracking clips and the detection clips
train_dataloader = dict(
    batch_size=2,
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        ignore_keys=['dataset_name'],
        datasets=[
            dict(dense_windows, data_root='data/synthetic_esd/tracking/'),
            dict(dense_windows, data_root='data/synthetic_esd/detection/'),
        ]))
val_dataloader = None
val_cfg = None
val_evaluator = None
test_dataloader = dict(dataset={{_base_.dense_test_dataset}})
test_cfg = dict(type='TestLoop')

max_iters = 900
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=50, end=max_iters, eta_min=1e-5),
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=25),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=250, max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
