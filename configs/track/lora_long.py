# BleedOrigin-Track, LoRA fine-tuning on long clips (paper §4.3, Table 9 "long"): lora.py, but
# each sample is a whole training clip from its first visible annotation to its end (expert
# points every 30 frames, pseudo-tracks where they exist) instead of 31-frame pieces, so the
# tracker learns across the hundreds of frames over which the bleed spreads. A step runs the
# whole clip (about 8 times the frames of a short sample); same 150 steps.
#   python tools/train.py configs/track/lora_long.py
_base_ = ['./lora.py']

train_dataloader = dict(dataset=dict(mode='long'))
