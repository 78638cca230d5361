# MFT-style flow-chaining baseline (paper §5, "optical-flow chaining à la MFT"; Neoral et al.,
# WACV 2024): DIS optical flow chained from anchors 1, 2, 4, 8, 16, 32 frames back and from
# the query frame, the candidate chosen by forward-backward consistency (occluded above
# 2 px or below a patch correlation of 0.5, chosen on the val split). No weights:
# tools/test.py CONFIG.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/synthetic_esd_track.py',
]

model = dict(
    type='OnlinePointTracker',
    tracker=dict(
        type='MFTFlowTracker',
        deltas=(1, 2, 4, 8, 16, 32),
        use_query_frame=True,
        fb_thr=2.0,
        ncc_thr=0.5,
        preset='fast'))

test_cfg = dict(type='TestLoop')
# nothing to train or validate
train_dataloader = None
val_dataloader = None
val_evaluator = None
