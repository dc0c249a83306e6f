"""Upload checks on crafted files: polyglots, lying content types, metadata, and what is stored instead."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from services.api.uploads import check_upload
from services.platform.errors import DocumentError

LIMITS = {"max_bytes": 2_000_000, "max_pixels": 4_000_000}


def card(mode: str = "RGB", size: tuple[int, int] = (320, 200)) -> Image.Image:
    image = Image.new(mode, size, 255 if mode in ("L", "CMYK") else (200, 220, 240)[: len(mode)] if mode != "CMYK" else 0)
    image.paste(0 if mode == "L" else (10, 10, 10)[: len(mode)], (20, 20, 120, 60))
    return image


def encoded(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def with_png_chunk(png: bytes, kind: bytes, body: bytes) -> bytes:
    """Insert a chunk right after IHDR (offset 8 + 25)."""
    return png[:33] + png_chunk(kind, body) + png[33:]


def with_jpeg_comment(jpeg: bytes, text: bytes) -> bytes:
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + jpeg[2:]


def refusal(data: bytes, **kwargs: object) -> str:
    with pytest.raises(DocumentError) as caught:
        check_upload(data, **{**LIMITS, **kwargs})  # type: ignore[arg-type]
    assert caught.value.message
    return caught.value.code


ZIP = b"PK\x03\x04" + b"\x14\x00" * 10 + b"payload.html" + b"\x00" * 40


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("jpeg followed by a zip", encoded(card(), "JPEG") + ZIP),
        ("png followed by a zip", encoded(card(), "PNG") + ZIP),
        ("png followed by html", encoded(card(), "PNG") + b"<html><script>alert(1)</script></html>"),
        ("jpeg followed by a pdf", encoded(card(), "JPEG") + b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"),
        ("jpeg comment holding script", with_jpeg_comment(encoded(card(), "JPEG"), b"<script>alert(1)</script>")),
        ("png text chunk holding html", with_png_chunk(encoded(card(), "PNG"), b"tEXt", b"Comment\x00<HTML><body>x")),
        ("jpeg comment with a javascript url", with_jpeg_comment(encoded(card(), "JPEG"), b"javascript:alert(1)")),
    ],
)
def test_polyglots_are_refused(name: str, data: bytes) -> None:
    assert refusal(data) == "polyglot_file", name


@pytest.mark.parametrize(
    ("declared", "data"),
    [
        ("image/png", encoded(card(), "JPEG")),
        ("image/jpeg", encoded(card(), "PNG")),
        ("text/html", encoded(card(), "PNG")),
        ("application/pdf", encoded(card(), "JPEG")),
        ("image/gif", encoded(card(), "PNG")),
    ],
)
def test_a_content_type_that_lies_about_the_bytes_is_refused(declared: str, data: bytes) -> None:
    assert refusal(data, declared_type=declared) == "content_type_mismatch"


@pytest.mark.parametrize("declared", [None, "", "application/octet-stream", "image/jpg", "IMAGE/JPEG; charset=x"])
def test_unspecific_or_aliased_declarations_are_accepted(declared: str | None) -> None:
    assert check_upload(encoded(card(), "JPEG"), declared_type=declared, **LIMITS).content_type == "image/jpeg"


def test_truncated_jpeg_without_its_end_marker_is_refused() -> None:
    jpeg = encoded(card(), "JPEG")
    assert refusal(jpeg[: len(jpeg) // 2]) == "image_undecodable"
    assert refusal(jpeg[:-2]) == "image_undecodable"


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.97])
@pytest.mark.parametrize("options", [{"quality": 90}, {"quality": 70, "subsampling": 0}])
def test_a_jpeg_cut_inside_its_data_and_given_an_end_marker_is_refused(keep: float, options: dict[str, int]) -> None:
    """libjpeg decodes it with the missing blocks filled and only warns; the scan's own block count says no."""
    buffer = io.BytesIO()
    card().save(buffer, format="JPEG", **options)
    jpeg = buffer.getvalue()
    assert check_upload(jpeg, **LIMITS).content_type == "image/jpeg"  # the whole file passes
    assert refusal(jpeg[: int(len(jpeg) * keep)] + b"\xff\xd9") == "image_undecodable"


def test_a_jpeg_with_restart_markers_or_in_grey_passes_whole_and_not_cut() -> None:
    import cv2
    import numpy as np

    colour = np.asarray(card().convert("RGB"))
    _, restarts = cv2.imencode(".jpg", colour, [cv2.IMWRITE_JPEG_RST_INTERVAL, 3])
    grey = encoded(card().convert("L"), "JPEG")
    for jpeg in (restarts.tobytes(), grey):
        assert check_upload(jpeg, **LIMITS).content_type == "image/jpeg"
        assert refusal(jpeg[: len(jpeg) // 2] + b"\xff\xd9") == "image_undecodable"


def test_padding_after_the_image_is_tolerated_and_dropped() -> None:
    checked = check_upload(encoded(card(), "JPEG") + b"\x00" * 64, **LIMITS)
    assert checked.data.endswith(b"\xff\xd9")


def test_stored_copy_drops_metadata_and_applies_the_orientation() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {2: (6.0, 10.0, 0.0)}  # GPS info
    original = encoded(card(size=(320, 200)), "JPEG", exif=exif, quality=95)
    checked = check_upload(original, **LIMITS)
    with Image.open(io.BytesIO(checked.data)) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (200, 320)  # upright, as the phone displayed it
        assert not stored.getexif()
    assert b"PhoneMaker" not in checked.data and (checked.width, checked.height) == (320, 200)


def test_jpeg_with_an_exif_thumbnail_is_not_cut_at_the_thumbnails_end_marker() -> None:
    thumbnail = encoded(card(size=(80, 50)), "JPEG")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    original = encoded(card(), "JPEG", exif=exif.tobytes() + thumbnail)
    assert check_upload(original, **LIMITS).content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("mode", "fmt", "options", "stored_mode"),
    [
        ("RGB", "JPEG", {"progressive": True}, "RGB"),
        ("CMYK", "JPEG", {}, "RGB"),
        ("L", "PNG", {}, "L"),
        ("RGBA", "PNG", {}, "RGB"),
        ("P", "PNG", {}, "RGB"),
    ],
)
def test_common_variants_are_accepted_and_stored_as_grey_or_rgb(
    mode: str, fmt: str, options: dict[str, object], stored_mode: str
) -> None:
    image = Image.new("RGB", (320, 200), (200, 220, 240)).convert(mode)
    checked = check_upload(encoded(image, fmt, **options), **LIMITS)
    with Image.open(io.BytesIO(checked.data)) as stored:
        assert stored.format == fmt and stored.mode == stored_mode and stored.size == (320, 200)


def test_png_pixels_survive_the_re_encoding_exactly() -> None:
    image = card()
    checked = check_upload(encoded(image, "PNG"), **LIMITS)
    with Image.open(io.BytesIO(checked.data)) as stored:
        assert stored.tobytes() == image.tobytes()
