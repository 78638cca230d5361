# The aligned-references onset detector (MDG's references warped onto the frame by DIS optical
# flow, ReferenceAlignment) cut to the 20-minute CPU budget: its flows make a step take 1.6-1.9 s
# on 2 cores instead of 1.25 s, so 5 epochs (520 steps) instead of the 4x config's 8 (832).
# Everything else as ..._aligned-references_...; its threshold (0.6) chosen on the seed-3
# validation set by the 4x config's rule (docs/onset_detection.md). Measured: 940 s; on that
# validation set Acc@8 33.3 % at 0.6 against 46.7 % for the published 4x detector (832 steps,
# no alignment) at its 0.65: cut to this budget the alignment does not pay, and the 4x
# detector stays the published one.
_base_ = ['./bleedorigin-detect_mdg-tiny_4x-train-clips_aligned-references_synthetic-esd-small.py']

model = dict(conf_thr=0.6)

max_epochs = 5
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, T_max=max_epochs, eta_min=1e-5),
]
default_hooks = dict(checkpoint=dict(interval=5))
