# Data ablation of the published CPU onset detector (chained-aligned references): the 208
# training clips plus 120 bleeding-free clips of new patients (seeds 4 and 5, 60 each), so
# that 168 of the 328 clips (51 %) have no bleeding (the 60-clip config: 40 %). Same budget:
# 5 epochs of 164 steps (820 steps). Generate the extra clips first (about 1 minute each):
#   python tools/dataset_converters/generate_synthetic_esd.py --out data/synthetic_esd_seed4 \
#       --preset small --seed 4 --det-positive 0 1 1 --det-negative 60 1 1 --track-clips 0
#   python tools/dataset_converters/generate_synthetic_esd.py --out data/synthetic_esd_seed5 \
#       --preset small --seed 5 --det-positive 0 1 1 --det-negative 60 1 1 --track-clips 0
# Its window confidences stay below 0.6; the threshold (0.28) was chosen on the seed-3
# validation set by the 4x config's rule (highest Acc@8 with false alarms on at most 10 % of
# the bleeding-free clips), searched in 0.01 steps. Measured: docs/onset_detection.md.
_base_ = ['./bleedorigin-detect_mdg-tiny_4x-train-clips_more-negatives_chained-aligned-'
          'references_synthetic-esd-small.py']

model = dict(conf_thr=0.28)

train_dataloader = dict(
    dataset=dict(datasets=[
        dict(type='OnsetDataset', data_root=root, ann_file='annotations/train.json',
             window={{_base_.window}}, stride=1, max_drop=60, clip_mode=True,
             clip_len=90, pipeline={{_base_.train_pipeline}})
        for root in ('data/synthetic_esd/detection/', 'data/synthetic_esd_seed1/detection/',
                     'data/synthetic_esd_seed4/detection/',
                     'data/synthetic_esd_seed5/detection/')
    ]))

max_epochs = 5
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, T_max=max_epochs, eta_min=1e-5),
]
default_hooks = dict(checkpoint=dict(interval=5))
