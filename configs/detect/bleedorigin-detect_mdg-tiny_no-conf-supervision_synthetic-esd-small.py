# Ablation (mmbleed's): MDCFM's colour/motion confidences without their auxiliary BCE; they
# learn only through the onset loss (they are part of the temporal head's input), and the
# memory keeps what those untrained confidences call clean.
_base_ = './bleedorigin-detect_mdg-tiny_synthetic-esd-small.py'

model = dict(confidence_loss=None)
