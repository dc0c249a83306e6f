"""Draws the national e-KTP as the real card is printed: an OCR-A NIK, Arial (Liberation Sans) fields on a light-blue
guilloche with a faint diagonal watermark, the photo column with the city and date of issue and a signature,
in the layout of services.core.ektp_layout, with the offsets of a real printer.

The card is drawn at twice the output width and scaled down, so strokes are anti-aliased as a print scanned
at that resolution is. Ink is near-black in every channel; the guilloche is light and brightest in blue (what
the reader's cleaning relies on, and what real cards show).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from services.core import ektp_layout as L
from services.pipeline.fonts import LIBERATION_SANS, LIBERATION_SANS_BOLD, OCR_A_BOLD, FontFile, load_font

SUPERSAMPLE = 2
DEFAULT_WIDTH = 1000
INK = (28, 27, 33)
PAPER_TOP = (222, 236, 249)
PAPER_BOTTOM = (206, 226, 246)
GUILLOCHE = (148, 186, 226)
WATERMARK = (176, 200, 228)
PHOTO_BACKGROUNDS = ((186, 32, 38), (34, 74, 160))  # red or blue, by birth year on real cards
FIELD_TEXT_HEIGHT = 0.042  # font size as a fraction of card height: cap + descender fill ROW_TEXT_HEIGHT
MIN_SHRINK = 0.78  # a long value is printed smaller down to this, then wrapped (the address) or squeezed


@dataclass(frozen=True)
class EktpStyle:
    """What varies between printed cards: printer offsets, scale, photo colour, the NIK's typeface."""

    dx: float = 0.0  # whole print shifted, in card widths
    dy: float = 0.0  # in card heights
    scale: float = 1.0
    photo_background: tuple[int, int, int] = PHOTO_BACKGROUNDS[0]
    nik_font: FontFile = OCR_A_BOLD
    guilloche_phase: float = 0.0
    # NIK cells re-printed in Arial bold over the OCR-A ones: how a card edited digit by digit looks.
    edited_cells: tuple[int, ...] = ()

    @classmethod
    def random(
        cls, rng: random.Random, *, nik_font: FontFile = OCR_A_BOLD, edited_cells: tuple[int, ...] = ()
    ) -> EktpStyle:
        return cls(
            edited_cells=edited_cells,
            dx=rng.uniform(-0.006, 0.006),
            dy=rng.uniform(-0.006, 0.006),
            scale=rng.uniform(0.985, 1.015),
            photo_background=rng.choice(PHOTO_BACKGROUNDS),
            nik_font=nik_font,
            guilloche_phase=rng.uniform(0, 2 * math.pi),
        )


class _Canvas:
    """Card coordinates (fractions) to pixels of the supersampled drawing, with the printer's offsets."""

    def __init__(self, width: int, style: EktpStyle) -> None:
        self.w = width * SUPERSAMPLE
        self.h = round(self.w * L.CARD_ASPECT)
        self.style = style

    def x(self, fx: float) -> float:
        return (0.5 + (fx - 0.5) * self.style.scale + self.style.dx) * self.w

    def y(self, fy: float) -> float:
        return (0.5 + (fy - 0.5) * self.style.scale + self.style.dy) * self.h

    def size(self, fh: float) -> int:
        """A font size for a height given as a fraction of the card's height."""
        return max(6, round(fh * self.h * self.style.scale))


def _background(width: int, height: int, style: EktpStyle, rng: random.Random) -> np.ndarray:
    """Paper gradient, two crossing families of fine wavy lines, a rosette and a faint diagonal watermark."""
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    paper = (1 - t) * np.array(PAPER_TOP, np.float32) + t * np.array(PAPER_BOTTOM, np.float32)
    card = np.broadcast_to(paper, (height, width, 3)).copy()
    lines = np.zeros((height, width), np.uint8)
    xs = np.arange(0, width + 8, 6, dtype=np.float32)
    spacing = height * 0.018
    thickness = max(1, round(SUPERSAMPLE * 0.9))
    for family, (wavelength, amplitude) in enumerate(((0.21, 0.022), (0.13, 0.015))):
        phase = style.guilloche_phase + family * 1.7
        for k in range(-4, int(height / spacing) + 5):
            y0 = k * spacing + family * spacing / 2
            ys = (
                y0
                + amplitude * height * np.sin(2 * np.pi * xs / (wavelength * width) + phase + k * 0.45)
                + 0.35 * amplitude * height * np.sin(2 * np.pi * xs / (0.05 * width) + k)
            )
            points = np.stack([xs, ys], axis=1).round().astype(np.int32)
            cv2.polylines(lines, [points], False, 255, thickness, cv2.LINE_AA)
    cx, cy = width * rng.uniform(0.38, 0.5), height * rng.uniform(0.45, 0.6)
    angles = np.linspace(0, 2 * np.pi, 720, dtype=np.float32)
    for r in np.arange(0.06, 0.34, 0.022):
        radius = r * height * (1 + 0.08 * np.sin(12 * angles + r * 40))
        ring = np.stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)], axis=1)
        cv2.polylines(lines, [ring.round().astype(np.int32)], True, 255, thickness, cv2.LINE_AA)
    alpha = (lines.astype(np.float32) / 255.0 * 0.55)[..., None]
    card = card * (1 - alpha) + np.array(GUILLOCHE, np.float32) * alpha
    return _watermark(card, rng)


def _watermark(card: np.ndarray, rng: random.Random) -> np.ndarray:
    height, width = card.shape[:2]
    mark = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(mark)
    font = load_font(LIBERATION_SANS_BOLD, max(8, int(height * 0.07)))
    step = int(height * 0.2)
    for row, y in enumerate(range(-height, 2 * height, step)):
        draw.text((-width // 2 + (row % 2) * step + rng.randint(0, step), y), "REPUBLIK INDONESIA   " * 6, font=font, fill=255)
    turned = np.asarray(mark.rotate(28, resample=Image.Resampling.BILINEAR), np.float32) / 255.0 * 0.28
    alpha = turned[..., None]
    return card * (1 - alpha) + np.array(WATERMARK, np.float32) * alpha


def _fit(text: str, font_file: FontFile, *, size: int, max_width: float, floor: float = 0.5) -> ImageFont.FreeTypeFont:
    """The largest size down to floor x size at which text fits max_width."""
    font = load_font(font_file, size)
    smallest = max(6, int(size * floor))
    while size > smallest and font.getlength(text) > max_width:
        size -= 1
        font = load_font(font_file, size)
    return font


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """At most two lines, broken between words, the first as full as it can be."""
    words = text.split()
    for cut in range(len(words) - 1, 0, -1):
        if font.getlength(" ".join(words[:cut])) <= max_width:
            return [" ".join(words[:cut]), " ".join(words[cut:])]
    return [text]


def _text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font: ImageFont.FreeTypeFont) -> None:
    """Text whose top of capitals sits at xy (anchor "ls" on the baseline below it)."""
    cap = font.getbbox("H", anchor="ls")[1]  # negative: from baseline up to the cap line
    draw.text((xy[0], xy[1] - cap), text, font=font, fill=INK, anchor="ls")


def _centred(draw: ImageDraw.ImageDraw, cx: float, top: float, text: str, font: ImageFont.FreeTypeFont) -> None:
    _text(draw, (cx - font.getlength(text) / 2, top), text, font)


def _draw_nik(draw: ImageDraw.ImageDraw, c: _Canvas, nik: str) -> None:
    label = load_font(LIBERATION_SANS_BOLD, c.size(0.062))
    top = c.y(L.NIK_BAND[0] + 0.004)
    _text(draw, (c.x(L.NIK_LABEL_X), top), "NIK", label)
    _text(draw, (c.x(L.NIK_X[0] - 0.025), top), ":", label)
    digit_height = L.NIK_DIGIT_HEIGHT * c.h * c.style.scale
    font = _digits_font(c.style.nik_font, digit_height)
    edited = _digits_font(LIBERATION_SANS_BOLD, digit_height)
    pitch = L.NIK_PITCH * c.w * c.style.scale
    for i, digit in enumerate(nik):
        cell_font = edited if i in c.style.edited_cells else font
        cell_centre = c.x(L.NIK_X[0]) + (i + 0.5) * pitch
        _text(draw, (cell_centre - cell_font.getlength(digit) / 2, top), digit, cell_font)


def _digits_font(font_file: FontFile, digit_height: float) -> ImageFont.FreeTypeFont:
    """font_file at the size whose digits stand digit_height tall: another typeface takes OCR-A's cells."""
    probe = load_font(font_file, 100)
    return load_font(font_file, max(6, round(digit_height / (-probe.getbbox("0", anchor="ls")[1] / 100))))


def _draw_photo(card: Image.Image, c: _Canvas, rng: random.Random) -> None:
    """A head-and-shoulders portrait on the red or blue studio background, clipped to the photo's frame."""
    x0, y0, x1, y1 = (round(c.x(L.PHOTO[0])), round(c.y(L.PHOTO[1])), round(c.x(L.PHOTO[2])), round(c.y(L.PHOTO[3])))
    w, h = x1 - x0, y1 - y0
    photo = Image.new("RGB", (w, h), c.style.photo_background)
    draw = ImageDraw.Draw(photo)
    cx = w / 2 + rng.uniform(-0.04, 0.04) * w
    skin = rng.choice(((224, 182, 150), (196, 150, 112), (160, 112, 80)))
    shirt = rng.choice(((240, 240, 240), (30, 30, 36), (40, 60, 110)))
    draw.chord((cx - 0.55 * w, 0.66 * h, cx + 0.55 * w, 1.5 * h), 180, 360, fill=shirt)
    draw.rectangle((cx - 0.1 * w, 0.5 * h, cx + 0.1 * w, 0.72 * h), fill=skin)
    draw.ellipse((cx - 0.22 * w, 0.16 * h, cx + 0.22 * w, 0.6 * h), fill=skin)
    draw.chord((cx - 0.24 * w, 0.12 * h, cx + 0.24 * w, 0.44 * h), 180, 360, fill=(24, 20, 20))
    card.paste(photo, (x0, y0))


def _draw_signature(draw: ImageDraw.ImageDraw, c: _Canvas, rng: random.Random) -> None:
    x0, x1 = c.x(L.ISSUE_X[0] + 0.02), c.x(L.ISSUE_X[1] - 0.02)
    y0, y1 = c.y(0.78), c.y(0.9)
    points = []
    for i in range(rng.randint(5, 8)):
        t = i / 7
        points.append((x0 + t * (x1 - x0) + rng.uniform(-8, 8), rng.uniform(y0, y1)))
    smooth = []
    for (ax, ay), (bx, by) in pairwise(points):
        for s in np.linspace(0, 1, 12):
            bend = math.sin(s * math.pi) * rng.uniform(-12, 12)
            smooth.append((ax + (bx - ax) * s, ay + (by - ay) * s + bend))
    draw.line(smooth, fill=INK, width=max(2, SUPERSAMPLE * 2), joint="curve")


def render_ektp(
    fields: Mapping[str, str], *, rng: random.Random, style: EktpStyle | None = None, width: int = DEFAULT_WIDTH
) -> Image.Image:
    """A national e-KTP showing fields (keys as in random_ektp_fields), width pixels wide, RGB.

    An empty fields mapping draws the blank card: background, photo and signature, no text.
    """
    style = style or EktpStyle.random(rng)
    c = _Canvas(width, style)
    card = Image.fromarray(_background(c.w, c.h, style, rng).round().astype(np.uint8), "RGB")
    _draw_photo(card, c, rng)
    draw = ImageDraw.Draw(card)
    _draw_signature(draw, c, rng)
    if fields:
        _draw_text(draw, c, fields)
    small = card.resize((width, round(width * L.CARD_ASPECT)), Image.Resampling.LANCZOS)
    return small


def _draw_text(draw: ImageDraw.ImageDraw, c: _Canvas, fields: Mapping[str, str]) -> None:
    header = load_font(LIBERATION_SANS_BOLD, c.size(0.052))
    _centred(draw, c.x(0.5), c.y(L.PROVINCE_BAND[0]), f"PROVINSI {fields['province']}", header)
    city = load_font(LIBERATION_SANS_BOLD, c.size(0.062))
    _centred(draw, c.x(0.5), c.y(L.CITY_BAND[0] + 0.005), fields["city"], city)
    _draw_nik(draw, c, fields["nik"])
    size = c.size(FIELD_TEXT_HEIGHT)
    label_font = load_font(LIBERATION_SANS, size)
    values = dict(fields)
    values["birth"] = f"{fields['birth_place']}, {fields['birth_date']}"
    extra = 0
    for index, row in enumerate(L.ROWS):
        top = c.y(L.row_top(index, extra_lines_above=extra))
        _text(draw, (c.x(row.label_x), top), row.label, label_font)
        _text(draw, (c.x(L.COLON_X), top), ":", label_font)
        right = c.x(L.BLOOD_X - 0.01) if row.field == "gender" else c.x(L.VALUE_RIGHT)
        max_width = right - c.x(L.VALUE_X)
        value = values[row.field]
        font = _fit(value, LIBERATION_SANS, size=size, max_width=max_width)
        lines = [value]
        if font.size < size * MIN_SHRINK and row.field == "address":
            font = label_font
            lines = _wrap(value, font, max_width)
        for n, line in enumerate(lines):
            line_font = _fit(line, LIBERATION_SANS, size=int(font.size), max_width=max_width)
            _text(draw, (c.x(L.VALUE_X), c.y(L.row_top(index + n, extra_lines_above=extra))), line, line_font)
        extra += len(lines) - 1
        if row.field == "gender":
            _text(draw, (c.x(L.BLOOD_X), top), "Gol. Darah", label_font)
            colon_x = c.x(L.BLOOD_X) + label_font.getlength("Gol. Darah ")
            _text(draw, (colon_x, top), ":", label_font)
            _text(draw, (colon_x + label_font.getlength(": "), top), fields["blood_type"], label_font)
    issue = load_font(LIBERATION_SANS, c.size(0.036))
    centre = c.x((L.ISSUE_X[0] + L.ISSUE_X[1]) / 2)
    _centred(draw, centre, c.y(L.ISSUE_PLACE_BAND[0]), fields["issue_place"], issue)
    _centred(draw, centre, c.y(L.ISSUE_DATE_BAND[0]), fields["issue_date"], issue)

