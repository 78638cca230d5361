# Ablation: the Red-Mask prior as the attention keys only (the literal reading of Eq. 3): the
# fusion does not see the red map itself (see mmbleed.models.fusion.MultiScaleAttention) and
# no prior is added to the heat map.
_base_ = ['./bleedorigin-source_resnet18-tiny_synthetic-esd-small.py']

model = dict(prior_skip=False, prior_surround_sigma=None, attention=dict(fuse_key=False))
