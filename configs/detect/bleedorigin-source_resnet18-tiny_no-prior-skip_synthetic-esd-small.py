# Ablation: no prior added to the heat map: the Red-Mask enters only through Eq. 3 (keys) and
# the fusion, and the whole heat map is learned.
_base_ = ['./bleedorigin-source_resnet18-tiny_synthetic-esd-small.py']

model = dict(prior_skip=False, prior_surround_sigma=None)
