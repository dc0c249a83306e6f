"""Camera-and-upload damage (noise, blur, tilt, fading, JPEG) applied reproducibly to a clean card."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageFilter

DEGRADATIONS = ("noise", "blur", "rotate", "low_contrast", "jpeg")
# A light neutral desk: darker ones are taken for ink by Otsu thresholding, and a
# minAreaRect deskew then measures the frame instead of the text lines.
TABLE_COLOUR = (200, 198, 194)
JPEG_QUALITY = 30
ROTATE_MARGIN = 24


Step = Callable[[Image.Image, random.Random], tuple[Image.Image, str]]


def _noise(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    np_rng = np.random.default_rng(rng.getrandbits(64))
    sigma = rng.uniform(12.0, 20.0)
    pixels = np.asarray(image, dtype=np.float32)
    noisy = pixels + np_rng.normal(0.0, sigma, size=pixels.shape).astype(np.float32)
    image = Image.fromarray(np.clip(noisy, 0, 255).round().astype(np.uint8), image.mode)
    return image, f"gaussian noise, sigma {sigma:.1f}"


def _blur(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    radius = rng.uniform(1.2, 1.8)
    return image.filter(ImageFilter.GaussianBlur(radius=radius)), f"gaussian blur, radius {radius:.2f} px"


def _rotate(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    angle = rng.uniform(2.0, 6.0) * rng.choice((-1, 1))
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=TABLE_COLOUR)
    framed = Image.new(image.mode, (turned.width + 2 * ROTATE_MARGIN, turned.height + 2 * ROTATE_MARGIN), TABLE_COLOUR)
    framed.paste(turned, (ROTATE_MARGIN, ROTATE_MARGIN))
    return framed, f"rotated {angle:+.2f} degrees (counter-clockwise positive) on a desk"


def _low_contrast(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    low = rng.uniform(95.0, 115.0)
    high = low + rng.uniform(85.0, 105.0)
    pixels = np.asarray(image, dtype=np.float32)
    faded = low + pixels * ((high - low) / 255.0)
    image = Image.fromarray(np.clip(faded, 0, 255).round().astype(np.uint8), image.mode)
    return image, f"contrast squeezed into {low:.0f}..{high:.0f}"


def _jpeg(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    del rng  # fixed quality: the variant is about block artefacts, not a random amount of them
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert(image.mode), f"JPEG quality {JPEG_QUALITY}"


_STEPS: dict[str, Step] = {
    "noise": _noise,
    "blur": _blur,
    "rotate": _rotate,
    "low_contrast": _low_contrast,
    "jpeg": _jpeg,
}


def degrade_with_note(image: Image.Image, *, variant: str, rng: random.Random) -> tuple[Image.Image, str]:
    """A damaged copy of image and a note on how much damage was done."""
    if variant == "clean":
        return image.copy(), ""
    try:
        step = _STEPS[variant]
    except KeyError:
        raise ValueError(f"unknown degradation {variant!r}; expected clean or one of {DEGRADATIONS}") from None
    return step(image.convert("RGB"), rng)


def degrade(image: Image.Image, *, variant: str, rng: random.Random) -> Image.Image:
    """A damaged copy of image; the same rng state gives the same pixels. "clean" returns a copy."""
    return degrade_with_note(image, variant=variant, rng=rng)[0]
