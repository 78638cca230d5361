# Copyright (c) mmbleed contributors. All rights reserved.
"""Small helpers shared by the scenario effects: tileable noise that can be scrolled for free
(a 2 x 2 tiled copy cropped at a wrapped offset), and in-place alpha compositing with cv2
(broadcasting a ``(H, W, 1)`` alpha in numpy is several times slower than a merged one).
"""
import cv2
import numpy as np


def periodic_noise(rng: np.random.Generator, size: int, cell: float, octaves: int = 1,
                   persistence: float = 0.5, stretch: float = 1.0) -> np.ndarray:
    """Tileable smooth noise ``(size, size)`` float32, zero mean and unit variance.

    Args:
        rng: random generator.
        size: period in pixels (both axes).
        cell: feature size of the coarsest octave (px, along y).
        octaves: octaves summed, each half the size of the previous.
        persistence: amplitude ratio between octaves.
        stretch: features ``stretch`` times longer along x than along y (streaks).
    """
    out = np.zeros((size, size), np.float32)
    amp = 1.0
    for i in range(octaves):
        c = max(cell / 2 ** i, 1.0)
        ny = max(2, int(round(size / c)))
        nx = max(2, int(round(size / (c * stretch))))
        grid = rng.standard_normal((ny, nx)).astype(np.float32)
        pad = np.pad(grid, 2, mode='wrap')
        sy, sx = size / ny, size / nx
        big = cv2.resize(pad, (int(round((nx + 4) * sx)), int(round((ny + 4) * sy))),
                         interpolation=cv2.INTER_CUBIC)
        y0, x0 = int(round(2 * sy)), int(round(2 * sx))
        out += amp * big[y0:y0 + size, x0:x0 + size]
        amp *= persistence
    out -= out.mean()
    out /= out.std() + 1e-6
    return out


class ScrollTexture:
    """A tileable texture cropped at any (wrapped) offset without copying.

    Args:
        tex: ``(N, N)`` or ``(N, N, C)`` tileable texture, ``N`` >= the crop size.
        height, width: crop size.
    """

    def __init__(self, tex: np.ndarray, height: int, width: int) -> None:
        n = tex.shape[0]
        if n < max(height, width):
            raise ValueError(f'texture period {n} is smaller than the crop {width}x{height}')
        reps = (2, 2) + (1,) * (tex.ndim - 2)
        self.tiled = np.ascontiguousarray(np.tile(tex, reps))
        self.n, self.h, self.w = n, height, width

    def crop(self, dx: float, dy: float) -> np.ndarray:
        """The window whose top-left corner is at texture position ``(dx, dy)`` (wrapped)."""
        x0 = int(np.floor(dx)) % self.n
        y0 = int(np.floor(dy)) % self.n
        return self.tiled[y0:y0 + self.h, x0:x0 + self.w]


def merge3(alpha: np.ndarray) -> np.ndarray:
    """``(H, W)`` -> ``(H, W, 3)`` (contiguous, for fast cv2 per-pixel products)."""
    return cv2.merge([alpha, alpha, alpha])


def blend_(img: np.ndarray, colour: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """In place: ``img += (colour - img) * alpha``.

    ``colour`` is an image like ``img`` (make constant colours full-size once: broadcasting a
    ``(3,)`` vector costs ten times more); ``alpha`` is ``(H, W)`` or ``(H, W, 3)``.
    """
    a3 = merge3(alpha) if alpha.ndim == 2 else alpha
    diff = cv2.subtract(colour, img)
    cv2.multiply(diff, a3, dst=diff)
    cv2.add(img, diff, dst=img)
    return img


def solid(colour, height: int, width: int) -> np.ndarray:
    """A constant-colour float32 image ``(H, W, 3)``."""
    out = np.empty((height, width, 3), np.float32)
    out[:] = np.asarray(colour, np.float32)
    return out

