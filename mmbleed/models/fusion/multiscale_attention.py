# Copyright (c) mmbleed contributors. All rights reserved.
"""Multi-scale attention of the source module (BleedOrigin paper, §4.1.2, Eq. 3).

Eq. 3 brings the Heat-Map feature F_h, the Red-Mask feature F_r and the encoder feature F_p to
the scales H, H/2, H/4 and H/8 and, at each scale s, attends with Q = F_h, K = F_r, V = F_p:
``A_s = softmax(Q_s K_s^T / sqrt(d)) V_s``; the outputs are fused and upsampled to the input,
where the argmax is the source.

Tractable form. Global attention over every pixel is quadratic in the pixel count (a 512×384
input is 196,608 tokens at scale H, a 3.9e10-entry attention matrix), so each scale attends
within non-overlapping windows of ``window_size × window_size`` tokens (Swin's window
partition), except the scales whose ``window_size`` is ``None``, which attend globally. With the
defaults ``(8, 8, 8, None)`` a pixel at scale H sees its 8×8-pixel neighbourhood, at H/2 a
16×16 one, at H/4 a 32×32 one and at H/8 the whole frame: the pyramid keeps the global view
where it is cheap and the fine detail where it matters, and the cost grows linearly with the
pixel count except at H/8 (64 times fewer tokens). The roles of Q, K and V are the paper's:
queries come from the heat-map feature, keys from the red map, values from the encoder.

Each scale adds its attention output to its query (a residual, so an all-uninformative key map
cannot erase the heat-map feature); the scales are upsampled to the input resolution,
concatenated and fused by a 1×1 convolution. Windows that overhang the map are padded, and the
padded keys masked out. The values are projected to ``embed_dims`` at the encoder's resolution
and then resized to each scale (the same result as resizing first, since a 1×1 convolution
commutes with bilinear resizing): resizing a ViT-B's 768 channels to 512×448 first would cost
0.7 GB a frame and overflows PyTorch's upsampling kernel (2^31 elements) at 8 frames.

Where the keys were. Attention gives each query a mixture of the values weighted by how well
the keys match it: *where* in the window a key lay is lost, so the red prior can steer which
encoder features are mixed but cannot mark its own pixels. With ``fuse_key`` (default) the key
map also enters the fusion, at input resolution, so the heat map can respond where the red is.
Trained on the synthetic ESD data with the keys in the attention only (``fuse_key=False``, the
literal reading of Eq. 3), the module stayed below the hand-crafted rule that reads the same red
map (``docs/source_localization.md``).
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import nn

from mmbleed.registry import MODELS


def window_partition(x: torch.Tensor, window: int) -> Tuple[torch.Tensor, Tuple[int, int]]:
    """``(B, C, H, W)`` → ``(B * nW, window * window, C)`` tokens, zero-padding H and W up to a
    multiple of ``window``; also returns the padded ``(H, W)``."""
    b, c, h, w = x.shape
    ph, pw = (-h) % window, (-w) % window
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph))
    hp, wp = h + ph, w + pw
    x = x.view(b, c, hp // window, window, wp // window, window)
    x = x.permute(0, 2, 4, 3, 5, 1).reshape(-1, window * window, c)
    return x, (hp, wp)


def window_reverse(tokens: torch.Tensor, window: int, batch: int, padded_hw: Tuple[int, int],
                   hw: Tuple[int, int]) -> torch.Tensor:
    """Inverse of :func:`window_partition`: ``(B * nW, window * window, C)`` → ``(B, C, H, W)``."""
    hp, wp = padded_hw
    c = tokens.shape[-1]
    x = tokens.view(batch, hp // window, wp // window, window, window, c)
    x = x.permute(0, 5, 1, 3, 2, 4).reshape(batch, c, hp, wp)
    return x[:, :, :hw[0], :hw[1]]


@MODELS.register_module()
class MultiScaleAttention(BaseModule):
    """Eq. 3 of the paper: Q = F_h, K = F_r, V = F_p at several scales, fused.

    Args:
        query_channels (int): channels of F_h (input resolution).
        key_channels (int): channels of F_r (input resolution).
        value_channels (int): channels of F_p (any resolution; resized to each scale).
        embed_dims (int): channels of Q, K, V and of the output. Defaults to 32.
        scales (Sequence[int]): downsampling factors of the scales. Defaults to
            ``(1, 2, 4, 8)`` (H, H/2, H/4, H/8).
        window_sizes (Sequence[int | None]): window side in tokens per scale; ``None`` =
            global attention at that scale. Defaults to ``(8, 8, 8, None)``.
        num_heads (int): attention heads. Defaults to 2.
        fuse_key (bool): also give the key map to the fusion (see above). Defaults to True.

    Shapes: ``query (B, Cq, H, W)``, ``key (B, Ck, H, W)``, ``value (B, Cv, h, w)`` →
    ``(B, embed_dims, H, W)``.
    """

    def __init__(self,
                 query_channels: int,
                 key_channels: int,
                 value_channels: int,
                 embed_dims: int = 32,
                 scales: Sequence[int] = (1, 2, 4, 8),
                 window_sizes: Sequence[Optional[int]] = (8, 8, 8, None),
                 num_heads: int = 2,
                 fuse_key: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(scales) != len(window_sizes) or not scales:
            raise ValueError(f'MultiScaleAttention needs one window size per scale, got '
                             f'scales={tuple(scales)} and window_sizes={tuple(window_sizes)}')
        if any(int(s) < 1 for s in scales):
            raise ValueError(f'scales are downsampling factors >= 1, got {tuple(scales)}')
        if embed_dims % num_heads:
            raise ValueError(f'embed_dims={embed_dims} is not divisible by '
                             f'num_heads={num_heads}')
        self.scales = tuple(int(s) for s in scales)
        self.window_sizes = tuple(None if w is None else int(w) for w in window_sizes)
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.fuse_key = fuse_key
        n = len(self.scales)
        self.q_proj = nn.ModuleList(nn.Conv2d(query_channels, embed_dims, 1) for _ in range(n))
        self.k_proj = nn.ModuleList(nn.Conv2d(key_channels, embed_dims, 1) for _ in range(n))
        self.v_proj = nn.ModuleList(nn.Conv2d(value_channels, embed_dims, 1) for _ in range(n))
        self.out_proj = nn.ModuleList(nn.Conv2d(embed_dims, embed_dims, 1) for _ in range(n))
        self.fuse = nn.Sequential(
            nn.Conv2d(n * embed_dims + (key_channels if fuse_key else 0), embed_dims, 1),
            nn.BatchNorm2d(embed_dims),
            nn.ReLU(inplace=True))

    def _attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
                window: Optional[int]) -> torch.Tensor:
        """Scaled dot-product attention over windows (or the whole map) of ``(B, C, h, w)``."""
        b, c, h, w = q.shape
        mask = None
        if window is None:
            tokens = [t.flatten(2).transpose(1, 2) for t in (q, k, v)]  # (B, h*w, C)
        else:
            (tq, padded), (tk, _), (tv, _) = (window_partition(t, window) for t in (q, k, v))
            tokens = [tq, tk, tv]
            if padded != (h, w):
                valid = torch.zeros(1, 1, *padded, device=q.device)
                valid[..., :h, :w] = 1
                valid, _ = window_partition(valid, window)  # (nW, window^2, 1)
                # (B * nW, 1, 1, window^2), batch-major as the tokens: padded keys are never
                # attended to
                mask = (valid[..., 0] > 0)[:, None, None, :].repeat(b, 1, 1, 1)
        heads = self.num_heads
        q_, k_, v_ = (t.reshape(t.shape[0], t.shape[1], heads, c // heads).transpose(1, 2)
                      for t in tokens)
        out = F.scaled_dot_product_attention(q_, k_, v_, attn_mask=mask)
        out = out.transpose(1, 2).reshape(out.shape[0], -1, c)
        if window is None:
            return out.transpose(1, 2).reshape(b, c, h, w)
        return window_reverse(out, window, b, padded, (h, w))

    def forward(self, query: torch.Tensor, key: torch.Tensor,
                value: torch.Tensor) -> torch.Tensor:
        if query.shape[-2:] != key.shape[-2:]:
            raise ValueError(f'the heat-map feature (query) is {tuple(query.shape[-2:])} and '
                             f'the red-mask feature (key) {tuple(key.shape[-2:])}: both must '
                             'be at the input resolution')
        size = query.shape[-2:]
        outs = []
        for i, (scale, window) in enumerate(zip(self.scales, self.window_sizes)):
            if scale > 1:
                q = F.avg_pool2d(query, scale, ceil_mode=True)
                k = F.avg_pool2d(key, scale, ceil_mode=True)
            else:
                q, k = query, key
            # project before resizing: a 1x1 conv commutes with bilinear resizing (its weights
            # sum to one), and the encoder's channels (768 for a ViT-B) are never brought to
            # the input resolution
            v = self.v_proj[i](value)
            if v.shape[-2:] != q.shape[-2:]:
                v = F.interpolate(v, size=q.shape[-2:], mode='bilinear', align_corners=False)
            q = self.q_proj[i](q)
            attended = self._attend(q, self.k_proj[i](k), v, window)
            out = q + self.out_proj[i](attended)
            if out.shape[-2:] != size:
                out = F.interpolate(out, size=size, mode='bilinear', align_corners=False)
            outs.append(out)
        if self.fuse_key:
            outs.append(key)
        return self.fuse(torch.cat(outs, dim=1))
