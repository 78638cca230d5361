# BleedOrigin-Track fine-tuning through LoRA (paper §4.3, Table 9 "LoRA"; the configuration the
# paper deploys): full_ft.py's data, loss and schedule, but the pretrained tracker frozen and
# r = 8 LoRA adapters (peft) trained on its attention and MLP layers only (the query decoder,
# the re-ranking's attention: ATTENTION_MLP_TARGETS); the trainable share is logged at start.
#   python tools/train.py configs/track/lora.py
# Deploy with the adapters folded into the weights (the result loads into pretrain.py):
#   python tools/model_converters/merge_lora.py configs/track/lora.py \
#       work_dirs/lora/iter_150.pth work_dirs/lora/merged.pth
_base_ = ['./full_ft.py']

model = dict(
    _delete_=True,
    type='LoRAFineTune',
    model={{_base_.model}},  # its init_cfg loads the pretrained weights before the adapters
    init_checkpoint=None,
    targets=r'.*\.(q_proj|k_proj|v_proj|out_proj|fc1|fc2)',
    rank=8,
    alpha=16)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
