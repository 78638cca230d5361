# Ablation of the source module's CPU config: the Red-Mask prior that prior_skip adds to the
# heat map is the smoothed red that appeared as it is (sigma 1 input px), without the
# centre-surround subtraction of the CPU config (the same smoothed over 10 px). This was the
# CPU config until 2026-12-07. Three seeds each on this 2-core machine (`--cfg-options
# randomness.seed=N`), PCK@5 % on the 12-clip validation split / the 100-clip validation set
# (seed 3) / the test split: plain prior means 88.9 / 63.1 / 55.3 %, centre-surround
# 94.4 / 70.2 / 59.6 %, the centre-surround ahead on the 100-clip set on every seed
# (docs/source_localization.md).
_base_ = ['./bleedorigin-source_resnet18-tiny_synthetic-esd-small.py']

model = dict(prior_surround_sigma=None)
