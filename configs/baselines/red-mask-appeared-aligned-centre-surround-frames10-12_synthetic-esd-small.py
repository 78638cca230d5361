# Hand-crafted rule: the aligned centre-surround look-ahead rule
# (red-mask-appeared-aligned-centre-surround_...) with the maps of the evidence frames 10, 11
# and 12 frames later averaged before the argmax: the rule that reads the same frames as the
# source module's CPU config (predict_lookaheads). No weights: tools/test.py CONFIG.
_base_ = ['./red-mask-appeared-aligned-centre-surround_synthetic-esd-small.py']

model = dict(lookahead=(10, 11, 12))
test_dataloader = dict(dataset=dict(lookahead=12))
