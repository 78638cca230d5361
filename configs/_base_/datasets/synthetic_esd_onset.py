# Onset detection (paper §4.1) on the synthetic ESD detection clips: windows of N = 60 frames.
# At test time the windows advance one frame at a time (Eq. 2: "the window advances
# consecutively"), so a clip of 150 frames gives 91 windows; in training they start every
# 10 frames and each clip drops a fresh random 0-60 leading frames whenever a window is
# drawn (OnsetDataset.max_drop), so the onset falls anywhere in a window.
dataset_type = 'OnsetDataset'
data_root = 'data/synthetic_esd/detection/'

window = 60
input_size = (160, 136)  # (w, h) of the model input

train_pipeline = [
    dict(type='LoadFrames'),
    dict(type='Resize', scale=input_size),
    dict(type='PackBleedInputs', pack_frames=True),
]
test_pipeline = train_pipeline

train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/train.json',
        window=window,
        stride=10,
        max_drop=60,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/val.json',
        window=window,
        stride=1,
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/test.json',
        window=window,
        stride=1,
        test_mode=True,
        pipeline=test_pipeline))

# validation during training logs the overall numbers only; the test adds one table row
# (and metric keys) per scenario and per site
val_evaluator = dict(type='OnsetMetric', window=window, breakdown=())
test_evaluator = dict(type='OnsetMetric', window=window)
