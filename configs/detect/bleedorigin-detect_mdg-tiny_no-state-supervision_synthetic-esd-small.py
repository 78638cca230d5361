# Ablation (mmbleed's): no per-frame bleeding-state supervision; the state read-out learns
# only through the onset loss, as the paper's model would.
_base_ = './bleedorigin-detect_mdg-tiny_synthetic-esd-small.py'

model = dict(state_loss=None)
