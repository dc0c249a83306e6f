"""What the capture step tells the app: each reason code on the photo that earns it, and none on a good one."""

from __future__ import annotations

import io
import random

import cv2
import numpy as np
from PIL import Image, ImageOps

from devtools.samples.generate import generate_sample
from services.pipeline.capture import capture_card, glare_share
from tests.services.pipeline.conftest import ektp_fields, ektp_image

WIDTH = 1000


def _photo(seed: int, variant: str = "photo") -> np.ndarray:
    image, _ = generate_sample(design="ektp", variant=variant, index=1, rng=random.Random(seed))
    with Image.open(io.BytesIO(image.info["encoded"])) as stored:
        return np.asarray(ImageOps.exif_transpose(stored).convert("RGB"))[:, :, ::-1].copy()


def _on_table(card: np.ndarray, *, frame: tuple[int, int], at: tuple[int, int]) -> np.ndarray:
    """card placed flat on a dark wooden-brown table of frame (width, height), its top-left at at."""
    scene = np.full((frame[1], frame[0], 3), (40, 70, 110), np.uint8)
    x, y = at
    h, w = card.shape[:2]
    visible = scene[max(0, y) : y + h, max(0, x) : x + w]
    visible[:] = card[max(0, -y) : max(0, -y) + visible.shape[0], max(0, -x) : max(0, -x) + visible.shape[1]]
    return scene


def test_a_good_photo_has_no_complaint() -> None:
    shot = capture_card(_photo(2), card_width=WIDTH)
    assert shot.found and shot.problems == ()
    assert shot.card.shape[1] == WIDTH


def test_no_card() -> None:
    shot = capture_card(_photo(1, "no_card"), card_width=WIDTH)
    assert not shot.found and shot.problems == ("card_not_found",)


def test_a_card_too_small_in_the_photo() -> None:
    card = ektp_image(ektp_fields(4), width=420)
    shot = capture_card(_on_table(card, frame=(1600, 1200), at=(500, 400)), card_width=WIDTH)
    assert shot.found and "card_too_small" in shot.problems


def test_a_card_cut_off_by_the_frame() -> None:
    card = ektp_image(ektp_fields(5), width=900)
    shot = capture_card(_on_table(card, frame=(1280, 960), at=(-40, 200)), card_width=WIDTH)
    assert shot.found and "cut_off" in shot.problems


def test_glare_on_the_fields() -> None:
    card = ektp_image(ektp_fields(6), width=WIDTH).astype(np.float32)
    assert glare_share(card.astype(np.uint8)) < 0.01
    h, w = card.shape[:2]
    ys, xs = np.ogrid[0:h, 0:w]
    spot = np.exp(-(((xs - 0.35 * w) / (0.08 * w)) ** 2 + ((ys - 0.5 * h) / (0.08 * w)) ** 2))
    card += (255 - card) * (0.95 * np.clip(spot * 1.5, 0, 1))[..., None]
    shot = capture_card(_on_table(card.astype(np.uint8), frame=(1600, 1200), at=(300, 280)), card_width=WIDTH)
    assert "glare_on_fields" in shot.problems


def test_too_blurry_and_too_dark() -> None:
    card = ektp_image(ektp_fields(7), width=WIDTH)
    blurred = cv2.GaussianBlur(card, (0, 0), 6)
    assert "too_blurry" in capture_card(_on_table(blurred, frame=(1600, 1200), at=(300, 280)), card_width=WIDTH).problems
    dark = (card.astype(np.float32) * 0.25).astype(np.uint8)
    assert "too_dark" in capture_card(_on_table(dark, frame=(1600, 1200), at=(300, 280)), card_width=WIDTH).problems


def test_no_sliver_of_the_surface_is_left_along_the_edges() -> None:
    """Corners a pixel outside the card would leave a dark line that Tesseract reads as `|` before every label."""
    card = ektp_image(ektp_fields(8), width=WIDTH)
    shot = capture_card(_on_table(card, frame=(1600, 1200), at=(301, 279)), card_width=WIDTH)
    rim = np.concatenate([shot.card[:4].reshape(-1, 3), shot.card[-4:].reshape(-1, 3)])
    rim = np.concatenate([rim, shot.card[:, :4].reshape(-1, 3), shot.card[:, -4:].reshape(-1, 3)])
    assert rim.min() > 150  # card paper (light), never the dark table (40, 70, 110)
