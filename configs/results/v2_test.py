# The rows of docs/results.md (tools/analysis_tools/compare.py): every method and baseline on
# the v2 test split of the synthetic ESD benchmark. Row kinds and their fields ('test',
# 'readout', 'streaming', 'rules'): see compare.py's docstring. Names are unique; --rows
# takes them.
split = 'test'
data_root = 'data/synthetic_esd'
benchmark = 'benchmark v2'

rows = [
    # onset detection (paper Tables 3-5)
    dict(name='BleedOrigin-Detect (CPU, 20 epochs)', kind='streaming',
         config='configs/detect/bleedorigin-detect_mdg-tiny_synthetic-esd-small.py',
         checkpoint='work_dirs/detect_base/epoch_20.pth',
         result='work_dirs/detect_base/streaming_test.json'),
    dict(name='BleedOrigin-Detect (CPU, 4x training clips, threshold 0.65)', kind='streaming',
         config='configs/detect/bleedorigin-detect_mdg-tiny_4x-train-clips_synthetic-esd-small.py',
         checkpoint=('checkpoints/'
                     'bleedorigin-detect_mdg-tiny_4x-train-clips_synthetic-esd-small.pth'),
         result='work_dirs/detect_4x/streaming_test.json'),
    # MDG's references aligned by optical flow, key frames' flows chained (published since
    # 2026-12-07; docs/onset_detection.md)
    dict(name=('BleedOrigin-Detect (CPU, 4x training clips, references aligned by chained '
               'flows, threshold 0.86)'), kind='streaming',
         config=('configs/detect/bleedorigin-detect_mdg-tiny_4x-train-clips_chained-aligned-'
                 'references_synthetic-esd-small.py'),
         checkpoint=('checkpoints/bleedorigin-detect_mdg-tiny_4x-train-clips_chained-aligned-'
                     'references_synthetic-esd-small.pth'),
         result='work_dirs/detect_4x_chained/streaming_test.json'),
    # ... and 60 more bleeding-free training clips (published since the fifteenth session,
    # 2026-12-07; docs/onset_detection.md)
    dict(name=('BleedOrigin-Detect (CPU, 4x training clips and more bleeding-free ones, '
               'references aligned by chained flows, threshold 0.74)'), kind='streaming',
         config=('configs/detect/bleedorigin-detect_mdg-tiny_4x-train-clips_more-negatives_'
                 'chained-aligned-references_synthetic-esd-small.py'),
         checkpoint=('checkpoints/bleedorigin-detect_mdg-tiny_4x-train-clips_more-negatives_'
                     'chained-aligned-references_synthetic-esd-small.pth'),
         result='work_dirs/detect_4x_moreneg/streaming_test.json'),
    dict(name='BleedOrigin-Detect, no memory', kind='streaming',
         config='configs/detect/bleedorigin-detect_mdg-tiny_no-memory_synthetic-esd-small.py',
         checkpoint='work_dirs/detect_v4_nomem/epoch_20.pth',
         result='work_dirs/detect_v4_nomem/streaming_test.json'),
    dict(name='BleedOrigin-Detect, RGB only', kind='streaming',
         config='configs/detect/bleedorigin-detect_mdg-tiny_rgb_synthetic-esd-small.py',
         checkpoint='work_dirs/detect_v4_rgb/epoch_20.pth',
         result='work_dirs/detect_v4_rgb/streaming_test.json'),
    dict(name='BleedOrigin-Detect, RGB+HSV', kind='streaming',
         config='configs/detect/bleedorigin-detect_mdg-tiny_rgb-hsv_synthetic-esd-small.py',
         checkpoint='work_dirs/detect_v4_rgb-hsv/epoch_20.pth',
         result='work_dirs/detect_v4_rgb-hsv/streaming_test.json'),
    # YOLO-style detectors: onset and source rows per score threshold (Tables 5-6)
    dict(name='RTMDet-tiny', kind='readout',
         config='configs/baselines/rtmdet-tiny_synthetic-esd-small.py',
         checkpoint='work_dirs/rtmdet-tiny_synthetic-esd-small/epoch_40.pth'),
    dict(name='YOLOX-tiny', kind='readout',
         config='configs/baselines/yolox-tiny_synthetic-esd-small.py',
         checkpoint='work_dirs/yolox-tiny_synthetic-esd-small/epoch_40.pth'),
    # the plateau run: 96 epochs, constant learning rate to epoch 88 (README, "YOLO-style
    # baselines"; tools/train.py with --cfg-options train_cfg.max_epochs=96 ...)
    dict(name='YOLOX-tiny, 96 epochs', kind='readout',
         config='configs/baselines/yolox-tiny_synthetic-esd-small.py',
         checkpoint='work_dirs/plateau/yolox-tiny/epoch_96.pth', cache='yolox-tiny_96-epochs'),
    # source localization
    dict(name='Heat-map regressor (slim ResNet-18, 12 epochs)', kind='test', stage='source',
         config='configs/source/heatmap-regressor_resnet18-tiny_synthetic-esd-small.py',
         checkpoint='work_dirs/heatmap-regressor_resnet18-tiny_synthetic-esd-small/epoch_12.pth'),
    dict(name='Red-Mask argmax', kind='test', stage='source',
         config='configs/baselines/red-mask_synthetic-esd-small.py', checkpoint=None),
    # BleedOrigin's source module and the rules that see the same frames (look-ahead 10, the
    # later frame aligned by optical flow); its ablations: configs/results/v2_source_module.py
    dict(name=('BleedOrigin source module (CPU, look-ahead 10 frames, aligned by optical '
               'flow, centre-surround prior, heat maps with the frames 10-12 later '
               'averaged)'), kind='test', stage='source',
         config='configs/detect/bleedorigin-source_resnet18-tiny_synthetic-esd-small.py',
         checkpoint='checkpoints/bleedorigin-source_resnet18-tiny_synthetic-esd-small.pth'),
    dict(name='Red-Mask argmax of the red that appeared in 10 frames', kind='test',
         stage='source', config='configs/baselines/red-mask-appeared_synthetic-esd-small.py',
         checkpoint=None),
    dict(name='Red-Mask argmax of the red that appeared in 10 frames, aligned by optical flow',
         kind='test', stage='source',
         config='configs/baselines/red-mask-appeared-aligned_synthetic-esd-small.py',
         checkpoint=None),
    dict(name='Red-Mask argmax of the red that appeared, aligned, centre-surround', kind='test',
         stage='source',
         config=('configs/baselines/'
                 'red-mask-appeared-aligned-centre-surround_synthetic-esd-small.py'),
         checkpoint=None),
    dict(name=('Red-Mask argmax of the red that appeared, aligned, centre-surround, the maps '
               'of the frames 10-12 later averaged'), kind='test', stage='source',
         config=('configs/baselines/red-mask-appeared-aligned-centre-surround-frames10-12_'
                 'synthetic-esd-small.py'),
         checkpoint=None),
    # tracking (Table 7), online through init/step
    dict(name='Static point', kind='test', stage='track',
         config='configs/baselines/static-point_synthetic-esd-small.py', checkpoint=None),
    dict(name='Pyramidal Lucas-Kanade', kind='test', stage='track',
         config='configs/baselines/lucas-kanade_synthetic-esd-small.py', checkpoint=None),
    dict(name='MFT-style DIS chaining', kind='test', stage='track',
         config='configs/baselines/mft-dis_synthetic-esd-small.py', checkpoint=None),
    # BleedOrigin-Track: the committed CPU tracker after dense pretraining, on the source
    # tracks (the fine-tuning config's test split; docs/source_tracking.md)
    dict(name='BleedOrigin-Track (Track-On, CPU, dense pretraining)', kind='test',
         stage='track', config='configs/track/full_ft.py',
         checkpoint='checkpoints/track-on_resnet18-slim_dense-pretrain_synthetic-esd-small.pth',
         cache='track-on_dense-pretrain'),
    dict(name='BleedOrigin-Track (Track-On, CPU, dense + source-track pretraining)',
         kind='test', stage='track', config='configs/track/full_ft.py',
         checkpoint='work_dirs/pretrain_source-tracks/iter_300.pth',
         cache='track-on_source-track-pretrain'),
    # ... fine-tuned on the training clips' source tracks, 150 steps each (paper Table 9)
    dict(name='BleedOrigin-Track, LoRA (Eq. 8), following the source itself', kind='test',
         stage='track', config='configs/track/lora.py', checkpoint='work_dirs/lora/iter_150.pth'),
    dict(name='BleedOrigin-Track, full fine-tuning', kind='test', stage='track',
         config='configs/track/full_ft.py', checkpoint='work_dirs/full_ft/iter_150.pth'),
    dict(name='BleedOrigin-Track, AdaLoRA', kind='test', stage='track',
         config='configs/track/adalora.py', checkpoint='work_dirs/adalora/iter_150.pth'),
    dict(name='BleedOrigin-Track, LoRA without pseudo-labels', kind='test', stage='track',
         config='configs/track/lora_no-pseudo.py',
         checkpoint='work_dirs/lora_no-pseudo/iter_150.pth'),
    dict(name='BleedOrigin-Track, LoRA on hybrid clips', kind='test', stage='track',
         config='configs/track/lora_hybrid.py', checkpoint='work_dirs/lora_hybrid/iter_150.pth'),
    dict(name='BleedOrigin-Track, LoRA on long clips', kind='test', stage='track',
         config='configs/track/lora_long.py', checkpoint='work_dirs/lora_long/iter_150.pth'),
    dict(name='BleedOrigin-Track, LoRA with the MDG block', kind='test', stage='track',
         config='configs/track/lora_mdg.py', checkpoint='work_dirs/lora_mdg/iter_150.pth'),
    # on support points (SupportPointTracker, an mmbleed addition to the paper): the tracker
    # follows tissue around the source and the source moves with its similarity transform
    dict(name='BleedOrigin-Track, LoRA, on support points', kind='test', stage='track',
         config='configs/track/lora_support-points.py',
         checkpoint='work_dirs/lora/iter_150.pth'),
    dict(name='BleedOrigin-Track, dense pretraining only, on support points', kind='test',
         stage='track', config='configs/track/full_ft_support-points.py',
         checkpoint='checkpoints/track-on_resnet18-slim_dense-pretrain_synthetic-esd-small.pth',
         cache='track-on_dense-pretrain_support-points'),
    dict(name='BleedOrigin-Track, full fine-tuning, on support points', kind='test',
         stage='track', config='configs/track/full_ft_support-points.py',
         checkpoint='work_dirs/full_ft/iter_150.pth'),
    dict(name='Pyramidal Lucas-Kanade on support points', kind='test', stage='track',
         config='configs/baselines/lucas-kanade_support-points_synthetic-esd-small.py',
         checkpoint=None),
    dict(name='MFT-style DIS chaining on support points', kind='test', stage='track',
         config='configs/baselines/mft-dis_support-points_synthetic-esd-small.py',
         checkpoint=None),
    # hand-crafted rules of every stage, tuned on train
    dict(name='Hand-crafted rules', kind='rules', data_root=data_root),
]
