# The source module's report (docs/source_localization.md's tables, written by
# tools/analysis_tools/compare.py --list configs/results/v2_source_module.py): BleedOrigin's
# source module on the v2 test split beside its ablations (one part off each), the plain
# heat-map regressor trained for the same 12 epochs, and the shortcut rules, all on the onset
# frames of the test split.
split = 'test'
data_root = 'data/synthetic_esd'
benchmark = 'benchmark v2'

_detect = 'configs/detect/bleedorigin-source_{}_synthetic-esd-small.py'
# (row name, config part, work dir under work_dirs/source_aligned/ = the config part)
_variants = [
    ('BleedOrigin source module (CPU, look-ahead 10 frames, aligned by optical flow, '
     'centre-surround prior, heat maps with the frames 10-12 later averaged)', 'resnet18-tiny'),
    ('  one evidence frame (10 frames later) at prediction, the same weights',
     'resnet18-tiny_single-evidence-frame'),
    ('  no evidence alignment (the later frame as it is)', 'resnet18-tiny_no-alignment'),
    ('  no Red-Mask (K = Q)', 'resnet18-tiny_no-red-mask'),
    ('  no pseudo-labels', 'resnet18-tiny_no-pseudo'),
    ('  no Huber term', 'resnet18-tiny_no-huber'),
    ('  one scale (H/8) instead of four', 'resnet18-tiny_single-scale'),
    ('  encoder: tiny ViT instead of slim ResNet-18', 'vit-tiny'),
    ('  no look-ahead (the onset frame alone, as the paper)', 'resnet18-tiny_no-lookahead'),
    ('  plain prior (the red that appeared, without its surround subtracted)',
     'resnet18-tiny_plain-prior'),
]
# the full module's weights are committed (checkpoints/), the ablations' are trained
_full = 'checkpoints/bleedorigin-source_resnet18-tiny_synthetic-esd-small.pth'
_committed = {'resnet18-tiny': _full, 'resnet18-tiny_single-evidence-frame': _full}
rows = [
    dict(name=name.strip(), kind='test', stage='source', config=_detect.format(part),
         checkpoint=_committed.get(part, f'work_dirs/source_aligned/{part}/epoch_40.pth'))
    for name, part in _variants
] + [
    dict(name='Heat-map regressor (slim ResNet-18, 12 epochs, onset frame)', kind='test',
         stage='source',
         config='configs/source/heatmap-regressor_resnet18-tiny_synthetic-esd-small.py',
         checkpoint='work_dirs/heatmap-regressor_resnet18-tiny_synthetic-esd-small/epoch_12.pth'),
    dict(name='Red-Mask argmax (onset frame)', kind='test', stage='source',
         config='configs/baselines/red-mask_synthetic-esd-small.py', checkpoint=None),
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
    dict(name='Hand-crafted rules', kind='rules', data_root=data_root, stages=('source', )),
]
