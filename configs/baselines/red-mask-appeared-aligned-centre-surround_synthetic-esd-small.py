# Hand-crafted rule: the aligned look-ahead rule (red-mask-appeared-aligned_...) read
# centre-surround: the smoothed red that appeared minus the same smoothed over its
# neighbourhood (sigma 20 px at 320x272, a difference of Gaussians), so that a small spot of
# fresh blood stands out and red that appeared over a wide area (tissue uncovered by glare or
# haze moving away) does not. The same surround as the source module's prior_surround_sigma
# (10 px at its 160x136). No weights: tools/test.py CONFIG. Chosen on the training and
# validation onset frames (docs/source_localization.md).
_base_ = ['./red-mask-appeared-aligned_synthetic-esd-small.py']

model = dict(surround_sigma=20.0)
