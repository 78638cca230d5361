# Encoder swapped: a tiny Vision Transformer (mmpretrain) with 8x8 patches, so its feature map
# is at H/8 like the slim ResNet's; everything else as in the full CPU config.
_base_ = ['./bleedorigin-source_resnet18-tiny_synthetic-esd-small.py']

model = dict(
    encoder=dict(
        _delete_=True,
        type='mmpretrain.VisionTransformer',
        arch=dict(embed_dims=64, num_layers=4, num_heads=4, feedforward_channels=128),
        img_size=(136, 160),  # (h, w)
        patch_size=8,
        in_channels=6,
        out_type='featmap',
        with_cls_token=False,
        drop_rate=0.0,
        out_indices=-1),
    heatmap_module=dict(in_channels=64),
    attention=dict(value_channels=64))
