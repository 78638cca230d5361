# Ablation: the evidence frame read as it is, not warped onto the frame by optical flow
# (EvidenceAlignment off): camera and tissue motion between the two frames count as red that
# appeared. Otherwise the full CPU config.
_base_ = ['./bleedorigin-source_resnet18-tiny_synthetic-esd-small.py']

model = dict(align_evidence=False)
