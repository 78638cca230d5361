# MFT-style flow chaining on the dense tissue tracks of the test clips, scored the TAP-Vid way
# (../_base_/datasets/synthetic_esd_dense_tracks.py). No weights: tools/test.py CONFIG.
_base_ = ['./mft-dis_synthetic-esd-small.py', '../_base_/datasets/synthetic_esd_dense_tracks.py']

test_dataloader = dict(dataset={{_base_.dense_test_dataset}})
