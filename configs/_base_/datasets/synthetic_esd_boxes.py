# Boxes around the bleeding source for the YOLO-style baselines (paper §5.2, Tables 5-6),
# read by mmdet's pipelines through mmbleed.SourceBoxDataset: no frame is copied to disk.
# A detector config inherits from mmdet's config AND this file; since MMEngine forbids one
# key in two bases, the dataloaders here have their own names and the detector config
# assigns them (`train_dataloader = {{_base_.box_train_dataloader}}`); `_delete_` drops the
# COCO settings mmdet's config brings.
# mmbleed for the dataset and metric; mmdet's transforms, found from mmbleed's scope only
# once imported
custom_imports = dict(
    imports=['mmbleed', 'mmdet.datasets.transforms'], allow_failed_imports=False)

box_data_root = 'data/synthetic_esd/detection/'
box_img_scale = (256, 256)  # (w, h): the 320x272 synthetic frames at 0.8, padded
# what the onset/source readout (mmbleed.DetectorReadoutMetric) needs from each frame
box_meta_keys = ('img_id', 'ori_shape', 'img_shape', 'scale_factor', 'flip', 'flip_direction',
                 'clip_id', 'frame_idx', 'num_frames', 'fps', 'gt_onset', 'gt_point',
                 'gt_visible', 'site', 'scenarios')

box_train_pipeline = [
    dict(type='mmbleed.LoadFrames'),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(
        type='RandomResize',  # mmcv's, resizing with mmdet's box-aware Resize
        resize_type='mmdet.Resize',
        scale=box_img_scale,
        ratio_range=(0.75, 1.25),
        keep_ratio=True),
    # frames without bleeding have no box: a crop without one is a valid negative
    dict(type='mmdet.RandomCrop', crop_size=box_img_scale, allow_negative_crop=True),
    dict(type='mmdet.YOLOXHSVRandomAug'),
    dict(type='mmdet.RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='mmdet.Pad', size=box_img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(type='mmdet.PackDetInputs', meta_keys=box_meta_keys),
]
box_test_pipeline = [
    # every frame of a clip in order: keep the video open between samples
    dict(type='mmbleed.LoadFrames', keep_reader_open=True),
    dict(type='mmdet.Resize', scale=box_img_scale, keep_ratio=True),
    dict(type='mmdet.Pad', size=box_img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.PackDetInputs', meta_keys=box_meta_keys),
]

box_train_dataloader = dict(
    _delete_=True,
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='mmbleed.SourceBoxDataset',
        data_root=box_data_root,
        ann_file='annotations/train.json',
        frames='annotated',
        box_size=0.1,
        background_stride=10,
        pipeline=box_train_pipeline))
# the readout scans every frame of every clip, in order (no shuffling)
box_val_dataloader = dict(
    _delete_=True,
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='mmbleed.SourceBoxDataset',
        data_root=box_data_root,
        ann_file='annotations/val.json',
        frames='all',
        box_size=0.1,
        test_mode=True,
        pipeline=box_test_pipeline))
box_test_dataloader = dict(
    _delete_=True,
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='mmbleed.SourceBoxDataset',
        data_root=box_data_root,
        ann_file='annotations/test.json',
        frames='all',
        box_size=0.1,
        test_mode=True,
        pipeline=box_test_pipeline))

# onset = first frame whose best score reaches t, source = centre of the best box, for the
# paper's thresholds; validation logs the overall numbers only
box_val_evaluator = dict(
    _delete_=True, type='mmbleed.DetectorReadoutMetric', score_thrs=(0.25, 0.10, 0.01),
    breakdown=())
box_test_evaluator = dict(
    _delete_=True, type='mmbleed.DetectorReadoutMetric', score_thrs=(0.25, 0.10, 0.01))

# Paper size (GPU): the 780x670 preset at 640x640, the same transforms (RTMDet-s, YOLOX-s).
box_paper_data_root = 'data/synthetic_esd_780x670/detection/'
box_paper_img_scale = (640, 640)
box_paper_train_pipeline = [
    dict(type='mmbleed.LoadFrames'),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='RandomResize', resize_type='mmdet.Resize', scale=box_paper_img_scale,
         ratio_range=(0.75, 1.25), keep_ratio=True),
    dict(type='mmdet.RandomCrop', crop_size=box_paper_img_scale, allow_negative_crop=True),
    dict(type='mmdet.YOLOXHSVRandomAug'),
    dict(type='mmdet.RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='mmdet.Pad', size=box_paper_img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(type='mmdet.PackDetInputs', meta_keys=box_meta_keys),
]
box_paper_test_pipeline = [
    dict(type='mmbleed.LoadFrames', keep_reader_open=True),
    dict(type='mmdet.Resize', scale=box_paper_img_scale, keep_ratio=True),
    dict(type='mmdet.Pad', size=box_paper_img_scale, pad_val=dict(img=(114, 114, 114))),
    dict(type='mmdet.LoadAnnotations', with_bbox=True),
    dict(type='mmdet.PackDetInputs', meta_keys=box_meta_keys),
]
# merged into the CPU dataloaders the detector configs already have
box_paper_train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    dataset=dict(data_root=box_paper_data_root, pipeline=box_paper_train_pipeline))
box_paper_test_dataloader = dict(
    batch_size=32,
    num_workers=8,
    dataset=dict(data_root=box_paper_data_root, pipeline=box_paper_test_pipeline))

# The CPU schedule both YOLO-style baselines train with, long enough for the training loss to
# plateau (issue: "trained on the CPU to a loss plateau"): 100 warm-up iterations, a constant
# learning rate to epoch 32, on which the plateau is judged (tools/analysis_tools/
# loss_plateau.py: the mean loss of the last 8 constant-rate epochs within 3 % of the 8
# before), then cosine decay over the last 8 epochs (the detector configs set
# train_cfg.max_epochs to match). The first version trained 16 epochs and its loss still
# fell 2-3 % an epoch at the end.
box_cpu_max_epochs = 40
box_cpu_constant_epochs = 32
box_cpu_param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0, end=100),
    dict(
        type='CosineAnnealingLR',
        eta_min=5e-5,
        begin=box_cpu_constant_epochs,
        end=box_cpu_max_epochs,
        T_max=box_cpu_max_epochs - box_cpu_constant_epochs,
        by_epoch=True,
        convert_to_iter_based=True),
]
