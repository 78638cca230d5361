# MFT-style DIS flow chaining on support points (SupportPointTracker, an mmbleed addition to
# the paper; docs/source_tracking.md "Support points"): the flow chain follows up to 48 tissue
# corners around the source, and the source moves with their RANSAC similarity transform.
# The chain re-anchors to the query frame, so its points come back after an occlusion and the
# support points are only re-picked when they leave the frame. No weights: tools/test.py CONFIG.
_base_ = ['./mft-dis_synthetic-esd-small.py']

model = dict(
    tracker=dict(
        _delete_=True,
        type='SupportPointTracker',
        tracker={{_base_.model.tracker}},
        ransac_thr=3.0))
