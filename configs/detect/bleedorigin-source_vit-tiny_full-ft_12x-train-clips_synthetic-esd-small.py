# Full fine-tuning (every weight trains) of the tiny-ViT source module trained on the v2
# training split, on the 12x training clips (generate them first, see ..._12x-train-clips_...),
# ~200 steps: the comparison the LoRA config (which inherits this data and schedule) needs
# (paper Table 9: full fine-tuning vs LoRA). Train the starting checkpoint first, with the
# inputs of its time:
#   python tools/train.py configs/detect/bleedorigin-source_vit-tiny_synthetic-esd-small.py \
#       --work-dir work_dirs/source_vit-tiny \
#       --cfg-options model.align_evidence=False model.prior_sigma=2.0
_base_ = ['./bleedorigin-source_vit-tiny_synthetic-esd-small.py']

load_from = 'work_dirs/source_vit-tiny/epoch_40.pth'
# these fine-tuning runs (docs/source_localization.md, "LoRA fine-tuning") start from the tiny
# ViT trained before the evidence frame was aligned and the prior sharpened, and keep both
model = dict(align_evidence=False, prior_sigma=2.0)
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
