"""Camera-and-upload damage (noise, blur, tilt, fading, JPEG) applied reproducibly to a clean card."""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image, ImageFilter

DEGRADATIONS = ("noise", "blur", "rotate", "low_contrast", "jpeg")
TABLE_COLOUR = (142, 136, 128)  # a neutral grey-beige desk under the photographed card
JPEG_QUALITY = 30
ROTATE_MARGIN = 24


def _noise(image: Image.Image, rng: random.Random) -> Image.Image:
    np_rng = np.random.default_rng(rng.getrandbits(64))
    sigma = rng.uniform(12.0, 20.0)
    pixels = np.asarray(image, dtype=np.float32)
    noisy = pixels + np_rng.normal(0.0, sigma, size=pixels.shape).astype(np.float32)
    return Image.fromarray(np.clip(noisy, 0, 255).round().astype(np.uint8), image.mode)


def _blur(image: Image.Image, rng: random.Random) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius=rng.uniform(1.2, 1.8)))


def _rotate(image: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.uniform(2.0, 6.0) * rng.choice((-1, 1))
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=TABLE_COLOUR)
    framed = Image.new(image.mode, (turned.width + 2 * ROTATE_MARGIN, turned.height + 2 * ROTATE_MARGIN), TABLE_COLOUR)
    framed.paste(turned, (ROTATE_MARGIN, ROTATE_MARGIN))
    return framed


def _low_contrast(image: Image.Image, rng: random.Random) -> Image.Image:
    low = rng.uniform(95.0, 115.0)
    high = low + rng.uniform(85.0, 105.0)
    pixels = np.asarray(image, dtype=np.float32)
    faded = low + pixels * ((high - low) / 255.0)
    return Image.fromarray(np.clip(faded, 0, 255).round().astype(np.uint8), image.mode)


def _jpeg(image: Image.Image, rng: random.Random) -> Image.Image:
    del rng  # fixed quality: the variant is about block artefacts, not a random amount of them
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert(image.mode)


_STEPS = {
    "noise": _noise,
    "blur": _blur,
    "rotate": _rotate,
    "low_contrast": _low_contrast,
    "jpeg": _jpeg,
}


def degrade(image: Image.Image, *, variant: str, rng: random.Random) -> Image.Image:
    """A damaged copy of image; the same rng state gives the same pixels. "clean" returns a copy."""
    if variant == "clean":
        return image.copy()
    try:
        step = _STEPS[variant]
    except KeyError:
        raise ValueError(f"unknown degradation {variant!r}; expected clean or one of {DEGRADATIONS}") from None
    return step(image.convert("RGB"), rng)
