# Copyright (c) mmbleed contributors. All rights reserved.
"""AdaLoRA fine-tuning (BleedOrigin §4.3, Table 9 "AdaLoRA"; Zhang et al., ICLR 2023).

AdaLoRA parameterises each adapted layer's update as ``P Λ Q`` (an SVD-like triplet, peft's
``SVDLinear``) and, while training, moves the rank budget to the layers where it matters: the
importance of every singular value is tracked from its gradient (smoothed sensitivity and
uncertainty), and after ``tinit`` warm-up steps the budget shrinks from ``init_r`` per
layer towards ``target_r`` on average, pruning the least important values every
``delta_t`` steps until ``tfinal`` steps before the end; an orthogonality penalty keeps
``P`` and ``Q`` near orthogonal.

peft's ``AdaLoraModel`` does that bookkeeping, but its ``update_and_allocate(step)`` must run
after ``loss.backward()`` and the optimizer step and **before** the gradients are zeroed,
inside MMEngine's single ``optim_wrapper.update_params`` call. :class:`AdaLoRAFineTune`
therefore splits its ``train_step`` as the AdaLoRA paper's loop does; the penalty is added
to the model's losses as ``loss_orth``. Merging for deployment is the same as LoRA's
(:func:`merge_lora`: peft's AdaLoRA layers are LoRA layers).
"""
from typing import Dict, List, Optional, Union

import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from torch import nn

from mmbleed.registry import MODELS
from .lora_fine_tune import VIT_TARGETS, LoRAFineTune, _peft


@MODELS.register_module()
class AdaLoRAFineTune(LoRAFineTune):
    """Fine-tune ``model`` through AdaLoRA adapters on the layers named by ``targets``.

    Args:
        model, init_checkpoint, targets, alpha, dropout, also_train, init_cfg: as
            :class:`LoRAFineTune`.
        rank (int): the initial rank of every adapter (``init_r``). Defaults to 12.
        target_rank (int): the average rank after budget allocation (``target_r``).
            Defaults to 8 (LoRA's rank, so the two compare at the same final budget).
        total_steps (int): training steps (the schedule's ``max_iters``).
        tinit (int): warm-up steps before pruning. Defaults to 10 % of ``total_steps``.
        tfinal (int): final steps at the fixed budget. Defaults to 20 % of ``total_steps``.
        delta_t (int): steps between two allocations. Defaults to 5.
        orth_reg_weight (float): weight of the orthogonality penalty. Defaults to 0.5.
    """

    def __init__(self,
                 model: dict,
                 total_steps: int,
                 init_checkpoint: Optional[str] = None,
                 targets: Union[str, List[str]] = VIT_TARGETS,
                 rank: int = 12,
                 target_rank: int = 8,
                 alpha: float = 16.0,
                 dropout: float = 0.0,
                 tinit: Optional[int] = None,
                 tfinal: Optional[int] = None,
                 delta_t: int = 5,
                 orth_reg_weight: float = 0.5,
                 also_train: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if total_steps < 1:
            raise ValueError(f'total_steps must be >= 1 (the schedule\'s max_iters), got '
                             f'{total_steps}')
        self._schedule = dict(
            total_step=total_steps, target_r=target_rank, deltaT=delta_t,
            tinit=int(0.1 * total_steps) if tinit is None else tinit,
            tfinal=int(0.2 * total_steps) if tfinal is None else tfinal,
            orth_reg_weight=orth_reg_weight)
        super().__init__(model, init_checkpoint=init_checkpoint, targets=targets, rank=rank,
                         alpha=alpha, dropout=dropout, also_train=also_train,
                         init_cfg=init_cfg)

    def inject(self, model: nn.Module, targets: Union[str, List[str]], rank: int,
               alpha: float, dropout: float) -> nn.Module:
        peft = _peft()
        config = peft.AdaLoraConfig(init_r=rank, lora_alpha=alpha, lora_dropout=dropout,
                                    target_modules=targets, bias='none', **self._schedule)
        # the tuner holds the rank allocator; kept off the module tree (its parameters are
        # the wrapped model's, registered once under ``self.model``)
        object.__setattr__(self, 'tuner', peft.tuners.AdaLoraModel(model, config, 'default'))
        return model

    def orthogonality_penalty(self) -> torch.Tensor:
        """Mean ``‖P Pᵀ − I‖_F`` and ``‖QᵀQ − I‖_F`` over the adapters (AdaLoRA Eq. 4)."""
        terms = []
        for name, p in self.model.named_parameters():
            if 'lora_A' in name or 'lora_B' in name:
                cov = p @ p.T if 'lora_A' in name else p.T @ p
                terms.append(torch.linalg.matrix_norm(
                    cov - torch.eye(len(cov), dtype=cov.dtype, device=cov.device)))
        return torch.stack(terms).mean()

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[list] = None,
                mode: str = 'tensor') -> Union[dict, list, torch.Tensor]:
        out = self.model(inputs, data_samples, mode=mode)
        if mode == 'loss':
            out['loss_orth'] = self._schedule['orth_reg_weight'] * self.orthogonality_penalty()
        return out

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapper) -> Dict[str, torch.Tensor]:
        """BaseModel's train step with the budget allocation between the optimizer step
        and ``zero_grad`` (module docstring)."""
        with optim_wrapper.optim_context(self):
            data = self.data_preprocessor(data, True)
            losses = self._run_forward(data, mode='loss')
        parsed, log_vars = self.parse_losses(losses)
        optim_wrapper.backward(parsed)
        if optim_wrapper.should_update():
            optim_wrapper.step()
            step = MessageHub.get_current_instance().get_info('iter', 0)
            self.tuner.update_and_allocate(step)
            optim_wrapper.zero_grad()
        return log_vars

    def rank_pattern(self) -> Dict[str, int]:
        """The rank each adapted layer keeps (empty before the first allocation)."""
        pattern = self.tuner.peft_config['default'].rank_pattern or {}
        return {name: int(torch.as_tensor(mask).sum()) for name, mask in pattern.items()}
