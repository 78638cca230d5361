# BleedOrigin-Track fine-tuning through AdaLoRA (paper §4.3, Table 9 "AdaLoRA"; peft,
# AdaLoRAFineTune): lora.py's layers, data, loss and schedule, with adapters that start at
# rank 12 and share a budget that AdaLoRA prunes to rank 8 on average (LoRA's rank) by
# importance, between 10 % and 80 % of the steps; orthogonality penalty 0.5 (loss_orth).
#   python tools/train.py configs/track/adalora.py
# Merge for deployment as LoRA: tools/model_converters/merge_lora.py (AdaLoRA layers are
# LoRA layers to peft).
_base_ = ['./lora.py']

model = dict(
    type='AdaLoRAFineTune',
    rank=12,
    target_rank=8,
    total_steps={{_base_.max_iters}},
    delta_t=5,
    orth_reg_weight=0.5)
