"""Preprocessing: deskew recovers a known tilt; bad bytes are refused with a code."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest

from devtools.samples.identity import random_ktp_fields
from devtools.samples.render import render_ktp
from services.pipeline.preprocess import (
    decode_image,
    estimate_skew,
    measure_quality,
    normalise_width,
    preprocess,
)
from services.platform.errors import DocumentError


@pytest.fixture(scope="module")
def card_bgr() -> np.ndarray:
    image = render_ktp(random_ktp_fields(random.Random(3)))
    return cv2.cvtColor(np.asarray(image.convert("RGB")), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="module")
def card_gray(card_bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(card_bgr, cv2.COLOR_BGR2GRAY)


@pytest.mark.parametrize("angle", [-8.0, -3.5, 0.0, 2.0, 6.0])
def test_deskew_recovers_a_known_rotation(card_gray: np.ndarray, angle: float) -> None:
    height, width = card_gray.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    tilted = cv2.warpAffine(card_gray, matrix, (width, height), borderValue=120)  # a darker table behind the card
    assert estimate_skew(tilted) == pytest.approx(-angle, abs=0.5)


def test_preprocess_returns_normalised_grey_card(card_gray: np.ndarray) -> None:
    colour = cv2.cvtColor(card_gray, cv2.COLOR_GRAY2BGR)
    big = cv2.resize(colour, (2000, 1260))
    gray, quality, skew = preprocess(big, card_width=1000)
    assert gray.ndim == 2 and gray.shape[1] == 1000
    assert quality.width == 1000 and abs(skew) < 0.5


def test_quality_tells_sharp_from_blurred(card_gray: np.ndarray) -> None:
    sharp = measure_quality(card_gray)
    blurred = measure_quality(cv2.GaussianBlur(card_gray, (0, 0), 4))
    assert blurred.sharpness < sharp.sharpness / 5


def test_sharpness_is_the_variance_of_the_laplacian(card_gray: np.ndarray) -> None:
    """Scores were calibrated on numpy's variance of the float64 Laplacian; the cheaper int16 pass must agree."""
    expected = float(cv2.Laplacian(card_gray, cv2.CV_64F).var())
    assert measure_quality(card_gray).sharpness == pytest.approx(expected, rel=1e-9)


def test_normalise_width_keeps_aspect_ratio() -> None:
    assert normalise_width(np.zeros((300, 500), np.uint8), width=1000).shape == (600, 1000)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"%PDF-1.7 not an image", "image_undecodable"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "image_undecodable"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 40, "image_undecodable"),
    ],
)
def test_undecodable_bytes_are_refused_with_a_code(data: bytes, code: str) -> None:
    with pytest.raises(DocumentError) as caught:
        decode_image(data, max_pixels=10_000_000)
    assert caught.value.code == code


@pytest.mark.parametrize("ext", [".png", ".jpg"])
def test_oversized_image_is_refused(ext: str) -> None:
    ok, encoded = cv2.imencode(ext, np.zeros((200, 200), np.uint8))
    assert ok
    with pytest.raises(DocumentError) as caught:
        decode_image(encoded.tobytes(), max_pixels=10_000)
    assert caught.value.code == "image_too_large"


def test_a_jpeg_is_decoded_in_colour_for_the_ink_image(card_bgr: np.ndarray) -> None:
    """The readers need colour: the ink image is each pixel's brightest channel, which a luma decode has lost."""
    ok, jpeg = cv2.imencode(".jpg", card_bgr, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    decoded = decode_image(jpeg.tobytes(), max_pixels=10_000_000)
    assert decoded.shape == card_bgr.shape


def test_the_ink_image_lifts_a_blue_print_and_keeps_black_ink() -> None:
    """Light blue guilloche (brightest in blue) comes out near the paper; near-black ink stays near-black."""
    image = np.zeros((20, 30, 3), np.uint8)
    image[:, :10] = (236, 208, 181)  # BGR: the e-KTP guilloche's light blue
    image[:, 10:20] = (249, 236, 222)  # the card's paper
    image[:, 20:] = (33, 27, 28)  # ink
    ink, _, _ = preprocess(image, card_width=30)
    luma = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    assert abs(int(ink[5, 5]) - int(ink[5, 15])) < abs(int(luma[5, 5]) - int(luma[5, 15]))
    assert ink[5, 25] < 40
