"""Camera-and-upload damage (noise, blur, tilt, dim light, glare, keystone, fading, JPEG) applied reproducibly to a card."""

from __future__ import annotations

import io
import random
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image, ImageFilter

DEGRADATIONS = ("noise", "blur", "rotate", "low_contrast", "jpeg", "tilt", "low_light", "glare", "perspective")
# A light neutral desk: darker ones are taken for ink by Otsu thresholding, and a
# minAreaRect deskew then measures the frame instead of the text lines.
TABLE_COLOUR = (200, 198, 194)
JPEG_QUALITY = 30
ROTATE_MARGIN = 24
# Desks behind tilted and keystoned photos: light laminate, grey, mid wood, dark wood, near-black.
# Real desks are often darker than the card, and preprocessing has to cope with that.
DESK_COLOURS = ((200, 198, 194), (120, 122, 126), (150, 112, 74), (92, 64, 44), (46, 44, 48))
TILT_DEGREES = (6.0, 10.0)
DESK_MARGIN = (28, 64)


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


def _desk(rng: random.Random) -> tuple[int, int, int]:
    """Light desk half the time, a mid or dark one otherwise."""
    return DESK_COLOURS[0] if rng.random() < 0.5 else rng.choice(DESK_COLOURS[1:])


def _on_desk(card: Image.Image, *, desk: tuple[int, int, int], margin: int) -> Image.Image:
    framed = Image.new(card.mode, (card.width + 2 * margin, card.height + 2 * margin), desk)
    framed.paste(card, (margin, margin))
    return framed


def _tilt(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    angle = rng.uniform(*TILT_DEGREES) * rng.choice((-1, 1))
    desk = _desk(rng)
    margin = rng.randint(*DESK_MARGIN)
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=desk)
    return _on_desk(turned, desk=desk, margin=margin), f"tilted {angle:+.2f} degrees on a desk of colour {desk}"


def _low_light(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    np_rng = np.random.default_rng(rng.getrandbits(64))
    gain = rng.uniform(0.35, 0.5)
    sigma = rng.uniform(3.0, 6.0)
    pixels = np.asarray(image, dtype=np.float32) * gain
    pixels += np_rng.normal(0.0, sigma, size=pixels.shape).astype(np.float32)
    image = Image.fromarray(np.clip(pixels, 0, 255).round().astype(np.uint8), image.mode)
    return image, f"dim: brightness x{gain:.2f}, sensor noise sigma {sigma:.1f}"


def _glare(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    width, height = image.size
    # Over the text column (left two thirds, below the header), where a lamp's reflection hurts.
    cx, cy = rng.uniform(0.15, 0.65) * width, rng.uniform(0.3, 0.8) * height
    ax, ay = rng.uniform(0.08, 0.16) * width, rng.uniform(0.06, 0.12) * height
    theta = np.deg2rad(rng.uniform(-30.0, 30.0))
    peak = rng.uniform(0.75, 0.92)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    u = ((xs - cx) * np.cos(theta) + (ys - cy) * np.sin(theta)) / ax
    v = (-(xs - cx) * np.sin(theta) + (ys - cy) * np.cos(theta)) / ay
    r2 = u * u + v * v
    # A flat saturated core with a soft falloff, like a specular highlight.
    alpha = peak * np.clip(np.exp(-np.maximum(r2 - 0.35, 0.0) * 1.6), 0.0, 1.0)
    pixels = np.asarray(image, dtype=np.float32)
    lit = pixels + (255.0 - pixels) * alpha[..., None]
    image = Image.fromarray(np.clip(lit, 0, 255).round().astype(np.uint8), image.mode)
    return image, f"glare at ({cx:.0f}, {cy:.0f}), axes {ax:.0f}x{ay:.0f} px, strength {peak:.2f}"


def _perspective(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    width, height = image.size
    desk = _desk(rng)
    margin = rng.randint(*DESK_MARGIN)
    side = rng.choice(("top", "bottom", "left", "right"))
    squeeze = rng.uniform(0.03, 0.07)  # the far edge is this fraction shorter at each end (mild)
    m = float(margin)
    tl, tr, br, bl = [m, m], [m + width, m], [m + width, m + height], [m, m + height]
    dx, dy = squeeze * width, squeeze * height
    if side == "top":
        tl[0] += dx
        tr[0] -= dx
    elif side == "bottom":
        bl[0] += dx
        br[0] -= dx
    elif side == "left":
        tl[1] += dy
        bl[1] -= dy
    else:
        tr[1] += dy
        br[1] -= dy
    corners = [tl, tr, br, bl]
    jitter = 0.01 * min(width, height)
    for corner in corners:  # a hand is never perfectly square to the card
        corner[0] += rng.uniform(-jitter, jitter)
        corner[1] += rng.uniform(-jitter, jitter)
    source = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source, np.array(corners, dtype=np.float32))
    out_size = (width + 2 * margin, height + 2 * margin)
    warped = cv2.warpPerspective(
        np.asarray(image), matrix, out_size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=desk
    )
    return Image.fromarray(warped, image.mode), f"keystone: {side} edge {squeeze:.1%} shorter each end, desk {desk}"


_STEPS: dict[str, Step] = {
    "noise": _noise,
    "blur": _blur,
    "rotate": _rotate,
    "low_contrast": _low_contrast,
    "jpeg": _jpeg,
    "tilt": _tilt,
    "low_light": _low_light,
    "glare": _glare,
    "perspective": _perspective,
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
