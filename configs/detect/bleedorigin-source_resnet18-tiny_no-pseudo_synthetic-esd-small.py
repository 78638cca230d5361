# Ablation: no optical-flow pseudo-labels (Eq. 5 without its second term); the same frames,
# evidence frames and schedule as the full CPU config.
_base_ = ['./bleedorigin-source_resnet18-tiny_synthetic-esd-small.py']

model = dict(pseudo_per_sample=0, loss=dict(pseudo_weight=0.0))
