# Motion ablation of the onset detector: the 4x-clips CPU config whose MDG compares each frame
# with its previous frame and its key frames warped onto it by optical flow
# (ReferenceAlignment, DIS 'medium' at 80x68), so that camera jitter and tissue motion are
# not read as change; MDCFM's confidences read the frames as they are. Same data and 832
# steps. Its threshold is chosen on the seed-3 validation set by the rule of the 4x config
# (docs/onset_detection.md).
_base_ = ['./bleedorigin-detect_mdg-tiny_4x-train-clips_synthetic-esd-small.py']

model = dict(reference_alignment=dict(dis_preset='medium'))
