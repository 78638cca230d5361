# BleedOrigin-Detect, temporal stage (paper §4.1.1), CPU size: MDCFM memory of 4 key frames,
# MDG over RGB, HSV and flow differences at 80x68, a 4-layer 8-head transformer over windows
# of N = 60 frames. Trains in about 20 minutes on 2 cores on the small synthetic ESD data.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_cpu_small.py',
    '../_base_/datasets/synthetic_esd_onset_clip.py',
]

model = dict(
    type='BleedOnsetDetector',
    window={{_base_.window}},
    conf_thr=0.5,
    input_size={{_base_.input_size}},
    interpolation={{_base_.interpolation}},
    frame_domains=dict(flow_method='dis', dis_preset='medium', flow_scale=4.0),
    mdcfm=dict(
        type='MDCFM', feat_channels=(8, 16, 32), stem_stride=2, memory_size=4,
        min_interval=8, alpha=0.5, gamma=0.5),
    mdg=dict(
        type='MDG', domains=('rgb', 'hsv', 'flow'), feat_channels=(8, 16, 32),
        stem_stride=2, out_channels=64, use_memory=True),
    head=dict(
        type='TemporalOnsetHead', window={{_base_.window}},
        embed_dims=64, num_layers=4, num_heads=8, feedforward_channels=128, dropout=0.1,
        readout='frames'),
    loss=dict(type='OnsetLoss', window={{_base_.window}}, position_weight=0.01),
    confidence_loss=dict(type='MaskedBCELoss', loss_weight=0.5),
    state_loss=dict(type='MaskedBCELoss', loss_weight=1.0),
    blood_loss=dict(type='MaskedBCELoss', loss_weight=1.0, pos_weight=10.0),
    blood_cell_thr=0.01)

# the CPU schedule, longer, at half its learning rate, with a longer warm-up
max_epochs = 20
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=30),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=0, T_max=max_epochs, eta_min=1e-5),
]
auto_scale_lr = dict(enable=False, base_batch_size=2)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', interval=5, max_keep_ckpts=2,
                    save_best='onset/Acc@8', rule='greater'))
