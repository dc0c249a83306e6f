"""What a scanner or a careful crop does to a drawn e-KTP: resolution, sensor noise, a margin of whatever lay
under the card, a cut edge, and the mild damage people's scans show (blur, heavy JPEG, a turned card, uneven
light). Reproducible from the rng; each returns the image and a note on how much was done."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from services.core.ektp_layout import CITY_BAND, PROVINCE_BAND

EKTP_DEGRADATIONS = ("margin", "cut", "blur", "jpeg", "rotate", "uneven_light")
# Scanner lids, desks and cloth seen behind cropped scans: white, grey, wood, dark cloth.
SURFACES = ((246, 246, 244), (200, 198, 194), (150, 112, 74), (92, 64, 44), (52, 58, 70))
SCAN_WIDTHS = (860, 1350)  # card widths of 255-400 dpi scans
JPEG_QUALITY_RANGE = (20, 35)

Step = Callable[[Image.Image, random.Random], tuple[Image.Image, str]]
# A header line counts as cut away when the cut reaches this far into it (fractions of the card's height).
_CUT_AWAY = (("province", PROVINCE_BAND[0] + 0.005), ("city", CITY_BAND[0] + 0.005))


@dataclass(frozen=True)
class Scan:
    """A scanned card, how it was made, and the printed fields the damage took off the image."""

    image: Image.Image
    note: str
    hidden: tuple[str, ...] = ()


def _np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(64))


def scan_width(rng: random.Random) -> int:
    """The card's width in pixels in a scan: draw the card at this width, then flat_scan it."""
    return rng.randint(*SCAN_WIDTHS)


def flat_scan(card: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    """The card as a scanner sees it: a little softness and sensor noise."""
    image = card.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.3, 0.7)))
    sigma = rng.uniform(1.5, 4.0)
    pixels = np.asarray(image, np.float32) + _np_rng(rng).normal(0.0, sigma, (image.height, image.width, 3))
    scanned = Image.fromarray(np.clip(pixels, 0, 255).round().astype(np.uint8), "RGB")
    return scanned, f"scanned {card.width} px wide, noise sigma {sigma:.1f}"


def _surface(size: tuple[int, int], colour: tuple[int, int, int], rng: random.Random) -> Image.Image:
    """A surface with some grain, so the card's edge is not a clean step on a flat colour."""
    width, height = size
    grain = _np_rng(rng).normal(0.0, 6.0, (height, 1, 1)) + _np_rng(rng).normal(0.0, 4.0, (height, width, 1))
    pixels = np.array(colour, np.float32) + grain
    return Image.fromarray(np.clip(pixels, 0, 255).round().astype(np.uint8), "RGB")


def _on_surface(image: Image.Image, rng: random.Random, *, angle: float, margin: float) -> tuple[Image.Image, tuple[int, int, int]]:
    colour = rng.choice(SURFACES)
    pad = round(margin * image.width)
    turned = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(0, 0, 0))
    mask = Image.new("L", image.size, 255).rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    framed = _surface((turned.width + 2 * pad, turned.height + 2 * pad), colour, rng)
    framed.paste(turned, (pad, pad), mask)
    return framed, colour


def _margin(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    margin, angle = rng.uniform(0.04, 0.12), rng.uniform(-1.5, 1.5)
    framed, colour = _on_surface(image, rng, angle=angle, margin=margin)
    return framed, f"cropped with a {margin:.0%} margin of a surface {colour}, turned {angle:+.1f} degrees"


def _cut(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    top = rng.uniform(0.02, 0.12)
    right = rng.uniform(0.0, 0.02)
    left = rng.uniform(0.0, 0.015)
    box = (round(left * image.width), round(top * image.height), image.width - round(right * image.width), image.height)
    return image.crop(box), f"cut: {top:.0%} off the top (the header), {left:.1%} left, {right:.1%} right"


def _blur(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    # Radius in pixels of a 1000-wide card, scaled to this one.
    radius = rng.uniform(1.0, 1.6) * image.width / 1000
    return image.filter(ImageFilter.GaussianBlur(radius=radius)), f"out of focus, blur radius {radius:.2f} px"


def _jpeg(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    quality = rng.randint(*JPEG_QUALITY_RANGE)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    with Image.open(buffer) as decoded:
        return decoded.convert("RGB"), f"JPEG quality {quality}"


def _rotate(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    angle = rng.uniform(2.0, 6.0) * rng.choice((-1, 1))
    framed, colour = _on_surface(image, rng, angle=angle, margin=rng.uniform(0.02, 0.05))
    return framed, f"turned {angle:+.1f} degrees on a surface {colour}"


def _uneven_light(image: Image.Image, rng: random.Random) -> tuple[Image.Image, str]:
    """Light falling off across the card, darkest at one side, with a soft shadow."""
    height, width = image.height, image.width
    theta = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    along = ((xs / width - 0.5) * np.cos(theta) + (ys / height - 0.5) * np.sin(theta)) + 0.5
    low = rng.uniform(0.45, 0.65)
    light = low + (1 - low) * np.clip(along, 0, 1)
    cx, cy, r = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(0.2, 0.4) * width
    shadow = 1 - 0.25 * np.exp(-(((xs - cx) ** 2 + (ys - cy) ** 2) / (r * r)))
    lit = np.asarray(image, np.float32) * (light * shadow)[..., None]
    return Image.fromarray(np.clip(lit, 0, 255).round().astype(np.uint8), "RGB"), f"uneven light down to x{low:.2f}, a shadow"


_STEPS: dict[str, Step] = {
    "margin": _margin,
    "cut": _cut,
    "blur": _blur,
    "jpeg": _jpeg,
    "rotate": _rotate,
    "uneven_light": _uneven_light,
}


def scan_card(card: Image.Image, *, variant: str, rng: random.Random) -> Scan:
    """The card scanned, then damaged as variant says ("clean" and the invalid variants: the scan alone)."""
    image, note = flat_scan(card.convert("RGB"), rng)
    step = _STEPS.get(variant)
    if step is None:
        return Scan(image, note)
    damaged, more = step(image, rng)
    hidden: tuple[str, ...] = ()
    if variant == "cut":
        top = 1 - damaged.height / image.height
        hidden = tuple(name for name, reach in _CUT_AWAY if top > reach)
    return Scan(damaged, f"{note}; {more}", hidden)
