"""Reads a registered national e-KTP field by field: each row's value cut out by the layout (the label and colon
columns and the photo column left out, a wrapped address joined), cleaned of the guilloche, and read as one line
in the character set of its field; the NIK by the OCR-A glyph matcher, never by Tesseract.

Reading only the values costs less than reading the whole card (docs/reading.md has the figures), and what
Tesseract never sees it cannot append to a value: the city and date of issue beside the last rows, the labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from services.adapters.ocr import OcrEngine
from services.core import ektp_layout as L
from services.core.fields import normalise_field
from services.core.model import ExtractedField, OcrLine
from services.pipeline.ektp_frame import EktpLayout, RowBand
from services.pipeline.ink import flatten_light
from services.pipeline.ocra import GlyphLineRead, read_glyph_run

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"
# What each row may print: a whitelist keeps the guilloche from being read as stray symbols.
CHARSETS: dict[str, str] = {
    "name": _LETTERS + " .,'-",
    "birth": _LETTERS + _DIGITS + " ,.-",
    "gender": _LETTERS + "-",
    "blood": _LETTERS + _LETTERS.lower() + " .:-0",  # the whole "Gol. Darah : AB" segment
    "address": _LETTERS + _DIGITS + " .,/-()'",
    "rt_rw": _DIGITS + "/",
    "village": _LETTERS + _DIGITS + " .-'()",
    "district": _LETTERS + " .-'()",
    "religion": _LETTERS + " ",
    "marital_status": _LETTERS + " ",
    "occupation": _LETTERS + " /().-",
    "nationality": _LETTERS,
    "valid_until": _LETTERS + _DIGITS + " -",
    "province": _LETTERS + " .",
    "city": _LETTERS + " .",
}
TARGET_CAP_PX = 24  # capitals this tall read best (docs/reading.md: 22-30 px measured)
_PAD_PX = 8
_VALUE_START = L.COLON_X + 0.0075  # just past the colon's ink: a colon in the crop is read as "1", "'" or "-"


@dataclass(frozen=True)
class LineCrop:
    """One value to read: the field it belongs to, its pixels (ready for the engine) and the whitelist."""

    field: str
    image: np.ndarray
    charset: str


@dataclass(frozen=True)
class EktpRead:
    """Fields read from a registered e-KTP and the NIK matcher's own account of every digit."""

    fields: dict[str, ExtractedField]
    nik: GlyphLineRead
    raw: dict[str, str]  # each value's text as read, before normalisation (for people debugging a read)


def read_ektp(gray: np.ndarray, layout: EktpLayout, engine: OcrEngine) -> EktpRead:
    """Every field of the card; a value whose band holds no ink is left out rather than read as noise."""
    cap = layout.rows[0].bottom - layout.rows[0].top
    flat = flatten_light(gray, stroke_px=cap * 0.15)
    crops = cut_values(flat, layout)
    lines = engine.read_line_batch([(crop.image, crop.charset) for crop in crops])
    raw: dict[str, list[OcrLine]] = {}
    for crop, read in zip(crops, lines, strict=True):
        raw.setdefault(crop.field, []).extend(read)
    texts = {name: " ".join(line.text for line in found).strip() for name, found in raw.items()}
    fields: dict[str, ExtractedField] = {}
    for name, found in raw.items():
        if not found or not texts[name]:
            continue
        confidence = min(line.confidence for line in found)
        text = texts[name] if name == "blood" else _strip_edges(texts[name])  # "-" is a blood type
        fields.update(normalise_field(name, text, confidence))
    nik = read_glyph_run(gray, layout.nik_run)
    return EktpRead(fields=fields, nik=nik, raw=texts)


def _strip_edges(text: str) -> str:
    """Punctuation at either end of a value is the colon or the guilloche, never part of a card's value."""
    return text.strip(" '\"`.,:;-_|!")


def cut_values(flat: np.ndarray, layout: EktpLayout) -> list[LineCrop]:
    """The crop of every value line, the blood type and the two header lines, scaled for the engine."""
    frame = layout.frame
    cap = layout.rows[0].bottom - layout.rows[0].top
    crops: list[LineCrop] = []
    for row in layout.rows:
        right = L.BLOOD_X - 0.004 if row.field == "gender" else L.VALUE_RIGHT
        crop = _crop(flat, row, x0=frame.x(_VALUE_START), x1=frame.x(right), cap=cap)
        if crop is not None:
            crops.append(LineCrop(row.field, crop, CHARSETS[row.field]))
        if row.field == "gender":
            blood = _crop(flat, row, x0=frame.x(L.BLOOD_X - 0.005), x1=frame.x(L.VALUE_RIGHT), cap=cap)
            if blood is not None:
                crops.append(LineCrop("blood", blood, CHARSETS["blood"]))
    for name, band, size in (("province", L.PROVINCE_BAND, 0.9), ("city", L.CITY_BAND, 1.0)):
        top = frame.y(band[0])
        header_cap = (band[1] - band[0]) * frame.height * size * 0.75
        header = RowBand(name, top, top + header_cap)
        crop = _crop(flat, header, x0=frame.x(0.12), x1=frame.x(0.88), cap=header_cap)
        if crop is not None:
            crops.append(LineCrop(name, crop, CHARSETS[name]))
    return crops


def _crop(flat: np.ndarray, band: RowBand, *, x0: float, x1: float, cap: float) -> np.ndarray | None:
    """The band's text, trimmed to its ink, scaled so capitals stand TARGET_CAP_PX tall, with a margin of paper."""
    height, width = flat.shape
    top, bottom = round(band.top - 0.3 * cap), round(band.bottom + 0.45 * cap)
    left, right = round(x0), round(x1)
    if top < 0 or bottom > height or left < 0 or right > width or right - left < cap:
        # Part of the band is outside the image (a cut edge): read what is there, if enough is.
        top, bottom, left, right = max(0, top), min(height, bottom), max(0, left), min(width, right)
        if bottom - top < 0.8 * cap or right - left < cap:
            return None
    region = flat[top:bottom, left:right]
    # Ink: well below the paper, relative to the darkest ink here (blur lightens strokes; the flattened paper is ~255).
    darkest = float(cv2.blur(region, (3, 3)).min())  # blurred: one dark noise pixel is not ink
    ink = region < min(215.0, 255.0 - 0.4 * (255.0 - darkest))
    columns = np.flatnonzero(ink[int(0.25 * cap) : int(0.25 * cap + 1.1 * cap)].sum(axis=0) >= 2)
    if columns.size == 0 or darkest > 170:
        return None
    pad = int(0.6 * cap)
    region = region[:, max(0, columns[0] - pad) : columns[-1] + 1 + pad]
    scale = TARGET_CAP_PX / cap
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    scaled = cv2.resize(region, None, fx=scale, fy=scale, interpolation=interpolation)
    return cv2.copyMakeBorder(scaled, _PAD_PX, _PAD_PX, _PAD_PX, _PAD_PX, cv2.BORDER_CONSTANT, value=255)
