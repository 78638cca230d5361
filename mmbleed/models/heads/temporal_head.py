# Copyright (c) mmbleed contributors. All rights reserved.
"""The temporal head of the onset stage (BleedOrigin §4.1.1, Eq. 2 and 4).

A window of ``N`` per-frame features (the detector's: MDG feature, blood evidence, MDCFM's
two confidences, bleeding state) gets a sinusoidal positional encoding, passes 4 transformer
encoder layers with 8 heads and is read out through two FC layers and a sigmoid as
``(θ, confidence)``: the normalised position ``θ ∈ [0, 1]`` of the onset in the window and
the confidence that the onset lies in it.
Two read-outs (``readout``):

- ``'summary'``: the two FC layers read a learned summary token prepended to the window (as
  ViT's class token) and give ``(θ, confidence)`` directly.
- ``'frames'`` (mmbleed's; what ``configs/detect/`` use): the same two FC layers read every
  frame's token and give per frame an *onset score* ``s_i`` and a confidence logit ``c_i``;
  ``θ = Σ_i softmax(s)_i (i + ½) / N`` (the expected onset position, so that a score peaked
  at frame ``i`` gives ``⌊θN⌋ = i``) and the window confidence is ``Σ_i softmax(s)_i c_i``.
  Every frame's output depends on that frame through the residual path, so the read-out
  cannot lose the input, which the summary token did on the CPU budget (its output became
  constant: every window got the class prior). ``θ`` is returned as a logit
  (``logit(θ)``), so Eq. 2 and Eq. 4 use both read-outs the same way.
"""
import math
from typing import Optional, Tuple, Union

import torch
from mmengine.model import BaseModule
from torch import nn

from mmbleed.registry import MODELS


def sinusoidal_encoding(length: int, dims: int) -> torch.Tensor:
    """``(length, dims)`` sine/cosine positional encoding (Vaswani et al., 2017)."""
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, dims, 2, dtype=torch.float32) * (-math.log(10000.0) / dims))
    enc = torch.zeros(length, dims)
    enc[:, 0::2] = torch.sin(position * div)
    enc[:, 1::2] = torch.cos(position * div)[:, :dims // 2]
    return enc


@MODELS.register_module()
class TemporalOnsetHead(BaseModule):
    """Predict ``(θ, confidence)`` for windows of ``N`` frame features.

    Args:
        in_channels (int): per-frame feature size.
        window (int): ``N``. Defaults to 60.
        embed_dims (int): transformer width. Defaults to 64.
        num_layers (int): encoder layers. Defaults to 4.
        num_heads (int): attention heads. Defaults to 8.
        feedforward_channels (int): hidden size of the encoder's MLP. Defaults to 128.
        dropout (float): dropout in the encoder. Defaults to 0.1.
        readout (str): ``'summary'`` or ``'frames'`` (above). Defaults to ``'summary'``.
    """

    def __init__(self,
                 in_channels: int,
                 window: int = 60,
                 embed_dims: int = 64,
                 num_layers: int = 4,
                 num_heads: int = 8,
                 feedforward_channels: int = 128,
                 dropout: float = 0.1,
                 readout: str = 'summary',
                 init_cfg: Optional[Union[dict, list]] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if readout not in ('summary', 'frames'):
            raise ValueError(f"readout must be 'summary' or 'frames', got {readout!r}")
        self.window = window
        self.readout = readout
        self.input_proj = nn.Sequential(nn.LayerNorm(in_channels),
                                        nn.Linear(in_channels, embed_dims))
        self.summary_token = nn.Parameter(torch.zeros(1, 1, embed_dims))
        self.register_buffer(
            'pos_encoding', sinusoidal_encoding(window + 1, embed_dims), persistent=False)
        layer = nn.TransformerEncoderLayer(
            embed_dims, num_heads, feedforward_channels, dropout, batch_first=True,
            norm_first=True)
        self.encoder = nn.TransformerEncoder(
            layer, num_layers, norm=nn.LayerNorm(embed_dims), enable_nested_tensor=False)
        self.fc = nn.Sequential(nn.Linear(embed_dims, embed_dims), nn.ReLU(inplace=True),
                                nn.Linear(embed_dims, 2))

    def forward(self,
                feats: torch.Tensor,
                padding_mask: Optional[torch.Tensor] = None
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Logits of ``θ`` and of the confidence, each ``(B,)``.

        Args:
            feats: ``(B, N, in_channels)`` windows of frame features.
            padding_mask: ``(B, N)`` bool, True at padded frames (a clip shorter than N).
        """
        b, n = feats.shape[:2]
        if n != self.window:
            raise ValueError(f'windows must have N={self.window} frames, got {n}')
        x = torch.cat([self.summary_token.expand(b, -1, -1), self.input_proj(feats)], dim=1)
        x = x + self.pos_encoding[:n + 1]
        if padding_mask is not None:
            padding_mask = torch.cat([padding_mask.new_zeros(b, 1), padding_mask], dim=1)
        x = self.encoder(x, src_key_padding_mask=padding_mask)
        if self.readout == 'summary':
            logits = self.fc(x[:, 0])
            return logits[:, 0], logits[:, 1]
        scores, confs = self.fc(x[:, 1:]).unbind(-1)  # (B, N) each
        if padding_mask is not None:
            scores = scores.masked_fill(padding_mask[:, 1:], float('-inf'))
        weights = scores.softmax(dim=1)
        position = torch.arange(n, device=x.device, dtype=x.dtype) + 0.5
        theta = (weights * position).sum(1) / n
        return torch.logit(theta, eps=1e-6), (weights * confs).sum(1)
