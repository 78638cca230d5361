# The dense tissue tracks of the synthetic ESD tracking test clips (docs/data_format.md §3),
# scored the TAP-Vid way: each clip's first 60 frames (2 s at 30 fps; every clip has at least
# 60), every track visible at frame 0 queried there, all tracks of a clip pooled by
# TrackMetric (per clip, then averaged over clips: delta_avg, OA, AJ). A tracker config
# takes it as `test_dataloader = dict(dataset={{_base_.dense_test_dataset}})` (it replaces
# the source-track dataset).
dense_test_dataset = dict(
    _delete_=True,
    type='DenseTrackDataset',
    data_root='data/synthetic_esd/tracking/',
    ann_file='annotations/test.json',
    clip_len=60,
    test_mode=True,
    pipeline=[
        dict(type='LoadFrames'),
        dict(type='PackBleedInputs', pack_frames=True),
    ])
