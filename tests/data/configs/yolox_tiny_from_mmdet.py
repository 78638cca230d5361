# An mmbleed-side config that inherits an mmdet config by scope and overrides what differs.
_base_ = 'mmdet::yolox/yolox_tiny_8xb8-300e_coco.py'

model = dict(bbox_head=dict(num_classes=1))
metainfo = dict(classes=('bleeding', ))
