# Pyramidal Lucas-Kanade baseline (paper §5, generic trackers; issue 9): OpenCV's pyramidal LK
# chained frame to frame from the query point, forward-backward check at 1 px, OpenCV's
# usual parameters (docs/shortcut_baselines.md's row). No weights: tools/test.py CONFIG.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/datasets/synthetic_esd_track.py',
]

model = dict(
    type='OnlinePointTracker',
    tracker=dict(
        type='PyramidalLKTracker', win_size=21, max_level=3, fb_thr=1.0, max_iter=30,
        eps=0.01))

test_cfg = dict(type='TestLoop')
# nothing to train or validate
train_dataloader = None
val_dataloader = None
val_evaluator = None
