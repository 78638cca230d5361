# LoRA fine-tuning (peft, LoRAFineTune) of the tiny-ViT source module trained on the v2
# training split, on the 12x training clips with the full fine-tuning config's data and
# schedule (see ..._12x-train-clips_...; generate the clips first): r = 8 adapters on the
# ViT's attention and MLP layers, everything else frozen, ~200 steps. Train the starting
# checkpoint first (the full fine-tuning config says how).
# Merge the adapters for deployment (the result loads into the tiny-ViT config):
#   python tools/model_converters/merge_lora.py CONFIG work_dirs/<this>/epoch_4.pth merged.pth
_base_ = ['./bleedorigin-source_vit-tiny_full-ft_12x-train-clips_synthetic-esd-small.py']

model = dict(
    _delete_=True,
    type='LoRAFineTune',
    model={{_base_.model}},
    init_checkpoint={{_base_.load_from}},
    rank=8,
    alpha=16)
load_from = None  # the wrapper loads the weights before the adapters go in
