# Pyramidal Lucas-Kanade on support points (SupportPointTracker, an mmbleed addition to the
# paper; docs/source_tracking.md "Support points"): LK follows up to 48 tissue corners around
# the source, and the source moves with their RANSAC similarity transform instead of being
# tracked through the blood that covers it. LK chains frame to frame and never finds a lost
# point again, so the support points are re-picked when a fit keeps fewer than a quarter of
# them (reanchor_inlier_share; 0, 0.25 and 0.5 compared on the training and validation
# clips). No weights: tools/test.py CONFIG.
_base_ = ['./lucas-kanade_synthetic-esd-small.py']

model = dict(
    tracker=dict(
        _delete_=True,
        type='SupportPointTracker',
        tracker={{_base_.model.tracker}},
        ransac_thr=3.0,
        reanchor_inlier_share=0.25))
