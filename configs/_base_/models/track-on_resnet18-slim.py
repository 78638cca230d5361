# The CPU-size Track-On-style tracker (TrackOn, paper §4.3): a slim ResNet-18 (32 base
# channels, three stages: strides 4, 8, 16) at the small synthetic preset's 320x272, D = 64,
# one decoder layer, memories of 12 frames, 8 re-ranked candidates, Red-Mask in the keys and
# values. Pretraining (Track-On's losses) is the default; the fine-tuning configs swap in Eq. 8.
model = dict(
    type='TrackOn',
    backbone=dict(
        type='mmpretrain.ResNet',
        depth=18,
        num_stages=3,
        out_indices=(0, 1, 2),
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        stem_channels=32,
        base_channels=32),
    in_channels=(32, 64, 128),
    input_size=(272, 320),
    dim=64,
    num_heads=4,
    decoder_layers=1,
    memory_size=12,
    top_k=8,
    num_points=4,
    use_red_mask=True,
    visibility_thr=0.5,
    loss=dict(type='TrackOnLoss', temperature=0.05, uncertain_px=8.0))
