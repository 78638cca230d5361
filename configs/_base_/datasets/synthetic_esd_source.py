# Source localization (paper §4.2) on the synthetic ESD detection clips: the onset frame of
# each bleeding clip with its expert point. Training also uses the later annotated frames.
# num_pseudo=0: these pipelines use no optical-flow pseudo-labels, so the frames after each
# sample are not decoded (BleedOrigin's source module, which trains on them, sets it to 10).
dataset_type = 'SourceDataset'
data_root = 'data/synthetic_esd/detection/'

input_size = (256, 224)  # (w, h) of the model input
heatmap_size = (64, 56)
codec = dict(
    type='GaussianHeatmap',
    input_size=input_size,
    heatmap_size=heatmap_size,
    sigma=2.0)

train_pipeline = [
    dict(type='LoadFrames'),
    dict(
        type='RandomResizedCrop',
        scale=input_size,
        area_range=(0.6, 1.0),
        margin=8.0),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(
        type='ColorJitter',
        brightness=0.2,
        contrast=0.2,
        saturation=0.2,
        hue=0.02),
    dict(type='GenerateHeatmapTarget', encoder=codec),
    dict(type='PackBleedInputs'),
]
test_pipeline = [
    dict(type='LoadFrames'),
    dict(type='Resize', scale=input_size),
    dict(type='PackBleedInputs'),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/train.json',
        frames='annotated',
        num_pseudo=0,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/val.json',
        frames='onset',
        num_pseudo=0,
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/test.json',
        frames='onset',
        num_pseudo=0,
        test_mode=True,
        pipeline=test_pipeline))

# validation during training logs the overall numbers only; the test adds one table row
# (and metric keys) per scenario and per site
val_evaluator = dict(type='PointMetric', breakdown=())
test_evaluator = dict(type='PointMetric')
