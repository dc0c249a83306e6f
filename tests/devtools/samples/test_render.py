"""Rendered cards have the ID-1 size, keep text clear of the photo, and fail clearly without fonts."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from devtools.samples.identity import random_ktp_fields, random_npwp_fields
from devtools.samples.render import (
    CARD_SIZE,
    KTP_PHOTO_BOX,
    render_blank,
    render_ktp,
    render_npwp,
    render_random,
)
from services.pipeline.fonts import FontFile, font_path

DARK = 100  # grey level below which a pixel counts as ink


def _ink(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L")) < DARK


def test_ktp_text_stays_left_of_the_photo_box() -> None:
    header_bottom = 100  # the centred province/city lines sit above the photo
    for seed in range(20):
        ink = _ink(render_ktp(random_ktp_fields(random.Random(seed))))
        assert not ink[header_bottom:, KTP_PHOTO_BOX[0] - 20 :].any(), seed


def test_cards_have_the_id1_size_and_ink() -> None:
    rng = random.Random(1)
    for image in (render_ktp(random_ktp_fields(rng)), render_npwp(random_npwp_fields(rng))):
        assert image.size == CARD_SIZE
        assert image.mode == "RGB"
        assert 0.01 < _ink(image).mean() < 0.2


def test_ktp_background_is_pale_blue_and_npwp_pale() -> None:
    ktp = np.asarray(render_blank("ktp"), dtype=float).reshape(-1, 3).mean(axis=0)
    npwp = np.asarray(render_blank("npwp"), dtype=float).reshape(-1, 3).mean(axis=0)
    assert ktp[2] > ktp[0] + 20 and ktp.min() > 180
    assert npwp.min() > 220


@pytest.mark.parametrize("doc_type", ["ktp", "npwp"])
def test_blank_card_has_no_text(doc_type: str) -> None:
    image = render_blank(doc_type)
    assert image.size == CARD_SIZE
    assert not _ink(image).any()


def test_blank_rejects_unknown_doc_type() -> None:
    with pytest.raises(ValueError, match="passport"):
        render_blank("passport")


def test_random_image_is_card_sized_colourful_and_seeded() -> None:
    first, again, other = (render_random(random.Random(s)) for s in (5, 5, 6))
    assert first.size == CARD_SIZE
    assert first.tobytes() == again.tobytes()
    assert first.tobytes() != other.tobytes()
    assert np.asarray(first).std() > 40


def test_missing_fonts_name_the_debian_package(tmp_path: Path) -> None:
    absent = FontFile("DejaVuSans.ttf", "fonts-dejavu-core", (str(tmp_path),))
    with pytest.raises(RuntimeError, match="fonts-dejavu-core"):
        font_path(absent)
