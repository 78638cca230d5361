# Source tracking (paper §4.3) on the synthetic ESD tracking clips (docs/data_format.md §4).
# Evaluation runs each clip from its first visible annotation (the query) to its end
# (TrackingDataset mode='long'), scored on the annotated frames after the query, every 30
# frames, as docs/shortcut_baselines.md scores its track rules. Frames stay at the original
# resolution: a tracker that runs at another one resizes inside (BasePointTracker), and the
# metric reads points in original pixels. A clip is one sample of T frames (batch_size=1).
dataset_type = 'TrackingDataset'
data_root = 'data/synthetic_esd/tracking/'

train_pipeline = [
    dict(type='LoadFrames'),
    dict(type='PackBleedInputs', pack_frames=True),
]
test_pipeline = train_pipeline

# short samples (consecutive annotations <= 30 frames apart, GT at both ends); a learned
# tracker's config picks its mode ('short', 'long' or 'hybrid') and adds its pseudo-labels
train_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/train.json',
        mode='short',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/val.json',
        mode='long',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/test.json',
        mode='long',
        test_mode=True,
        pipeline=test_pipeline))

# validation during training logs the overall numbers only; the test adds one table row
# (and metric keys) per scenario and per site
val_evaluator = dict(type='TrackMetric', breakdown=())
test_evaluator = dict(type='TrackMetric')
