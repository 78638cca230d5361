# Copyright (c) mmbleed contributors. All rights reserved.
from .adalora_fine_tune import AdaLoRAFineTune
from .lora_fine_tune import VIT_TARGETS, LoRAFineTune, merge_lora

__all__ = ['AdaLoRAFineTune', 'LoRAFineTune', 'merge_lora', 'VIT_TARGETS']
