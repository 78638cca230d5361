# Copyright (c) mmbleed contributors. All rights reserved.
"""A pre-norm attention + MLP block whose every projection is a plain ``nn.Linear``.

The query decoder and the re-ranking of the Track-On-style tracker (BleedOrigin §4.3, after
Aydemir et al., "Track-On", ICLR 2025: ``model/modules.py`` ``MHA_Block``) are stacks of this
block. Its projections are named ``q_proj``, ``k_proj``, ``v_proj``, ``out_proj`` (attention)
and ``fc1``, ``fc2`` (MLP), separate ``nn.Linear`` layers rather than the fused weight of
``nn.MultiheadAttention``, so that peft's LoRA and AdaLoRA can adapt exactly "the attention and
MLP layers" (issue 8, item 5) by name: :data:`ATTENTION_MLP_TARGETS`.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

#: peft ``target_modules`` (a regular expression over module names) matching every attention
#: and MLP projection of every :class:`AttentionBlock` in a model
ATTENTION_MLP_TARGETS = r'.*\.(q_proj|k_proj|v_proj|out_proj|fc1|fc2)'


class AttentionBlock(nn.Module):
    """``x + Attn(LN(x), LN(context))``, then ``x + MLP(LN(x))``.

    Args:
        dim (int): token channels ``D``.
        num_heads (int): attention heads (``D`` must divide by it).
        mlp_ratio (float): MLP hidden channels per token channel. Defaults to 2.

    Shapes: ``x`` ``(N, L, D)`` queries, ``context`` ``(N, S, D)`` keys/values (``None``:
    self-attention), ``key_mask`` ``(N, S)`` bool, True where a key must be ignored (every
    query row needs at least one key left). Returns ``(N, L, D)``.
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 2.0) -> None:
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'dim {dim} must be divisible by num_heads {num_heads}')
        self.num_heads = num_heads
        self.norm_q = nn.LayerNorm(dim)
        self.norm_kv = nn.LayerNorm(dim)
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)
        self.norm_mlp = nn.LayerNorm(dim)
        hidden = int(dim * mlp_ratio)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        n, length, dim = x.shape
        return x.view(n, length, self.num_heads, dim // self.num_heads).transpose(1, 2)

    def forward(self,
                x: torch.Tensor,
                context: Optional[torch.Tensor] = None,
                key_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        q_in = self.norm_q(x)
        kv_in = q_in if context is None else self.norm_kv(context)
        q, k, v = self._heads(self.q_proj(q_in)), self._heads(self.k_proj(kv_in)), \
            self._heads(self.v_proj(kv_in))
        attn_mask = None if key_mask is None else ~key_mask[:, None, None, :]
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        out = out.transpose(1, 2).reshape(x.shape)
        x = x + self.out_proj(out)
        return x + self.fc2(F.gelu(self.fc1(self.norm_mlp(x))))
