# Ablation (paper Table 8, top): RGB and HSV, no optical flow (which is then not computed).
_base_ = './bleedorigin-detect_mdg-tiny_synthetic-esd-small.py'

model = dict(mdcfm=dict(domains=('rgb', 'hsv')), mdg=dict(domains=('rgb', 'hsv')))
