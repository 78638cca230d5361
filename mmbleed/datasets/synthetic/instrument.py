# Copyright (c) mmbleed contributors. All rights reserved.
"""The ESD knife ('instrument interference').

A transparent plastic outer sheath (white / bluish) with the metal coil seen through it,
tapering in perspective (wide where it enters the view near the lens, narrower towards the
tip), a metal stopper ring at its distal end and a short knife: a DualKnife-style needle with
a small knob, an IT-knife-style insulated ceramic ball on a short blade, or a plain needle.
A specular line runs along its length, and it casts a soft shadow that is sharp where it
touches the tissue and softer and further away towards the lens.

The knife is drawn once per clip into a straight sprite (2x supersampled, premultiplied
colour plus alpha / silhouette / shadow layers) and each frame it is placed with one
``cv2.warpAffine`` per layer, restricted to its bounding box.
"""
from typing import Dict, Optional

import cv2
import numpy as np

from .noise import smooth_series

KNIFE_KINDS = ('dual', 'it', 'needle')


def _smooth_bool(flags: np.ndarray, ramp: int) -> np.ndarray:
    """``(T,)`` weight: 1 where ``flags``, falling linearly to 0 over ``ramp`` frames around."""
    T = len(flags)
    w = flags.astype(np.float32)
    out = w.copy()
    for k in range(1, min(ramp, T - 1) + 1):
        f = 1.0 - k / (ramp + 1)
        out[k:] = np.maximum(out[k:], f * w[:T - k])
        out[:T - k] = np.maximum(out[:T - k], f * w[k:])
    return out


class ESDKnife:
    """Per-clip ESD knife.

    Args:
        rng: random generator (the knife's own stream: look, kind, shadow side).
        tool: the plan's instrument geometry (``angle``, ``sway``, ``reach``, ``width``,
            ``target_dx``, ``target_dy``; optional ``kind`` in ``KNIFE_KINDS``).
        strength: ``(T,)`` strength of 'instrument interference'.
        tool_cover: ``(T,)`` bool, frames in which the knife must lie over the target, or None.
        width, height: frame size.
        unit: pixel scale (frame height / 272).
        radius: radius of the round view (frame px; sets the sprite's length).
    """

    def __init__(self, rng: np.random.Generator, tool: Dict[str, float], strength: np.ndarray,
                 tool_cover: Optional[np.ndarray], width: int, height: int, unit: float,
                 radius: float) -> None:
        self.p = dict(tool)
        self.s = np.asarray(strength, np.float32)
        T = len(self.s)
        cover = np.zeros(T, bool) if tool_cover is None else np.asarray(tool_cover, bool)
        self.cover_w = _smooth_bool(cover, 6)
        self.unit = unit
        kind = self.p.get('kind')
        self.kind = kind if kind in KNIFE_KINDS else str(rng.choice(KNIFE_KINDS, p=[0.5, 0.3, 0.2]))
        self.h0 = 0.5 * float(self.p.get('width', 18.0)) * unit * float(rng.uniform(0.8, 1.0))
        self._build_sprite(rng, 2.1 * radius, 1.3 * radius)
        # where along the sheath the target lies when the knife covers it (px behind the end)
        self.cover_depth = 1.6 * self.h0

    # ------------------------------------------------------------------ sprite
    def _build_sprite(self, rng: np.random.Generator, length: float, persp: float) -> None:
        h0, unit = self.h0, self.unit
        taper = float(rng.uniform(0.7, 1.5))
        if self.kind == 'dual':
            tip_len = h0 * float(rng.uniform(0.9, 1.5))
        elif self.kind == 'it':
            tip_len = h0 * float(rng.uniform(1.4, 1.8))
        else:
            tip_len = h0 * float(rng.uniform(1.5, 2.4))
        self.tip_len = tip_len
        side = float(rng.choice([-1.0, 1.0]))
        sh_off0, sh_off1 = h0 * rng.uniform(0.15, 0.4), h0 * rng.uniform(1.5, 3.0)
        sig_k = 0.025
        half = h0 * (1 + taper * length / persp) + sh_off1 + 2.5 * (0.4 * h0 + sig_k * length) + 3
        u0 = tip_len + 3
        cols = int(np.ceil(u0 + length))
        rows = int(np.ceil(2 * half))
        rows += rows % 2
        u = (np.arange(cols, dtype=np.float32) + 0.5) - u0
        v = (np.arange(rows, dtype=np.float32) + 0.5) - rows / 2
        U, V = np.meshgrid(u, v)
        AV = np.abs(V)
        ul = np.clip(U, 0, length) / persp  # 0 at the tip, ~1 where it enters the view
        hw = h0 * (1 + taper * ul)
        x = np.clip(V / hw, -1, 1)
        ax = np.abs(x)
        nz = np.sqrt(1 - x * x)
        # coverage with a one-pixel anti-aliased edge
        sheath = np.clip(hw - AV + 0.5, 0, 1) * np.clip(U + 0.5, 0, 1)
        # -- the coil seen through the sheath (stripes fade where they get too fine)
        coil_r = float(rng.uniform(0.6, 0.72))
        xc = np.clip(x / coil_r, -1, 1)
        nzc = np.sqrt(1 - xc * xc)
        pitch = max(2.2 * unit, 0.32 * h0) * (1 + 0.6 * taper * ul)
        phase = U / pitch + 0.22 * xc * xc + 0.15 * xc
        depth = np.clip((pitch - 2.0) / 2.5, 0.2, 1.0)
        stripe = 0.5 + 0.5 * depth * np.cos(2 * np.pi * phase)
        steel = np.float32([0.66, 0.64, 0.62]) + rng.normal(0, 0.02, 3).astype(np.float32)
        coil_lum = (0.3 + 0.7 * nzc) * (0.55 + 0.45 * stripe)
        coil_spec = 0.4 * np.exp(-((xc + 0.35) / 0.2) ** 2) * stripe ** 2
        in_coil = np.clip((coil_r - ax) * hw + 0.5, 0, 1)
        # -- the plastic sheath: more opaque and whiter at its edges
        tint = [np.float32([0.90, 0.89, 0.86]), np.float32([0.93, 0.88, 0.80]),
                np.float32([0.86, 0.90, 0.86])][int(rng.choice(3, p=[0.5, 0.35, 0.15]))]
        pl = 0.72 + 0.28 * nz
        alpha_p = np.clip(0.45 + 0.5 * (1 - nz) ** 1.3, 0, 0.95)
        # inside the coil: coil behind plastic (opaque); outside: plastic over the tissue
        k_coil = in_coil * (1 - alpha_p)
        alpha = in_coil + (1 - in_coil) * np.clip(alpha_p + 0.25, 0, 0.97)
        along = 0.82 + 0.2 * np.clip(ul, 0, 1.2) + 0.05 * np.interp(
            U, np.linspace(-u0, length, 64), smooth_series(rng, 64, 6))
        xs = float(rng.uniform(-0.55, -0.2)) * float(rng.choice([-1, 1]))
        spec_mod = 0.75 + 0.25 * np.interp(U, np.linspace(-u0, length, 48),
                                           smooth_series(rng, 48, 4))
        spec = (0.9 * np.exp(-((x - xs) / 0.08) ** 2) + 0.22 * np.exp(-((x - xs) / 0.3) ** 2)
                + 0.25 * np.exp(-((x + np.sign(xs) * 0.86) / 0.07) ** 2)) * spec_mod
        # -- the metal stopper ring at the distal end
        ring = np.clip(0.35 * h0 - U + 0.5, 0, 1)
        metal_lum = 0.3 + 0.7 * nz
        metal_spec = 0.9 * np.exp(-((x - xs) / 0.15) ** 2)
        colour = np.empty(U.shape + (3,), np.float32)
        for ch in range(3):
            c = (k_coil * (coil_lum * steel[ch] + coil_spec)
                 + (1 - k_coil) * tint[ch] * pl) * along + spec
            colour[..., ch] = c * (1 - ring) + ring * (steel[ch] * metal_lum + metal_spec)
        alpha = np.maximum(alpha, np.clip(spec, 0, 1))
        alpha = alpha * (1 - ring) + ring
        alpha *= sheath
        sil = sheath
        # -- the knife beyond the sheath
        tip_c, tip_a = self._tip(U, V, h0, tip_len, steel, xs)
        alpha = alpha * (1 - tip_a) + tip_a
        sil = np.maximum(sil, tip_a)
        # premultiplied colour
        prem = colour * (alpha * (1 - tip_a))[..., None] + tip_c * tip_a[..., None]
        # -- the soft shadow on the tissue: sharp at the tip, softer and further towards the lens
        uu = np.clip(U, 0, length)
        off = side * (sh_off0 + (sh_off1 - sh_off0) * uu / length)
        sig = 0.4 * h0 + sig_k * uu
        wid = np.where(U >= 0, hw, 0.25 * h0)
        shadow = np.clip(0.5 + (wid - np.abs(V - off)) / (2 * sig), 0, 1)
        shadow *= np.clip((U + tip_len) / (0.5 * h0) + 0.5, 0, 1)
        shadow *= float(rng.uniform(0.35, 0.55))
        lay = np.stack([alpha, sil, shadow], -1).astype(np.float32)
        prem = prem.astype(np.float32)
        # depth of field: the part near the lens is out of focus
        blur = float(rng.uniform(1.0, 2.5)) * unit
        wb = np.clip((u / persp - 0.5) / 0.6, 0, 1)[None, :, None]
        lay_b = cv2.GaussianBlur(lay, (0, 0), blur)
        lay_b[..., 1] = lay[..., 1]  # the silhouette (cover) stays sharp
        self.prem = (prem * (1 - wb) + cv2.GaussianBlur(prem, (0, 0), blur) * wb).astype(np.float32)
        lay = lay * (1 - wb) + lay_b * wb
        # per frame: img * keep + prem, with keep = (1 - alpha)(1 - shadow); mask = silhouette
        keep = (1 - lay[..., 0]) * (1 - lay[..., 2])
        self.lay = np.ascontiguousarray(np.stack([keep, lay[..., 1]], -1), dtype=np.float32)
        self.u0 = u0  # sprite column of the sheath's distal end
        self.v0 = rows / 2

    def _tip(self, U, V, h0, tip_len, steel, xs):
        """Colour and coverage of the knife beyond the sheath (``U < 0``)."""
        colour = np.zeros(U.shape + (3,), np.float32)
        AV = np.abs(V)
        tw = max(0.55 * self.unit, 0.14 * h0)
        if self.kind == 'it':
            rb = 0.55 * h0
            ub = -tip_len + rb
            bw = max(0.45 * self.unit, 0.1 * h0)
            blade = np.clip(bw - AV + 0.5, 0, 1) * np.clip(-U + 0.5, 0, 1) * \
                np.clip(U - ub + 0.5, 0, 1)
            dist = np.sqrt((U - ub) ** 2 + V ** 2)
            ball = np.clip(rb - dist + 0.5, 0, 1)
            nb = np.sqrt(np.clip(1 - (dist / rb) ** 2, 0, 1))
            hl = np.exp(-(((U - ub + 0.3 * rb) ** 2 + (V - 0.35 * xs * rb) ** 2)
                          / (0.09 * rb * rb)))
            xm = np.clip(V / bw, -1, 1)
            blade_lum = 0.4 + 0.6 * np.sqrt(1 - xm * xm)
            white = np.float32([0.90, 0.91, 0.92])
            for ch in range(3):
                colour[..., ch] = (blade * (1 - ball) * (steel[ch] * blade_lum + 0.6)
                                   + ball * (white[ch] * (0.4 + 0.6 * nb) + 0.6 * hl))
            alpha = np.maximum(blade, ball)
            colour /= np.maximum(alpha, 1e-3)[..., None]
            return colour, alpha
        needle = np.clip(tw - AV + 0.5, 0, 1) * np.clip(-U + 0.5, 0, 1) * \
            np.clip(U + tip_len + 0.5, 0, 1)
        xm = np.clip(V / tw, -1, 1)
        lum = 0.35 + 0.65 * np.sqrt(1 - xm * xm)
        hl = 0.8 * np.exp(-((xm - xs) / 0.35) ** 2)
        alpha = needle
        knob = np.zeros_like(needle)
        if self.kind == 'dual':  # the small knob at the end of the DualKnife
            kw, kl = 0.3 * h0, 0.28 * h0
            knob = np.clip(kw - AV + 0.5, 0, 1) * np.clip(-tip_len + kl - U + 0.5, 0, 1) * \
                np.clip(U + tip_len + 0.5, 0, 1)
            xk = np.clip(V / kw, -1, 1)
            klum = 0.3 + 0.7 * np.sqrt(1 - xk * xk)
            khl = 0.7 * np.exp(-((xk - xs) / 0.3) ** 2)
            alpha = np.maximum(needle, knob)
        for ch in range(3):
            colour[..., ch] = (1 - knob) * (steel[ch] * lum + hl)
            if self.kind == 'dual':
                colour[..., ch] += knob * (steel[ch] * klum + khl)
        return colour, alpha

    # ------------------------------------------------------------------ per frame
    def tip_position(self, t: int, centre: np.ndarray, radius: float, target: np.ndarray):
        """``(tip, direction)``: the knife's very tip and its unit direction in frame ``t``."""
        p = self.p
        ang = p['angle'] + p['sway'] * np.sin(t / 17.0)
        entry = np.asarray(centre, np.float32) + 1.05 * radius * np.float32(
            [np.cos(ang), np.sin(ang)])
        target = np.asarray(target, np.float32)
        goal = target + radius * np.float32([p['target_dx'], p['target_dy']])
        s = float(self.s[t])
        tip = entry + (goal - entry) * (s * p['reach'])
        w = float(self.cover_w[t])
        if w > 0:
            d = target - entry
            d = d / (float(np.hypot(*d)) + 1e-6)
            over = target + d * (self.cover_depth + self.tip_len)
            tip = tip * (1 - w) + over * w
        d = tip - entry
        n = float(np.hypot(*d))
        d = d / n if n > 1e-3 else np.float32([-np.cos(ang), -np.sin(ang)])
        return tip.astype(np.float32), d.astype(np.float32)

    def apply(self, img: np.ndarray, t: int, centre: np.ndarray, radius: float,
              target: np.ndarray) -> Optional[np.ndarray]:
        """Draw the knife of frame ``t`` onto ``img`` (in place); returns its mask or None."""
        if float(self.s[t]) <= 0.05 and self.cover_w[t] <= 0:
            return None
        H, W = img.shape[:2]
        tip, d = self.tip_position(t, centre, radius, target)
        end = tip - d * self.tip_len  # the sheath's distal end
        n = np.float32([-d[1], d[0]])
        # sprite (col, row) -> frame: end - (col - u0) d + (row - v0) n
        sh, sw = self.lay.shape[:2]
        corners = np.float32([[0, 0], [sw, 0], [0, sh], [sw, sh]])
        fx = end[0] - (corners[:, 0] - self.u0) * d[0] + (corners[:, 1] - self.v0) * n[0]
        fy = end[1] - (corners[:, 0] - self.u0) * d[1] + (corners[:, 1] - self.v0) * n[1]
        x0, x1 = max(0, int(np.floor(fx.min()))), min(W, int(np.ceil(fx.max())) + 1)
        y0, y1 = max(0, int(np.floor(fy.min()))), min(H, int(np.ceil(fy.max())) + 1)
        mask = np.zeros((H, W), np.float32)
        if x1 <= x0 or y1 <= y0:
            return mask
        # frame (x, y) -> sprite: col = u0 - (q - end).d, row = v0 + (q - end).n (pixel centres)
        ox, oy = x0 - end[0], y0 - end[1]
        M = np.float32([[-d[0], -d[1], self.u0 - (ox * d[0] + oy * d[1]) - 0.5],
                        [n[0], n[1], self.v0 + (ox * n[0] + oy * n[1]) - 0.5]])
        size = (x1 - x0, y1 - y0)
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        lay = cv2.warpAffine(self.lay, M, size, flags=flags, borderMode=cv2.BORDER_CONSTANT,
                             borderValue=(1.0, 0.0, 0.0, 0.0))
        prem = cv2.warpAffine(self.prem, M, size, flags=flags, borderMode=cv2.BORDER_CONSTANT)
        keep, sil = cv2.split(lay)
        roi = cv2.multiply(img[y0:y1, x0:x1], cv2.merge([keep, keep, keep]))
        img[y0:y1, x0:x1] = cv2.add(roi, prem)
        mask[y0:y1, x0:x1] = sil
        return mask
