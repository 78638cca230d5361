# Ablation, at prediction only (the CPU module's own weights, no training): the heat map with
# the evidence frame 10 frames later alone, instead of the mean of those with the frames 10,
# 11 and 12 later (predict_lookaheads). Test it with the committed checkpoint:
#   python tools/test.py configs/detect/<this file> \
#       checkpoints/bleedorigin-source_resnet18-tiny_synthetic-esd-small.pth
_base_ = ['./bleedorigin-source_resnet18-tiny_synthetic-esd-small.py']

model = dict(predict_lookaheads=None)
val_dataloader = dict(dataset=dict(lookahead=10))
test_dataloader = dict(dataset=dict(lookahead=10))
