# Hand-crafted rule with the aligned look-ahead localizer's frames: argmax of the smoothed red
# that appeared between the onset frame and the frame 10 frames later, the later frame first
# warped onto the onset frame by dense optical flow (EvidenceAlignment). No weights:
# tools/test.py CONFIG. Chosen on the training and validation onset frames
# (docs/source_localization.md).
_base_ = ['./red-mask-appeared_synthetic-esd-small.py']

model = dict(align_evidence=True)
