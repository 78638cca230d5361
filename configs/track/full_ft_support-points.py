# BleedOrigin-Track with every weight fine-tuned (full_ft.py's weights), or the committed
# pretrained checkpoint, deployed on support points (SupportPointTracker; see
# lora_support-points.py and docs/source_tracking.md "Support points").
#   python tools/test.py configs/track/full_ft_support-points.py work_dirs/full_ft/iter_150.pth
_base_ = ['./full_ft.py']

# appearance_skip_red: see lora_support-points.py.
model = dict(test_cfg=dict(support=dict(num_support=48, ransac_thr=12.0,
                                        appearance_skip_red=True)))
