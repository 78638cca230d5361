# Onset detection (paper §4.1) on the synthetic ESD detection clips, one sample per clip, for
# detectors that compute each frame once and score every window of N = 60 frames at stride 1
# themselves (BleedOnsetDetector). Training draws segments of 90 frames (31 windows each)
# after a random drop of 0-60 leading frames; validation and test take whole clips.
dataset_type = 'OnsetDataset'
data_root = 'data/synthetic_esd/detection/'

window = 60
input_size = (80, 68)  # (w, h) of the model input: a quarter of the 320x272 frames
interpolation = 'area'

train_pipeline = [
    dict(type='LoadFrames'),
    dict(type='Resize', scale=input_size, interpolation=interpolation),
    dict(type='LoadOnsetFrameTargets'),
    dict(type='PackBleedInputs', pack_frames=True,
         gt_keys=('gt_onset', 'gt_frame_changes', 'gt_blood_masks')),
]
test_pipeline = [
    dict(type='LoadFrames'),
    dict(type='Resize', scale=input_size, interpolation=interpolation),
    dict(type='PackBleedInputs', pack_frames=True, gt_keys=('gt_onset', )),
]

train_dataloader = dict(
    batch_size=2,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/train.json',
        window=window,
        clip_mode=True,
        clip_len=90,
        max_drop=60,
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
        window=window,
        clip_mode=True,
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
        window=window,
        clip_mode=True,
        test_mode=True,
        pipeline=test_pipeline))

val_evaluator = dict(type='OnsetMetric', window=window, breakdown=())
test_evaluator = dict(type='OnsetMetric', window=window)
