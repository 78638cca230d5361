# Ablation (paper Table 8, top): RGB only. MDCFM and MDG compare frames in RGB; no HSV, no
# optical flow (which is then not computed).
_base_ = './bleedorigin-detect_mdg-tiny_synthetic-esd-small.py'

model = dict(mdcfm=dict(domains=('rgb', )), mdg=dict(domains=('rgb', )))
