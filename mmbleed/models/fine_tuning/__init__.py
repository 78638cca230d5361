# Copyright (c) mmbleed contributors. All rights reserved.
from .lora_fine_tune import VIT_TARGETS, LoRAFineTune, merge_lora

__all__ = ['LoRAFineTune', 'merge_lora', 'VIT_TARGETS']
