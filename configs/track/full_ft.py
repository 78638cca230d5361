# BleedOrigin-Track fine-tuning, every weight trained (paper §4.3, Table 9 "full fine-tuning"):
# the pretrained tracker (pretrain.py; the committed CPU checkpoint) tuned on the bleeding-
# source tracks of the training clips, short samples (two expert annotations 30 frames apart)
# plus their pseudo-tracks, with the Eq. 8 loss (PseudoLabelTrackLoss: 0.6 Huber on the
# annotated source + 0.4 mean Huber on the pseudo-points). Tested on the test clips' source
# tracks (each clip from its first visible annotation to its end, scored every 30 frames).
# Make the pseudo-tracks first (SIFT matches near the source, tracked by the pretrained
# tracker, Kalman/RTS-smoothed; written beside the annotations, never over them):
#   python tools/dataset_converters/make_pseudo_tracks.py data/synthetic_esd/tracking \
#       --split train --tracker-config configs/track/pretrain.py \
#       --checkpoint checkpoints/track-on_resnet18-slim_dense-pretrain_synthetic-esd-small.pth
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/synthetic_esd_track.py',
    '../_base_/models/track-on_resnet18-slim.py'
]

pretrained = 'checkpoints/track-on_resnet18-slim_dense-pretrain_synthetic-esd-small.pth'
model = dict(
    loss=dict(_delete_=True, type='PseudoLabelTrackLoss', annotated_weight=0.6,
              pseudo_weight=0.4),
    init_cfg=dict(type='Pretrained', checkpoint=pretrained))

train_dataloader = dict(
    dataset=dict(mode='short', pseudo_label_file='pseudo_labels/train.json'))

max_iters = 150
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=1e-4),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters, eta_min=1e-6)
]
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters,
                    max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
