# BleedOrigin's source module (paper §4.1.2-4.1.3) on the synthetic ESD detection clips: the
# onset frame of each bleeding clip, with its n = 10 optical-flow pseudo-labels (§4.1.3), for
# training (the paper's setting; the later annotated frames, where blood has spread, teach
# another task: see docs/source_localization.md), validation and test. Each sample also
# loads the frames up to lookahead = 10 frames after it (12 at validation and test; its
# evidence frames, see mmbleed.models.detectors.BleedSourceLocalizer); the heat map is at the
# input resolution.
_base_ = ['./synthetic_esd_source.py']

lookahead = 10
# at prediction, the heat maps of the onset frame paired with the frames 10, 11 and 12 frames
# later are averaged (BleedSourceLocalizer's predict_lookaheads): validation and test load the
# frames up to the last of them
predict_lookaheads = (10, 11, 12)
num_pseudo = 10
input_size = (160, 136)  # (w, h) of the model input: half the small preset's 320x272
codec = dict(
    type='GaussianHeatmap', input_size=input_size, heatmap_size=input_size, sigma=3.0)

train_pipeline = [
    dict(type='LoadFrames'),
    # the expert point carried n frames ahead (forward-backward checked); the frames after
    # those are evidence frames only
    dict(type='PropagatePseudoPoints', dis_preset='fast', window_radius=48,
         max_steps=num_pseudo),
    dict(type='RandomResizedCrop', scale=input_size, area_range=(0.6, 1.0), margin=6.0),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='ColorJitter', brightness=0.2, contrast=0.2, saturation=0.2, hue=0.02),
    dict(type='GenerateHeatmapTarget', encoder=codec),
    dict(type='PackBleedInputs'),
]
test_pipeline = [
    dict(type='LoadFrames'),
    dict(type='Resize', scale=input_size),
    dict(type='PackBleedInputs'),
]

train_dataloader = dict(
    dataset=dict(
        frames='onset', num_pseudo=num_pseudo, lookahead=lookahead, pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(num_pseudo=0, lookahead=max(predict_lookaheads), pipeline=test_pipeline))
test_dataloader = dict(
    dataset=dict(num_pseudo=0, lookahead=max(predict_lookaheads), pipeline=test_pipeline))
