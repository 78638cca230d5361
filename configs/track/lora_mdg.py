# BleedOrigin-Track, LoRA fine-tuning with the MDG block on (paper §4.3, Table 9 "MDG"):
# lora.py plus the multi-domain gated attention over frame changes (TrackOnMDG: each frame
# against the previous one and the query frame, in RGB, HSV and DIS optical flow) added to
# the keys and values. The committed checkpoint was pretrained without the block; the block
# starts at zero (the tracker starts exactly as lora.py's) and trains with the adapters
# (also_train), as the parts the pretrained weights lack.
#   python tools/train.py configs/track/lora_mdg.py
_base_ = ['./lora.py']

model = dict(
    model=dict(mdg=dict(domains=('rgb', 'hsv', 'flow'), feat_channels=(16, 32, 32),
                        out_channels=64)),
    also_train=r'^mdg\.')
