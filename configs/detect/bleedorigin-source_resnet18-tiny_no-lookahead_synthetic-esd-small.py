# Ablation: the paper's single-frame module (no evidence frame): the onset frame alone, the
# Red-Mask of that frame as the keys. Pseudo-labels as in the full CPU config.
_base_ = ['./bleedorigin-source_resnet18-tiny_synthetic-esd-small.py']

model = dict(
    lookahead=0,
    predict_lookaheads=None,
    align_evidence=False,  # no evidence frame to align
    encoder=dict(in_channels=3),
    attention=dict(key_channels=1))
train_dataloader = dict(dataset=dict(lookahead=0))
val_dataloader = dict(dataset=dict(lookahead=0))
test_dataloader = dict(dataset=dict(lookahead=0))
