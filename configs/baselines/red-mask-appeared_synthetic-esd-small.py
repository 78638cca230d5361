# Hand-crafted rule with the look-ahead localizer's frames: argmax of the smoothed red that
# appeared between the onset frame and the frame 10 frames later. No weights: tools/test.py
# CONFIG.
_base_ = ['./red-mask_synthetic-esd-small.py']

lookahead = 10
model = dict(lookahead=lookahead)
test_dataloader = dict(dataset=dict(lookahead=lookahead))
