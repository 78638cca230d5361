# Onset detection (paper §4.1) on the synthetic ESD detection clips, one sample per clip, for
# detectors that compute each frame once and score every window of N = 60 frames at stride 1
# themselves (BleedOnsetDetector): the window-mode settings of synthetic_esd_onset.py plus
# clip mode. Training draws segments of 90 frames (31 windows each) after a random drop of
# 0-60 leading frames, flipped (one of the 4 flips, the same for the whole segment) and
# colour-jittered (the same for every frame; hue by at most 2 % of a turn so blood stays
# red): the training split has 40 bleeding clips, too few for the frame features to learn
# blood from without them. Validation and test take whole clips.
_base_ = './synthetic_esd_onset.py'

input_size = (80, 68)  # (w, h) of the model input: a quarter of the 320x272 frames
interpolation = 'area'

train_pipeline = [
    dict(type='LoadFrames'),
    dict(type='Resize', scale=input_size, interpolation=interpolation),
    dict(type='RandomFlip', prob=0.75, direction=['horizontal', 'vertical', 'diagonal']),
    dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2, hue=0.02),
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
    dataset=dict(
        clip_mode=True, clip_len=90, stride=1, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=1, dataset=dict(clip_mode=True, pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1, num_workers=1, dataset=dict(clip_mode=True, pipeline=test_pipeline))
