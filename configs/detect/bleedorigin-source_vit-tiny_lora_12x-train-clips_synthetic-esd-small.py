# LoRA fine-tuning (peft, LoRAFineTune) of the tiny-ViT source module trained on the v2
# training split, on the 12x training clips (see ..._12x-train-clips_...; generate them
# first): r = 8 adapters on the ViT's attention and MLP layers, everything else frozen,
# ~200 steps. Train the starting checkpoint first:
#   python tools/train.py configs/detect/bleedorigin-source_vit-tiny_synthetic-esd-small.py \
#       --work-dir work_dirs/source_vit-tiny
# Merge the adapters for deployment (the result loads into the tiny-ViT config):
#   python tools/model_converters/merge_lora.py CONFIG work_dirs/<this>/epoch_4.pth merged.pth
_base_ = ['./bleedorigin-source_vit-tiny_synthetic-esd-small.py']

model = dict(
    _delete_=True,
    type='LoRAFineTune',
    model={{_base_.model}},
    init_checkpoint='work_dirs/source_vit-tiny/epoch_40.pth',
    rank=8,
    alpha=16)

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(type='SourceDataset', data_root=root, ann_file='annotations/train.json',
                 frames='onset', num_pseudo={{_base_.num_pseudo}},
                 lookahead={{_base_.lookahead}}, pipeline={{_base_.train_pipeline}})
            for root in ('data/synthetic_esd/detection/',
                         'data/synthetic_esd_seed1/detection/',
                         'data/synthetic_esd_seed2/detection/')
        ]))
max_epochs = 4
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, T_max=max_epochs, eta_min=1e-5),
]
default_hooks = dict(checkpoint=dict(interval=2))
