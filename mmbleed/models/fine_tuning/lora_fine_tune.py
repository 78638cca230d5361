# Copyright (c) mmbleed contributors. All rights reserved.
"""LoRA fine-tuning of a pretrained model (BleedOrigin §4.3: the tracker adapted with LoRA).

:class:`LoRAFineTune` builds any mmbleed model, loads its pretrained weights, injects LoRA
adapters (Hu et al., 2022; ``peft``) into the linear layers whose names match ``targets``
(by default the attention and MLP layers of mmpretrain's Vision Transformer: ``attn.qkv``,
``attn.proj``, ``ffn.layers.0.0``, ``ffn.layers.1``) and freezes everything else, so the
Runner trains only the adapters: ``W x + (alpha / r) B A x`` with ``B`` starting at zero, so
training starts exactly from the pretrained model. The share of trainable parameters is
logged when the model is built.

For deployment :func:`merge_lora` folds every adapter into its layer's weight
(``W + (alpha / r) B A``) and returns the plain model, whose checkpoint loads into the
wrapped model's own config (``tools/model_converters/merge_lora.py``).
"""
import re
from typing import Dict, List, Optional, Union

import torch
from mmengine.logging import print_log
from mmengine.model import BaseModel
from mmengine.runner import load_checkpoint
from torch import nn

from mmbleed.registry import MODELS

#: peft target (a regular expression over module names): the attention and MLP linear layers
#: of mmpretrain's VisionTransformer
VIT_TARGETS = r'.*layers\.\d+\.(attn\.(qkv|proj)|ffn\.layers\.(0\.0|1))'


def _peft():
    import mmbleed  # noqa: F401  (torch 2.13 fixes before peft imports torchvision)
    import peft
    return peft


@MODELS.register_module()
class LoRAFineTune(BaseModel):
    r"""Fine-tune ``model`` through LoRA adapters on the layers named by ``targets``.

    Args:
        model (dict): the model to adapt (its config, built from ``MODELS``).
        init_checkpoint (str, optional): its pretrained weights, loaded weights-only before the
            adapters go in; None starts from the model's own initialisation (tests).
        targets (str | list[str]): peft ``target_modules``: a regular expression over module
            names, or a list of name suffixes. Defaults to :data:`VIT_TARGETS`.
        rank (int): LoRA rank ``r``. Defaults to 8.
        alpha (float): LoRA ``alpha`` (the update is scaled by ``alpha / r``). Defaults to 16.
        dropout (float): dropout on the adapters' input. Defaults to 0.
        also_train (str, optional): a regular expression searched in the wrapped model's
            parameter names (as ``model.named_parameters()`` gives them, e.g.
            ``mdg.map_projection.weight``): those train with the adapters. For parts the
            pretrained weights do not have, e.g. ``r'^mdg\.'`` for the tracker's MDG block
            switched on for fine-tuning. Defaults to None.
        init_cfg (dict, optional): unused (the weights come from ``init_checkpoint``).
    """

    def __init__(self,
                 model: dict,
                 init_checkpoint: Optional[str] = None,
                 targets: Union[str, List[str]] = VIT_TARGETS,
                 rank: int = 8,
                 alpha: float = 16.0,
                 dropout: float = 0.0,
                 also_train: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        inner = MODELS.build(model)
        inner.init_weights()
        if init_checkpoint is not None:
            load_checkpoint(inner, init_checkpoint, map_location='cpu', logger='current')
        try:
            inner = self.inject(inner, targets, rank, alpha, dropout)
        except ValueError as e:  # peft: "Target modules ... not found in the base model"
            raise ValueError(f'{type(self).__name__}: no layer of {type(inner).__name__} '
                             f'matches targets={targets!r} ({e})') from None
        extra = re.compile(also_train) if also_train else None
        for name, param in inner.named_parameters():
            param.requires_grad = 'lora_' in name or bool(extra and extra.search(name))
        self.model = inner
        self.data_preprocessor = inner.data_preprocessor
        trainable, total = self.parameter_counts()
        print_log(f'{type(self).__name__}(r={rank}, alpha={alpha:g}): {trainable:,} of '
                  f'{total:,} parameters trainable ({100 * trainable / total:.2f} %)',
                  logger='current')

    def inject(self, model: nn.Module, targets: Union[str, List[str]], rank: int,
               alpha: float, dropout: float) -> nn.Module:
        """Put the adapters into ``model`` (in place) and return it."""
        config = _peft().LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=dropout,
                                    target_modules=targets, bias='none')
        return _peft().inject_adapter_in_model(config, model)

    def parameter_counts(self) -> tuple:
        """``(trainable, total)`` parameter counts."""
        params = list(self.model.parameters())
        return (sum(p.numel() for p in params if p.requires_grad),
                sum(p.numel() for p in params))

    def init_weights(self) -> None:
        """Nothing to do: the pretrained weights were loaded and the adapters start at zero
        (the Runner's re-initialisation would overwrite them)."""
        self._is_init = True

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor') -> Union[dict, list, torch.Tensor]:
        """The wrapped model's forward (``'loss'``, ``'predict'`` or ``'tensor'``)."""
        return self.model(inputs, data_samples, mode=mode)


def merge_lora(model: Union[LoRAFineTune, nn.Module]) -> nn.Module:
    """Fold every LoRA adapter into its layer's weight and return the plain model.

    ``model`` is changed in place. The result has the wrapped model's own parameter names (a
    checkpoint of it loads into the wrapped model's config) and computes what the adapted
    model computed, up to float rounding.
    """
    peft = _peft()
    inner = model.model if isinstance(model, LoRAFineTune) else model
    layers: Dict[str, nn.Module] = {
        name: module for name, module in inner.named_modules()
        if isinstance(module, peft.tuners.lora.LoraLayer)
    }
    for name, module in layers.items():
        module.merge()
        parent_name, _, child = name.rpartition('.')
        parent = inner.get_submodule(parent_name) if parent_name else inner
        setattr(parent, child, module.get_base_layer())
    for param in inner.parameters():
        param.requires_grad = True
    return inner
