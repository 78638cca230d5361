# Ablation (paper Table 8, top): no frame memory. MDG compares each frame with the previous
# one only; MDCFM keeps no key frames (its confidences still feed the temporal head).
_base_ = './bleedorigin-detect_mdg-tiny_synthetic-esd-small.py'

model = dict(mdcfm=dict(memory_size=0), mdg=dict(use_memory=False))
