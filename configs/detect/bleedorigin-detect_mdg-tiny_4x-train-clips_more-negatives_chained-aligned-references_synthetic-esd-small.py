# Data ablation of the published CPU onset detector (chained-aligned references): the same
# 208 training clips plus 60 bleeding-free clips of new patients (seed 4), so that 108 of the
# 268 clips (40 %, against 23 %) have no bleeding. On the seed-3 validation set the published
# detector's false alarms came from bleeding-free clips with instruments in view, held
# confidently over whole runs of windows. Same budget: 6 epochs of 134 steps (804 steps,
# against 832). Generate the extra clips first (about 1 minute on 2 cores):
#   python tools/dataset_converters/generate_synthetic_esd.py --out data/synthetic_esd_seed4 \
#       --preset small --seed 4 --det-positive 0 1 1 --det-negative 60 1 1 --track-clips 0
# Its threshold (0.74) was chosen on the seed-3 validation set by the 4x config's rule (highest
# Acc@8 with false alarms on at most 10 % of the bleeding-free clips; 0.73-0.75 tie at 55.0 %,
# the middle taken). Measured: docs/onset_detection.md.
_base_ = ['./bleedorigin-detect_mdg-tiny_4x-train-clips_chained-aligned-references_'
          'synthetic-esd-small.py']

model = dict(conf_thr=0.74)

train_dataloader = dict(
    dataset=dict(datasets=[
        dict(type='OnsetDataset', data_root=root, ann_file='annotations/train.json',
             window={{_base_.window}}, stride=1, max_drop=60, clip_mode=True,
             clip_len=90, pipeline={{_base_.train_pipeline}})
        for root in ('data/synthetic_esd/detection/', 'data/synthetic_esd_seed1/detection/',
                     'data/synthetic_esd_seed4/detection/')
    ]))

max_epochs = 6
train_cfg = dict(max_epochs=max_epochs, val_interval=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, T_max=max_epochs, eta_min=1e-5),
]
