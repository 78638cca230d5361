# Ablation (paper Table 8, bottom): no Red-Mask prior. Eq. 3 runs with the keys taken from the
# heat-map feature itself (K = Q) and no prior is added to the heat map; everything else as in
# the full CPU config.
_base_ = ['./bleedorigin-source_resnet18-tiny_synthetic-esd-small.py']

model = dict(
    use_red_mask=False, prior_skip=False, prior_surround_sigma=None,
    attention=dict(key_channels=16))
