# BleedOrigin-Track, LoRA fine-tuning on short and long samples together (paper §4.3, Table 9
# "hybrid"): lora.py's short pieces plus one whole-clip sample per training clip (lora_long.py),
# shuffled together; same 150 steps.
#   python tools/train.py configs/track/lora_hybrid.py
_base_ = ['./lora.py']

train_dataloader = dict(dataset=dict(mode='hybrid'))
