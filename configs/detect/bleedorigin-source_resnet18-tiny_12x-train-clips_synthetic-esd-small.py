# Data ablation: the full CPU config trained on about twelve times the onset frames: the v2
# training split's 37 clips, the 80 of the 3x config and 320 more bleeding clips generated with
# a third seed (new patients; the v2 validation and test splits are untouched). Same ~200
# steps as the full config. Generate the extra clips first:
#   python tools/dataset_converters/generate_synthetic_esd.py --out data/synthetic_esd_seed1 \
#       --preset small --seed 1 --det-positive 80 1 1 --det-negative 0 --track-clips 0
#   python tools/dataset_converters/generate_synthetic_esd.py --out data/synthetic_esd_seed2 \
#       --preset small --seed 2 --det-positive 320 1 1 --det-negative 0 --track-clips 0
_base_ = ['./bleedorigin-source_resnet18-tiny_synthetic-esd-small.py']

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
# about 410 clips with the source visible at the onset: 52 steps an epoch; 4 epochs ~ the
# full config's 200 steps
max_epochs = 4
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=20),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, T_max=max_epochs, eta_min=1e-5),
]
default_hooks = dict(checkpoint=dict(interval=2))
