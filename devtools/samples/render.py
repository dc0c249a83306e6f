"""Draws KTP and NPWP cards from field values with a layout Tesseract reads line by line."""

from __future__ import annotations

import random
from collections.abc import Mapping
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from devtools.samples.fonts import load_font

CARD_SIZE = (1000, 630)  # ID-1 ratio (85.6 x 54 mm)
INK = (22, 26, 36)
KTP_BACKGROUND = (203, 226, 244)
NPWP_BACKGROUND = (250, 249, 243)
NPWP_BAND = (238, 222, 172)
PHOTO_BOX = (196, 204, 214)
PHOTO_SILHOUETTE = (178, 188, 200)
DOC_TYPES = ("ktp", "npwp")

# KTP geometry: text column on the left, photo on the right, never sharing x-extent with text.
KTP_LABEL_X = 34
KTP_PHOTO_BOX = (772, 150, 952, 390)
KTP_TEXT_RIGHT = KTP_PHOTO_BOX[0] - 28
KTP_FIELD_SIZE = 26  # DejaVu cap height is 0.73 em, so 19 px; 25 px misread a digit now and then
KTP_FIRST_BASELINE = 172
KTP_PITCH = 36
KTP_VALUE_GAP = 20
# A lone one-letter value on its own line OCRs badly ("Gol. Darah : A" -> "Gol. Darah tA"); at the
# end of the gender line, as on real cards, it reads reliably if kept well clear of PEREMPUAN.
KTP_BLOOD_GAP = 40

KTP_LINES: tuple[tuple[str, str], ...] = (
    ("Nama", "name"),
    ("Tempat/Tgl Lahir", "birth"),
    ("Jenis Kelamin", "gender"),  # shares its line with Gol. Darah, as on real cards
    ("Alamat", "address"),
    ("RT/RW", "rt_rw"),
    ("Kel/Desa", "village"),
    ("Kecamatan", "district"),
    ("Agama", "religion"),
    ("Status Perkawinan", "marital_status"),
    ("Pekerjaan", "occupation"),
    ("Kewarganegaraan", "nationality"),
    ("Berlaku Hingga", "valid_until"),
)

NPWP_LABEL_X = 48
NPWP_TEXT_RIGHT = CARD_SIZE[0] - 40
# Measured with Tesseract 5.3 (ind+eng): 26 px text 48 px apart with the value 26 px past the
# colon reads perfectly with --psm 6; larger text or a narrower gap makes --psm 4 read ":" as "1".
NPWP_FIELD_SIZE = 26
NPWP_VALUE_GAP = 26
NPWP_LINES: tuple[tuple[str, str, int], ...] = (  # label, field key, baseline
    ("Nama", "name", 256),
    ("NIK", "nik", 304),
    ("Alamat", "address", 352),
    ("KPP", "kpp", 400),
    ("Terdaftar", "registered", 448),
)
MIN_FIELD_SIZE = 19


def _fitted_font(text: str, *, size: int, bold: bool, max_width: float) -> ImageFont.FreeTypeFont:
    """The largest font no bigger than size (down to MIN_FIELD_SIZE) in which text fits max_width."""
    font = load_font(size, bold=bold)
    while size > MIN_FIELD_SIZE and font.getlength(text) > max_width:
        size -= 1
        font = load_font(size, bold=bold)
    return font


def _draw_field(
    draw: ImageDraw.ImageDraw,
    *,
    label: str,
    value: str,
    baseline: int,
    columns: tuple[int, int, int, int],
    size: int,
    value_size: int | None = None,
    bold: bool = False,
) -> None:
    label_x, colon_x, value_x, right = columns
    label_font = load_font(size, bold=bold)
    draw.text((label_x, baseline), label, font=label_font, fill=INK, anchor="ls")
    draw.text((colon_x, baseline), ":", font=label_font, fill=INK, anchor="ls")
    value_font = _fitted_font(value, size=value_size or size, bold=bold, max_width=right - value_x)
    draw.text((value_x, baseline), value, font=value_font, fill=INK, anchor="ls")


def _columns(
    labels: tuple[str, ...], *, label_x: int, size: int, value_gap: int, right: int
) -> tuple[int, int, int, int]:
    """x of label, colon, value and the value's right limit: colons aligned past the widest label."""
    widest = max(load_font(size).getlength(label) for label in labels)
    colon_x = int(label_x + widest + 14)
    return label_x, colon_x, colon_x + value_gap, right


def _vertical_gradient(
    size: tuple[int, int], *, top: tuple[int, int, int], bottom: tuple[int, int, int]
) -> Image.Image:
    width, height = size
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    rows = (1 - t) * np.array(top, np.float32) + t * np.array(bottom, np.float32)
    return Image.fromarray(np.broadcast_to(rows, (height, width, 3)).round().astype(np.uint8), "RGB")


@cache
def _template(doc_type: str) -> Image.Image:
    """The empty card (background, decoration, photo box); cached, so callers must copy it.

    No outlines: under noise Tesseract reads a card border as a column of "|".
    """
    if doc_type == "ktp":
        card = _vertical_gradient(CARD_SIZE, top=(214, 234, 248), bottom=KTP_BACKGROUND)
        _draw_photo(ImageDraw.Draw(card))
    elif doc_type == "npwp":
        card = Image.new("RGB", CARD_SIZE, NPWP_BACKGROUND)
        draw = ImageDraw.Draw(card)
        draw.rectangle((0, 0, CARD_SIZE[0], 12), fill=NPWP_BAND)
        draw.rectangle((0, CARD_SIZE[1] - 12, CARD_SIZE[0], CARD_SIZE[1]), fill=NPWP_BAND)
    else:
        raise ValueError(f"unknown doc_type {doc_type!r}; expected one of {DOC_TYPES}")
    return card


def _draw_photo(draw: ImageDraw.ImageDraw) -> None:
    """A grey photo box with a head-and-shoulders silhouette, light enough to binarise away.

    Darker, its edges turn into stray letters at the ends of the text lines beside it.
    """
    x0, y0, x1, y1 = KTP_PHOTO_BOX
    draw.rectangle(KTP_PHOTO_BOX, fill=PHOTO_BOX)
    cx = (x0 + x1) // 2
    draw.ellipse((cx - 42, y0 + 40, cx + 42, y0 + 140), fill=PHOTO_SILHOUETTE)
    draw.chord((cx - 82, y0 + 150, cx + 82, y1 + 90), start=180, end=360, fill=PHOTO_SILHOUETTE)


def _centred(draw: ImageDraw.ImageDraw, text: str, *, baseline: int, size: int) -> None:
    draw.text((CARD_SIZE[0] // 2, baseline), text, font=load_font(size, bold=True), fill=INK, anchor="ms")


def render_ktp(fields: Mapping[str, str]) -> Image.Image:
    """A KTP with the given fields (keys as in random_ktp_fields) printed one per line."""
    card = _template("ktp").copy()
    draw = ImageDraw.Draw(card)
    _centred(draw, f"PROVINSI {fields['province']}", baseline=48, size=27)
    _centred(draw, fields["city"], baseline=84, size=27)
    values = dict(fields)
    values["birth"] = f"{fields['birth_place']}, {fields['birth_date']}"
    labels = tuple(label for label, _ in KTP_LINES)
    columns = _columns(labels, label_x=KTP_LABEL_X, size=KTP_FIELD_SIZE, value_gap=KTP_VALUE_GAP, right=KTP_TEXT_RIGHT)
    # Bold 30 px digits (at 32 px Tesseract starts reading a final 8 as 3), 6 px further from the
    # colon than other values (closer, it reads ": 3..." as "1 3..." on a few cards in a hundred).
    label_x, colon_x, value_x, right = columns
    nik_columns = (label_x, colon_x, value_x + 6, right)
    _draw_field(
        draw, label="NIK", value=fields["nik"], baseline=130, columns=nik_columns, size=28, value_size=30, bold=True
    )
    for row, (label, key) in enumerate(KTP_LINES):
        baseline = KTP_FIRST_BASELINE + row * KTP_PITCH
        _draw_field(draw, label=label, value=values[key], baseline=baseline, columns=columns, size=KTP_FIELD_SIZE)
        if key == "gender":
            blood_x = value_x + load_font(KTP_FIELD_SIZE).getlength("PEREMPUAN") + KTP_BLOOD_GAP
            _draw_blood_type(draw, fields["blood_type"], x=blood_x, baseline=baseline)
    return card


def _draw_blood_type(draw: ImageDraw.ImageDraw, blood_type: str, *, x: float, baseline: int) -> None:
    font = load_font(KTP_FIELD_SIZE)
    label = "Gol. Darah"
    colon_x = x + font.getlength(label) + 10
    draw.text((x, baseline), label, font=font, fill=INK, anchor="ls")
    draw.text((colon_x, baseline), ":", font=font, fill=INK, anchor="ls")
    draw.text((colon_x + 20, baseline), blood_type, font=font, fill=INK, anchor="ls")


def render_npwp(fields: Mapping[str, str]) -> Image.Image:
    """An NPWP card with the given fields (keys as in random_npwp_fields)."""
    card = _template("npwp").copy()
    draw = ImageDraw.Draw(card)
    _centred(draw, "KEMENTERIAN KEUANGAN REPUBLIK INDONESIA", baseline=66, size=28)
    _centred(draw, "DIREKTORAT JENDERAL PAJAK", baseline=106, size=28)
    labels = ("NPWP",) + tuple(label for label, _, _ in NPWP_LINES)
    columns = _columns(
        labels, label_x=NPWP_LABEL_X, size=NPWP_FIELD_SIZE, value_gap=NPWP_VALUE_GAP, right=NPWP_TEXT_RIGHT
    )
    _draw_field(
        draw, label="NPWP", value=fields["npwp"], baseline=196, columns=columns, size=30, value_size=32, bold=True
    )
    for label, key, baseline in NPWP_LINES:
        _draw_field(draw, label=label, value=fields[key], baseline=baseline, columns=columns, size=NPWP_FIELD_SIZE)
    return card


def render_blank(doc_type: str) -> Image.Image:
    """The card template of a document type with no text on it at all."""
    return _template(doc_type).copy()


def render_random(rng: random.Random) -> Image.Image:
    """A card-sized image of colour blobs and noise: something that is not a document."""
    np_rng = np.random.default_rng(rng.getrandbits(64))
    coarse = Image.fromarray(np_rng.integers(0, 256, size=(7, 11, 3), dtype=np.uint8), "RGB")
    image = coarse.resize(CARD_SIZE, Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(image)
    width, height = CARD_SIZE
    for _ in range(rng.randint(12, 24)):
        x0, y0 = rng.randrange(-100, width), rng.randrange(-100, height)
        box = (x0, y0, x0 + rng.randint(40, 320), y0 + rng.randint(40, 320))
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.6 else draw.rectangle)(box, fill=colour)
    pixels = np.asarray(image, dtype=np.int16) + np_rng.integers(-24, 25, size=(height, width, 3), dtype=np.int16)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
