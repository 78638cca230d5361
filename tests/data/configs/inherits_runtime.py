_base_ = [
    '../../../configs/_base_/default_runtime.py',
    '../../../configs/_base_/schedules/schedule_cpu_small.py'
]
train_cfg = dict(max_epochs=3)
