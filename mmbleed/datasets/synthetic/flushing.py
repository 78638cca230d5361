# Copyright (c) mmbleed contributors. All rights reserved.
"""Water flushing as moving fluid.

A jet enters from the view's border (the scope's water channel), fans out towards the view,
and fills it with turbulent water: streaks that run along the flow, turbidity that is
scrolled with the flow (pink where blood is diluted into it), bubbles (bright-rimmed rings)
carried by the flow that pop, and refraction (the tissue under the water is displaced by a
moving distortion field, ``cv2.remap`` of the frame). The water's cover (how opaque it is per
pixel) rises steeply with the flush strength: a hard flush (strength 1) hides most of the
view, a light one (<= 0.3) little of it.

Everything is computed on a half-resolution grid and upsampled, except the refraction remap,
the final blend and the bubbles (drawn with ``cv2`` primitives into one layer).
"""
from typing import Optional

import cv2
import numpy as np

from .noise import smooth_series
from .textures import ScrollTexture, blend_, merge3, periodic_noise, solid


class WaterFlush:
    """Per-clip water flushing.

    Args:
        rng: random generator (the flush's own stream).
        strength: ``(T,)`` strength of 'water flushing' per frame.
        width, height: frame size.
        unit: pixel scale (frame height / 272).
        centre, radius: the round view (frame px).
    """

    def __init__(self, rng: np.random.Generator, strength: np.ndarray, width: int, height: int,
                 unit: float, centre, radius: float) -> None:
        self.s = np.asarray(strength, np.float32)
        T = len(self.s)
        W, H = width, height
        self.w, self.h, self.unit = W, H, unit
        k = 2
        hw, hh = -(-W // k), -(-H // k)
        self.hw, self.hh = hw, hh
        centre = np.asarray(centre, np.float32)
        R = float(radius)
        # the water channel: mostly lower left of the view (scope-fixed), jet aimed inwards
        if rng.random() < 0.75:
            ang = rng.normal(2.25, 0.3)
        else:
            ang = rng.uniform(0, 2 * np.pi)
        self.entry = centre + 1.03 * R * np.float32([np.cos(ang), np.sin(ang)])
        self.axis = float(ang + np.pi + rng.normal(0, 0.2))
        self.dir = np.float32([np.cos(self.axis), np.sin(self.axis)])
        # half-res polar coordinates about the entry (frame px / radians from the axis)
        ys = (np.arange(hh, dtype=np.float32) + 0.5) * k - 0.5
        xs = (np.arange(hw, dtype=np.float32) + 0.5) * k - 0.5
        X, Y = np.meshgrid(xs, ys)
        dx, dy = X - self.entry[0], Y - self.entry[1]
        r = np.sqrt(dx * dx + dy * dy)
        phi = np.arctan2(dy, dx) - self.axis
        phi = (phi + np.pi) % (2 * np.pi) - np.pi
        self.r, self.phi = r.astype(np.float32), phi.astype(np.float32)
        self.r_tex = (r / (2 * unit)).astype(np.float32)  # streak texels are 2 px long
        self.rn = (r / (2 * R)).astype(np.float32)
        jet_w = float(rng.uniform(6, 12)) * unit
        jet_inv_w = 1.0 / (jet_w + 0.12 * r)
        # q = (phi - sway) r / width = q_phi - sway q_r
        self.q_phi = (phi * r * jet_inv_w).astype(np.float32)
        self.q_r = (r * jet_inv_w).astype(np.float32)
        # where the jet hits the tissue: a patch of white, churning foam
        li = float(rng.uniform(0.7, 1.3)) * R
        hit = self.entry + li * self.dir
        sig = float(rng.uniform(0.25, 0.4)) * R
        self.foam = np.exp(-((X - hit[0]) ** 2 + (Y - hit[1]) ** 2) / (2 * sig * sig)).astype(
            np.float32)
        self.jet_fall = np.exp(-r / (rng.uniform(1.0, 2.0) * R)).astype(np.float32)
        self.sway = (0.06 * np.sin(np.arange(T) * rng.uniform(0.5, 1.1) + rng.uniform(0, 6.3))
                     + 0.08 * smooth_series(rng, T, 15)).astype(np.float32)
        # streaks: noise stretched along r in polar space, scrolled outwards (fan of streaks)
        n = self.n_phi = 256
        st = periodic_noise(rng, n, 1.2, 2, 0.6, stretch=16.0)
        # tiled twice along r so that the scrolled coordinate never leaves it (no wrapping)
        self.streak_tex = np.tile(np.clip(st, 0, None) ** 1.5 * 0.45, (1, 2)).astype(np.float32)
        self.phi_rows = ((phi + np.pi) * (n / (2 * np.pi))).astype(np.float32)
        self.speed = float(rng.uniform(7, 13)) * unit  # px / frame along the jet
        # turbulence (two scales, scrolled along the flow at different speeds)
        nt = int(2 ** np.ceil(np.log2(max(hw, hh) + 1)))
        self.turb1 = ScrollTexture(0.36 + 0.18 * periodic_noise(rng, nt, 20 * unit / k, 3, 0.55),
                                   hh, hw)
        self.turb2 = ScrollTexture(0.24 + 0.12 * periodic_noise(rng, nt, 40 * unit / k, 2, 0.5),
                                   hh, hw)
        # refraction: gradient of a smooth field (px displacement per unit amplitude)
        f = periodic_noise(rng, nt, 14 * unit / k, 2, 0.5)
        g = np.stack([np.roll(f, -1, 1) - np.roll(f, 1, 1), np.roll(f, -1, 0) - np.roll(f, 1, 0)],
                     -1)
        g /= np.abs(g).std() * 2.5 + 1e-6
        self.grad = ScrollTexture(g.astype(np.float32), hh, hw)
        self.refract = float(rng.uniform(4, 8)) * unit
        self.hxy = np.stack([X, Y], -1).astype(np.float32)
        # colours (half res, constant images)
        water = np.float32([0.84, 0.85, 0.83]) + rng.normal(0, 0.02, 3).astype(np.float32)
        pink = np.float32([0.40, 0.42, 0.80]) + rng.normal(0, 0.03, 3).astype(np.float32)
        e8 = (max(1, W // 8), max(1, H // 8))
        self.water8 = solid(water, e8[1], e8[0])
        self.pink8 = solid(pink, e8[1], e8[0])
        self.scatter_w = float(rng.uniform(0.25, 0.45))
        self._bubbles(rng, T, R, unit)
        self.view_centre = centre

    def _bubbles(self, rng: np.random.Generator, T: int, R: float, unit: float) -> None:
        """Pre-draw every bubble of the clip: birth, life, size, path along the flow."""
        rate = rng.uniform(0.8, 1.8)
        births = []
        for t in range(T):
            if self.s[t] > 0.05:
                births += [t] * int(rng.poisson(rate * self.s[t]))
        m = len(births)
        self.b_t0 = np.asarray(births, int)
        self.b_life = rng.integers(4, 16, m)
        stuck = rng.random(m) < 0.25
        self.b_life[stuck] += 15
        self.b_rad = np.clip(rng.lognormal(np.log(1.8), 0.5, m), 0.8, 7.0) * unit
        self.b_r0 = rng.uniform(0.1, 1.9, m) * R
        self.b_phi = rng.normal(0, 0.45, m)
        self.b_v = np.where(stuck, rng.uniform(0, 0.5, m), rng.uniform(1.5, 6.0, m)) * unit
        self.b_wob = rng.uniform(0.02, 0.1, m)
        self.b_ph = rng.uniform(0, 6.3, m)

    def _draw_bubbles(self, img: np.ndarray, t: int, s: float) -> None:
        """Draw the bubbles alive in frame ``t`` straight onto ``img`` (anti-aliased rings)."""
        alive = (self.b_t0 <= t) & (t < self.b_t0 + self.b_life)
        idx = np.nonzero(alive)[0]
        if len(idx) == 0:
            return
        age = t - self.b_t0[idx]
        r = self.b_r0[idx] + self.b_v[idx] * age
        phi = self.axis + self.b_phi[idx] + self.b_wob[idx] * np.sin(0.7 * age + self.b_ph[idx])
        x = self.entry[0] + r * np.cos(phi)
        y = self.entry[1] + r * np.sin(phi)
        popping = age == self.b_life[idx] - 1
        rad = self.b_rad[idx] * np.where(popping, 1.35, 1.0)
        # highlight towards the view's centre (the light is at the scope)
        tx, ty = self.view_centre[0] - x, self.view_centre[1] - y
        tn = np.sqrt(tx * tx + ty * ty) + 1e-3
        inside = np.nonzero((x > 1) & (x < self.w - 2) & (y > 1) & (y < self.h - 2))[0]
        if len(inside) == 0:
            return
        g = min(1.0, 1.5 * s)
        local = img[y[inside].astype(int), x[inside].astype(int)]
        dark = (local * (1 - 0.35 * g)).tolist()
        rim = np.minimum(local + 0.45 * g, 1.3).tolist()
        hot = (1.0 + 0.2 * g,) * 3
        sh = 4  # 2 bits of sub-pixel precision
        cx = (x[inside] * sh).astype(int).tolist()
        cy = (y[inside] * sh).astype(int).tolist()
        rr = rad[inside]
        r_out = (rr * sh).astype(int).tolist()
        r_in = (np.maximum(rr - 0.7, 0.5) * sh).astype(int).tolist()
        thick = np.maximum(1, (0.45 * rr).astype(int)).tolist()
        hx = (cx + 0.45 * rr * (tx / tn)[inside] * sh).astype(int).tolist()
        hy = (cy + 0.45 * rr * (ty / tn)[inside] * sh).astype(int).tolist()
        hr = np.maximum(1, (0.28 * rr * sh).astype(int)).tolist()
        pop = popping[inside].tolist()
        small = (rr < 1.6).tolist()
        for i in range(len(cx)):
            if pop[i] or small[i]:  # a popping or a tiny bubble: just a bright ring
                cv2.circle(img, (cx[i], cy[i]), r_out[i], rim[i], 1, cv2.LINE_AA, 2)
                continue
            cv2.circle(img, (cx[i], cy[i]), r_out[i], dark[i], thick[i], cv2.LINE_AA, 2)
            cv2.circle(img, (cx[i], cy[i]), r_in[i], rim[i], 1, cv2.LINE_AA, 2)
            cv2.circle(img, (hx[i], hy[i]), hr[i], hot, -1, cv2.LINE_AA, 2)

    def apply(self, img: np.ndarray, t: int, blood: Optional[np.ndarray] = None
              ) -> Optional[np.ndarray]:
        """Draw the flush of frame ``t`` onto ``img`` (in place); returns its cover.

        Args:
            img: float32 BGR frame.
            t: frame index.
            blood: ``(H, W)`` blood alpha of the frame (pink turbidity) or None.
        """
        s = float(self.s[t])
        if s <= 0.05:
            return None
        W, H = self.w, self.h
        sway = float(self.sway[t])
        n = self.n_phi
        o = self.dir * (-0.25 * self.speed * t / 2)
        # flow fields on the half-res grid (cv2 arithmetic: one pass per term), in polar
        # coordinates about the entry: streaks run fast along the jet, wavering a little
        wave = self.turb2.crop(o[0] + 17, o[1] + 5)
        rows = cv2.addWeighted(self.phi_rows, 1.0, wave, 10.0, -2.4 - sway * (n / (2 * np.pi)))
        shift = n - (0.5 * self.speed * t) % n
        streak = cv2.remap(self.streak_tex, self.r_tex + shift, rows, cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
        # turbulence drifts slower, along the jet
        turb = cv2.add(self.turb1.crop(o[0] * 1.6, o[1] * 1.6), self.turb2.crop(o[0], o[1]))
        # the jet: a cone about the (swaying) axis, fading with the distance
        q = cv2.addWeighted(self.q_phi, 1.0, self.q_r, -sway, 0.0)
        jet = cv2.multiply(cv2.exp(cv2.multiply(q, q, scale=-1.0)), self.jet_fall)
        # the water front (from the entry side), the body of turbid water, spray and foam
        fill = cv2.addWeighted(self.rn, -4.0 * (1.0 - 0.4 * s), turb, 1.0, 6.4 * s - 0.6)
        np.clip(fill, 0, 1, out=fill)
        s15 = s ** 1.5
        body = cv2.multiply(fill, cv2.addWeighted(turb, 0.55 * s15, turb, 0.0, 0.45 * s15))
        spray = cv2.multiply(streak, cv2.addWeighted(jet, 1.0, fill, 0.12, 0.0))
        foam = cv2.multiply(self.foam, turb, scale=s * s)
        a = cv2.addWeighted(body, 1.0, jet, 0.55 * s, 0.0)
        a = cv2.add(cv2.scaleAdd(spray, 0.3 * s, a), foam)
        np.clip(a, 0, 0.95, out=a)
        # brightness of the water: foam and spray white, turbid swirls
        bright = cv2.addWeighted(turb, 0.5, jet, 0.5, 0.62)
        bright = cv2.scaleAdd(foam, 0.5, cv2.scaleAdd(spray, 0.35, bright))
        # the water's own colour is smooth (made at 1/8 res): foam white mixed with the tissue's
        # light scattered in it, pink where blood is diluted into it
        e8 = self.water8.shape[1::-1]
        scatter = cv2.resize(img[4::8, 4::8], e8, interpolation=cv2.INTER_LINEAR)
        scatter = cv2.GaussianBlur(scatter, (0, 0), 1.0)
        base = cv2.addWeighted(self.water8, 1.0 - self.scatter_w, scatter, self.scatter_w * 1.2,
                               0.0)
        if blood is not None:
            b8 = cv2.resize(blood[4::8, 4::8], e8, interpolation=cv2.INTER_LINEAR)
            b8 = cv2.GaussianBlur(b8, (0, 0), 1.8)
            d = self.dir * (-18 * self.unit / 8)  # carried downstream
            m = np.float32([[1, 0, d[0]], [0, 1, d[1]]])
            b8 = np.maximum(b8, cv2.warpAffine(b8, m, e8, flags=cv2.INTER_LINEAR))
            p = b8 * 4.0 + min(0.6, 4.0 * float(b8.mean()))
            np.clip(p * min(1.0, s * 1.3), 0, 0.9, out=p)
            blend_(base, self.pink8, p)
        col = cv2.resize(base, (self.hw, self.hh), interpolation=cv2.INTER_LINEAR)
        cv2.multiply(col, merge3(bright), dst=col)
        # out = refracted * (1 - a) + col * a + glints: the smooth terms are made at half res
        add = cv2.multiply(col, merge3(a))
        cv2.add(add, merge3(cv2.multiply(streak, jet, scale=0.5 * s)), dst=add)  # glints
        # refraction: the tissue seen through moving water (maps made at half res)
        g = self.grad.crop(o[0] * 2.0, o[1] * 2.0)
        k = 0.5 * self.refract * s
        amp = cv2.addWeighted(fill, k, fill, 0.0, k)
        maps = cv2.resize(cv2.add(self.hxy, cv2.multiply(g, cv2.merge([amp, amp]))), (W, H),
                          interpolation=cv2.INTER_LINEAR)
        refr = cv2.remap(img, maps, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        cover = cv2.resize(a, (W, H), interpolation=cv2.INTER_LINEAR)
        keep = 1.0 - cover
        cv2.multiply(refr, merge3(keep), dst=img)
        cv2.add(img, cv2.resize(add, (W, H), interpolation=cv2.INTER_LINEAR), dst=img)
        self._draw_bubbles(img, t, s)
        return cover
