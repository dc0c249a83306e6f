"""Phone photos of drawn cards: the card on wood, cloth, paper or a desk, 25-60% of a 1280x960 to 4000x3000 frame,
in perspective, turned (sideways and upside down too), with rounded corners, a shadow, uneven light, glare, a
finger over a corner, focus blur, sensor noise, JPEG 60-90 and sometimes an EXIF orientation instead of turned
pixels. Reproducible from the rng; the card's corners in the delivered (EXIF-applied) image are kept as truth.

`moderate` photos are what a careful user takes; `hard` ones what a hurried one does (smaller, steeper, glare
over the text, a finger, more blur). Non-card photos show a surface with things on it but no card.
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

PHOTO_SIZES = ((1280, 960), (1600, 1200), (2048, 1536), (3264, 2448), (4000, 3000))
SURFACES = ("wood", "cloth", "paper", "desk", "dark")
# EXIF Orientation values for a photo taken sideways or upside down: 6 = turn 90 clockwise to view, 3 = 180, 8 = 270.
EXIF_TURNS = {6: 90, 3: 180, 8: 270}
CARD_RENDER_WIDTH = 1400  # cards are drawn at this width and scaled by the perspective warp
CORNER_RADIUS = 3.18 / 85.60  # ID-1 corner radius as a fraction of the width


@dataclass(frozen=True)
class Photo:
    """A photo, where the card's corners are in it (TL, TR, BR, BL of the upright card; none for a non-card
    photo), how it was made, and the EXIF orientation to write with it (None: pixels as seen)."""

    image: Image.Image
    corners: tuple[tuple[float, float], ...] = ()
    turned: int = 0  # the card's orientation in the scene: 0, 90, 180 or 270 degrees clockwise
    exif_orientation: int | None = None
    jpeg_quality: int = 85
    note: str = ""
    extra: dict[str, float] = field(default_factory=dict)


def _np_rng(rng: random.Random) -> np.random.Generator:
    return np.random.default_rng(rng.getrandbits(64))


def surface(kind: str, size: tuple[int, int], rng: random.Random) -> np.ndarray:
    """A textured surface (RGB float32): drawn at a quarter of the size and scaled up, as texture is soft anyway."""
    width, height = size
    w, h = max(8, width // 4), max(8, height // 4)
    noise = _np_rng(rng)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "wood":
        base = np.array(rng.choice(((150, 105, 64), (118, 80, 48), (176, 132, 86))), np.float32)
        grain = np.sin(ys / rng.uniform(3, 7) + 3 * np.sin(xs / rng.uniform(40, 90))) * 18
        image = base + grain[..., None] * np.array([1.0, 0.8, 0.6]) + noise.normal(0, 6, (h, w, 1))
    elif kind == "cloth":
        base = np.array(rng.choice(((70, 90, 140), (150, 60, 60), (80, 120, 80), (180, 170, 150))), np.float32)
        weave = (np.sin(xs * rng.uniform(1.2, 2.0)) * np.sin(ys * rng.uniform(1.2, 2.0))) * 20
        image = base + weave[..., None] + noise.normal(0, 8, (h, w, 1))
    elif kind == "paper":
        image = np.array((236, 234, 228), np.float32) + noise.normal(0, 4, (h, w, 1)) + np.zeros((h, w, 3), np.float32)
    elif kind == "desk":
        image = np.array(rng.choice(((168, 168, 172), (120, 122, 128))), np.float32) + noise.normal(0, 5, (h, w, 3))
    else:
        image = np.array((38, 36, 42), np.float32) + noise.normal(0, 5, (h, w, 3))
    return cv2.resize(np.clip(image, 0, 255).astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)


def _rounded_mask(width: int, height: int) -> np.ndarray:
    mask = np.zeros((height, width), np.uint8)
    radius = max(1, round(CORNER_RADIUS * width))
    cv2.rectangle(mask, (radius, 0), (width - 1 - radius, height - 1), 255, -1)
    cv2.rectangle(mask, (0, radius), (width - 1, height - 1 - radius), 255, -1)
    for cx, cy in ((radius, radius), (width - 1 - radius, radius), (radius, height - 1 - radius), (width - 1 - radius, height - 1 - radius)):
        cv2.circle(mask, (cx, cy), radius, 255, -1, cv2.LINE_AA)
    return mask


def _quad(size: tuple[int, int], card_aspect: float, *, share: float, turned: int, tilt: float, skew: float, rng: random.Random) -> np.ndarray:
    """Where the card's corners (TL, TR, BR, BL of the upright card) land in the scene."""
    width, height = size
    area = share * width * height
    card_w = math.sqrt(area / card_aspect)
    card_h = card_w * card_aspect
    angle = math.radians(turned + rng.uniform(-tilt, tilt))
    half = np.array([[-card_w / 2, -card_h / 2], [card_w / 2, -card_h / 2], [card_w / 2, card_h / 2], [-card_w / 2, card_h / 2]])
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    corners = half @ rotation.T
    # Perspective: one side nearer the camera (a little longer), every corner a little off.
    side = rng.randrange(4)
    corners[side] *= 1 + skew
    corners[(side + 1) % 4] *= 1 + skew
    corners += np.array([[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(4)]) * skew * 0.25 * card_w
    extent = np.abs(corners).max(axis=0)
    room = np.array([width / 2, height / 2]) * 0.96  # the whole card in the frame, with a little margin
    if (extent > room).any():
        corners *= float((room / extent).min())
        extent = np.abs(corners).max(axis=0)
    margin_x, margin_y = max(0.0, room[0] - extent[0]), max(0.0, room[1] - extent[1])
    centre = np.array([width / 2 + rng.uniform(-margin_x, margin_x), height / 2 + rng.uniform(-margin_y, margin_y)])
    return corners + centre


def _glare(image: np.ndarray, rng: random.Random, *, centre: tuple[float, float], radius: float, strength: float) -> None:
    height, width = image.shape[:2]
    ys, xs = np.ogrid[0:height, 0:width]
    ratio = rng.uniform(0.5, 1.0)
    r2 = ((xs - centre[0]) / radius) ** 2 + ((ys - centre[1]) / (radius * ratio)) ** 2
    alpha = (strength * np.clip(np.exp(-np.maximum(r2 - 0.3, 0) * 2.0), 0, 1)).astype(np.float32)
    image += (255 - image) * alpha[..., None]


def photograph(card: Image.Image, *, rng: random.Random, hard: bool, card_aspect: float) -> Photo:
    """card (RGB, drawn upright) photographed on a surface."""
    size = rng.choice(PHOTO_SIZES)
    width, height = size
    kind = rng.choice(SURFACES)
    scene = surface(kind, size, rng)
    turned = rng.choice((0, 0, 90, 180, 270))
    share = rng.uniform(0.25, 0.35) if hard else rng.uniform(0.35, 0.6)
    tilt, skew = (25.0, rng.uniform(0.06, 0.14)) if hard else (10.0, rng.uniform(0.0, 0.06))
    corners = _quad(size, card_aspect, share=share, turned=turned, tilt=tilt, skew=skew, rng=rng)
    pixels = np.asarray(card.convert("RGB"), np.float32)
    ch, cw = pixels.shape[:2]
    source = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], np.float32)
    matrix = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    warped = cv2.warpPerspective(pixels, matrix, size, flags=cv2.INTER_LINEAR)
    alpha = cv2.warpPerspective(_rounded_mask(cw, ch).astype(np.float32) / 255, matrix, size, flags=cv2.INTER_LINEAR)
    # A soft shadow under the card, then the card.
    shadow = cv2.GaussianBlur(np.roll(alpha, (round(0.01 * height), round(0.008 * width)), (0, 1)), (0, 0), 0.01 * width)
    scene *= (1 - 0.35 * shadow)[..., None]
    scene = scene * (1 - alpha[..., None]) + warped * alpha[..., None]
    notes = [f"{width}x{height} photo on {kind}, card {share:.0%} of it, turned {turned}, perspective {skew:.2f}"]
    # Light: brighter on one side, and for hard photos a shadow across.
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    theta = rng.uniform(0, 2 * math.pi)
    along = (xs / width - 0.5) * math.cos(theta) + (ys / height - 0.5) * math.sin(theta) + 0.5
    low = rng.uniform(0.5, 0.7) if hard else rng.uniform(0.75, 0.9)
    light = low + (1 - low) * np.clip(along, 0, 1)
    if hard:
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        light *= 1 - 0.3 * np.exp(-(((xs - cx) ** 2 + (ys - cy) ** 2) / (0.3 * width) ** 2))
    scene *= light[..., None]
    card_centre = corners.mean(axis=0)
    card_size = float(np.linalg.norm(corners[1] - corners[0]))
    glare_spot = None
    if hard and rng.random() < 0.6:  # over the card's text
        glare_spot = (card_centre + rng.uniform(-0.25, 0.15) * card_size, rng.uniform(0.06, 0.1) * card_size)
    elif rng.random() < 0.4:  # off the card: on the surface beyond a corner
        corner = corners[rng.randrange(4)]
        glare_spot = (corner + (corner - card_centre) * 0.45, rng.uniform(0.04, 0.07) * card_size)
    if glare_spot is not None:
        (gx, gy), radius = glare_spot
        _glare(scene, rng, centre=(float(gx), float(gy)), radius=radius, strength=rng.uniform(0.7, 0.95))
        notes.append("glare")
    if hard and rng.random() < 0.4:
        corner = corners[rng.randrange(4)]
        axes = (round(0.05 * card_size), round(0.11 * card_size))
        angle = math.degrees(math.atan2(*(corner - card_centre)[::-1]))
        cv2.ellipse(scene, (round(corner[0]), round(corner[1])), axes, angle, 0, 360, (190, 140, 115), -1, cv2.LINE_AA)
        notes.append("a finger over a corner")
    sigma = (rng.uniform(1.0, 2.2) if hard else rng.uniform(0.4, 1.0)) * width / 2000
    scene = cv2.GaussianBlur(scene, (0, 0), sigma)
    scene += _np_rng(rng).normal(0, rng.uniform(2, 5), scene.shape).astype(np.float32)
    image = Image.fromarray(np.clip(scene, 0, 255).round().astype(np.uint8), "RGB")
    quality = rng.randint(60, 90)
    notes.append(f"blur {sigma:.1f} px, JPEG {quality}")
    exif = None
    if rng.random() < 0.2:
        exif = rng.choice(tuple(EXIF_TURNS))
        notes.append(f"EXIF orientation {exif}")
    return Photo(
        image=image,
        corners=tuple((float(x), float(y)) for x, y in corners),
        turned=turned,
        exif_orientation=exif,
        jpeg_quality=quality,
        note="; ".join(notes),
    )


def no_card(rng: random.Random) -> Photo:
    """A surface with a few things on it (a mug seen from above, a pen, a receipt) and no card."""
    size = rng.choice(PHOTO_SIZES)
    width, height = size
    scene = surface(rng.choice(SURFACES), size, rng)
    for _ in range(rng.randint(1, 3)):
        shape = rng.choice(("mug", "pen", "receipt"))
        x, y = rng.uniform(0.2, 0.8) * width, rng.uniform(0.2, 0.8) * height
        colour = tuple(float(rng.randrange(40, 230)) for _ in range(3))
        if shape == "mug":
            cv2.circle(scene, (round(x), round(y)), round(0.12 * height), colour, -1, cv2.LINE_AA)
        elif shape == "pen":
            cv2.line(scene, (round(x), round(y)), (round(x + 0.3 * width), round(y + 0.05 * height)), colour, max(3, width // 150))
        else:
            w, h = 0.12 * width, 0.3 * height
            cv2.rectangle(scene, (round(x), round(y)), (round(x + w), round(y + h)), (245, 245, 240), -1)
    scene = cv2.GaussianBlur(scene, (0, 0), 0.6 * width / 2000) + _np_rng(rng).normal(0, 3, scene.shape).astype(np.float32)
    return Photo(image=Image.fromarray(np.clip(scene, 0, 255).astype(np.uint8), "RGB"), note="a surface, no card")


def encode(photo: Photo) -> bytes:
    """The photo as the phone saves it: JPEG, and with an EXIF orientation the pixels stored turned back so that
    a viewer applying the tag (as the upload does) shows the scene as photographed."""
    image = photo.image
    exif = Image.Exif()
    if photo.exif_orientation is not None:
        # Stored pixels: the scene turned the other way; the tag tells a viewer how to turn them upright.
        turn = EXIF_TURNS[photo.exif_orientation]
        image = image.rotate(turn, expand=True)  # PIL rotates counter-clockwise: undo a clockwise view turn
        exif[0x0112] = photo.exif_orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=photo.jpeg_quality, exif=exif.tobytes())
    return buffer.getvalue()
