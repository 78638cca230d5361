# tiny_source_regressor.py plus a hook that saves every rank's parameters.
_base_ = './tiny_source_regressor.py'

custom_imports = dict(imports=['rank_weights_hook'], allow_failed_imports=False)
custom_hooks = [dict(type='SaveRankWeightsHook')]
