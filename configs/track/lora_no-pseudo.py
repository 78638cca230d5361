# BleedOrigin-Track, LoRA fine-tuning without pseudo-labels (paper §4.3, Table 9 "pseudo-labels
# off"): lora.py on the expert points alone (the short samples' two annotated ends), so Eq. 8's
# second term is zero; everything else (adapters, schedule, data) as lora.py.
#   python tools/train.py configs/track/lora_no-pseudo.py
_base_ = ['./lora.py']

train_dataloader = dict(dataset=dict(pseudo_label_file=None))
