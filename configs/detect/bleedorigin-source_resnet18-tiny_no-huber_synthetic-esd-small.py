# Ablation: no Huber term on the soft-argmax point (Eq. 5 with delta = 0).
_base_ = ['./bleedorigin-source_resnet18-tiny_synthetic-esd-small.py']

model = dict(loss=dict(point_weight=0.0))
