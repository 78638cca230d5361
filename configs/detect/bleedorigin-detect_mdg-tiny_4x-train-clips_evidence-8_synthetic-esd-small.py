# Label ablation of the onset detector: the 4x-clips CPU config with Eq. 4's windows relabelled
# so that a window holds the onset only when it also holds at least 8 frames after it
# (OnsetLoss min_frames_after; the bleed's first blood, 10 frame pixels or more, shows a
# median 8 frames after the onset in the training clips). Same data and 832 steps. Its
# threshold (0.8) was chosen on the seed-3 validation set by the rule of the 4x config.
# Measured (docs/onset_detection.md): not better than the paper's labels, Acc@8 34.6 % on
# the test split at 0.8 against 41.3 % (48.1 % at 0.5, with alarms on 34 % of the
# bleeding-free clips).
_base_ = ['./bleedorigin-detect_mdg-tiny_4x-train-clips_synthetic-esd-small.py']

model = dict(conf_thr=0.8, loss=dict(min_frames_after=8))
