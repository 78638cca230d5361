# Ablation: one scale instead of four: Eq. 3 at H/8 only (global attention there), then
# upsampled to the input as in the full model.
_base_ = ['./bleedorigin-source_resnet18-tiny_synthetic-esd-small.py']

model = dict(attention=dict(scales=(8, ), window_sizes=(None, )))
