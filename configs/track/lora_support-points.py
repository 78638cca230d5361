# BleedOrigin-Track (LoRA, lora.py's weights) deployed on support points (SupportPointTracker,
# an mmbleed addition to the paper; docs/source_tracking.md "Support points"): the tracker
# follows up to 48 tissue corners around the source instead of the source itself, and the
# source moves with their RANSAC similarity transform, so blood spreading over the source no
# longer drags the point. Nothing new to train: test lora.py's checkpoint with this config.
#   python tools/train.py configs/track/lora.py
#   python tools/test.py configs/track/lora_support-points.py work_dirs/lora/iter_150.pth
_base_ = ['./lora.py']

# appearance_skip_red: the appearance check leaves out support points that blood now covers
# (chosen on the training and validation clips, docs/source_tracking.md, sixth round).
model = dict(model=dict(test_cfg=dict(support=dict(num_support=48, ransac_thr=12.0,
                                                   appearance_skip_red=True))))
