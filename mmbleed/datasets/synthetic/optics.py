# Copyright (c) mmbleed contributors. All rights reserved.
"""The endoscope's optics and sensor, applied last to every frame.

In order: vignetting and auto-exposure, focus blur, motion blur in jitter bursts, lateral
chromatic aberration (red and blue magnified differently about the optical centre, so colour
fringes grow towards the view's edge), signal-dependent sensor noise (shot noise growing with
brightness, read noise, coarser chroma noise), the round field stop, quantisation to 8 bits,
and for some clips a JPEG round trip at the clip's recording quality (block and ringing
artefacts, as in frames grabbed from a hospital recorder). The video file then adds its own
MPEG-4 compression.
"""
from typing import Optional

import cv2
import numpy as np

from .camera import CameraPath, EndoscopeView, motion_blur


class EndoscopeOptics:
    """Per-clip optics and sensor of the scope.

    Args:
        rng (np.random.Generator): the optics' own random stream (every per-clip choice and
            the noise fields are drawn here, so a clip renders the same on every machine).
        view (EndoscopeView): frame geometry (centre, radius, vignette, field stop).
        unit (float): pixel scale (frame height / 272).
        num_noise_fields (int): pre-drawn noise fields cycled over frames.

    Attributes:
        aberration (float): red/blue fringe at the view's edge (px, red outwards).
        shot (float), read (float): noise standard deviations (fraction of full scale) at
            full brightness and in the dark.
        jpeg_quality (int | None): JPEG quality of the recorder, None for a clean grab.
    """

    def __init__(self, rng: np.random.Generator, view: EndoscopeView, unit: float,
                 num_noise_fields: int = 6) -> None:
        W, H = view.width, view.height
        self.aberration = float(rng.uniform(0.3, 1.4) * unit)
        k = self.aberration / max(view.radius, 1.0)
        c = (float(view.centre[0]), float(view.centre[1]))
        # channel magnification about the optical centre: red out, blue in
        self._warp = {2: cv2.getRotationMatrix2D(c, 0.0, 1.0 + k),
                      0: cv2.getRotationMatrix2D(c, 0.0, 1.0 - 0.6 * k)}
        self.shot = float(rng.uniform(0.010, 0.03))
        self.read = float(rng.uniform(0.003, 0.01))
        chroma = float(rng.uniform(0.2, 0.6))
        fields = []
        for _ in range(num_noise_fields):
            luma = rng.standard_normal((H, W, 1)).astype(np.float32)
            half = rng.standard_normal(((H + 1) // 2, (W + 1) // 2, 3)).astype(np.float32)
            col = cv2.resize(half, (W, H), interpolation=cv2.INTER_LINEAR)
            fields.append(luma + chroma * col)
        self._noise = fields
        self._noise_rng = np.random.default_rng(rng.integers(1 << 62))
        self.jpeg_quality: Optional[int] = (int(rng.integers(35, 80)) if rng.random() < 0.6
                                            else None)
        self._gain = (view.vignette[..., None]).astype(np.float32)
        self._stop = view.mask[..., None].astype(np.float32)

    def chromatic_aberration(self, img: np.ndarray) -> np.ndarray:
        """Magnify red and blue about the optical centre (lateral chromatic aberration)."""
        H, W = img.shape[:2]
        chans = list(cv2.split(img))
        for ch, m in self._warp.items():
            chans[ch] = cv2.warpAffine(chans[ch], m, (W, H), flags=cv2.INTER_LINEAR,
                                       borderMode=cv2.BORDER_REPLICATE)
        return cv2.merge(chans)

    def apply(self, img: np.ndarray, cam: CameraPath, t: int) -> np.ndarray:
        """Frame ``t``: linear float32 BGR ``(H, W, 3)`` in ``[0, 1]`` -> uint8 BGR."""
        img = img * (self._gain * float(cam.exposure[t]))
        img = cv2.GaussianBlur(img, (0, 0), float(cam.blur[t]))
        if cam.jitter[t]:
            img = motion_blur(img, cam.motion[t])
        img = self.chromatic_aberration(img)
        noise = self._noise[int(self._noise_rng.integers(len(self._noise)))]
        sd = cv2.sqrt(np.maximum(img, 0)) * self.shot + self.read
        img = (img + cv2.multiply(noise, sd)) * self._stop
        frame = np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)
        if self.jpeg_quality is not None:
            ok, buf = cv2.imencode('.jpg', frame, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
            if ok:
                frame = cv2.imdecode(buf, cv2.IMREAD_COLOR)
        return frame
