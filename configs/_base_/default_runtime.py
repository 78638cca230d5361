# Runtime shared by every mmbleed config.
default_scope = 'mmbleed'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # On a machine without CUDA, mmbleed.compat switches this to gloo.
    dist_cfg=dict(backend='nccl'),
)

# DDP that also wraps a CPU model (mmbleed.compat.cpu_distributed).
model_wrapper_cfg = dict(
    type='mmbleed.CPUCompatibleDDP', broadcast_buffers=False)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='Visualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=10, by_epoch=True)

log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
