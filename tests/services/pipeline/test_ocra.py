"""The OCR-A NIK reader on generated NIK lines: every digit, any spacing and size, blur, JPEG and a slight turn;
it refuses to guess what the image does not show, and tells OCR-A from another typeface."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from services.pipeline.fonts import LIBERATION_SANS_BOLD, OCR_A_BOLD, FontFile, load_font
from services.pipeline.ocra import FONT_FIT_MIN, CellRead, find_glyph_runs, read_glyph_run

PAPER = 236


def nik_line(
    digits: str,
    *,
    height: int = 34,
    pitch_ratio: float = 0.805,
    font: FontFile = OCR_A_BOLD,
    blur: float = 0.0,
    jpeg: int | None = None,
    angle: float = 0.0,
    seed: int = 0,
) -> np.ndarray:
    """A grey strip with digits printed in equal cells (as the e-KTP prints its NIK), on a faintly lined paper."""
    rng = np.random.default_rng(seed)
    pitch = height * pitch_ratio
    width, strip = int(pitch * len(digits) + 4 * height), int(height * 3)
    canvas = Image.new("L", (width, strip), PAPER)
    draw = ImageDraw.Draw(canvas)
    for y in range(0, strip, 5):  # fine guilloche-like lines, lighter than ink
        draw.line([(0, y), (width, y + 3)], fill=PAPER - 18, width=1)
    probe = load_font(font, 100)
    size = round(height / (-probe.getbbox("0", anchor="ls")[1] / 100))
    glyphs = load_font(font, size)
    for i, digit in enumerate(digits):
        centre = 2 * height + (i + 0.5) * pitch
        draw.text((centre - glyphs.getlength(digit) / 2, height * 2), digit, font=glyphs, fill=30, anchor="ls")
    if angle:
        canvas = canvas.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=PAPER)
    if blur:
        canvas = canvas.filter(ImageFilter.GaussianBlur(blur))
    pixels = np.asarray(canvas, np.float32) + rng.normal(0, 3, (strip, width))
    image = np.clip(pixels, 0, 255).astype(np.uint8)
    if jpeg is not None:
        ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, jpeg])
        assert ok
        image = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
    return image


def read(image: np.ndarray, height: int = 34) -> tuple[str, float]:
    runs = find_glyph_runs(image, min_height=int(height * 0.6), max_height=int(height * 1.5))
    assert runs, "no glyph run found"
    line = read_glyph_run(image, runs[0])
    return line.text, line.font_fit


def random_nik(seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("0123456789") for _ in range(16))


def test_every_digit_in_every_position() -> None:
    for shift in range(10):
        digits = "".join(str((i + shift) % 10) for i in range(16))
        text, fit = read(nik_line(digits, seed=shift))
        assert text == digits
        assert fit >= FONT_FIT_MIN


@pytest.mark.parametrize("height", [16, 24, 34, 48])
def test_sizes_from_a_small_scan_to_a_large_one(height: int) -> None:
    digits = random_nik(height)
    assert read(nik_line(digits, height=height, seed=height), height)[0] == digits


@pytest.mark.parametrize("pitch_ratio", [0.72, 0.805, 0.9])
def test_spacing_is_measured_not_assumed(pitch_ratio: float) -> None:
    digits = random_nik(int(pitch_ratio * 100))
    assert read(nik_line(digits, pitch_ratio=pitch_ratio))[0] == digits


@pytest.mark.parametrize(
    "damage",
    [{"blur": 1.0}, {"blur": 1.8}, {"jpeg": 20}, {"jpeg": 35, "blur": 0.8}, {"angle": 0.6}, {"angle": -0.8}],
    ids=["blur-1.0", "blur-1.8", "jpeg-20", "jpeg-35-blur", "turned+0.6", "turned-0.8"],
)
def test_damage_a_scan_shows(damage: dict[str, float]) -> None:
    for seed in range(5):
        digits = random_nik(seed + 100)
        text, fit = read(nik_line(digits, seed=seed, **damage))  # type: ignore[arg-type]
        assert text == digits, (damage, seed)
        assert fit >= FONT_FIT_MIN, (damage, seed, fit)


@pytest.mark.parametrize(("height", "blur"), [(16, 1.2), (16, 1.6), (20, 2.0)])
def test_blur_that_joins_the_glyphs_still_gives_sixteen_cells(height: int, blur: float) -> None:
    image = nik_line("3273014508900012", height=height, blur=blur)
    runs = find_glyph_runs(image, min_height=int(height * 0.6), max_height=int(height * 1.5))
    assert runs and len(runs[0].centres) == 16


def test_a_letter_is_unreadable_never_a_digit() -> None:
    digits = "3201026406X22633"
    text, _ = read(nik_line(digits))
    assert text[:10] == digits[:10] and text[11:] == digits[11:]
    assert text[10] == "?"


def test_a_smudged_cell_is_unreadable() -> None:
    image = nik_line("3273014508900012")
    runs = find_glyph_runs(image, min_height=20, max_height=50)
    centre = int(runs[0].centres[5])
    half = int(runs[0].pitch * 0.45)
    image[runs[0].top : runs[0].bottom, centre - half : centre + half] = 40  # an ink blot over the sixth digit
    line = read_glyph_run(image, runs[0])
    assert line.text == "32730?4508900012"
    assert not line.complete


def test_another_typeface_fails_the_font_check() -> None:
    for seed in range(4):
        _, fit = read(nik_line(random_nik(seed + 7), font=LIBERATION_SANS_BOLD, seed=seed))
        assert fit < FONT_FIT_MIN


def test_a_cell_between_two_digits_offers_both_and_decides_neither() -> None:
    close = CellRead(best="8", score=0.80, runner_up="3", runner_up_score=0.78)
    assert close.digit is None and close.candidates() == ("8", "3")
    clear = CellRead(best="8", score=0.93, runner_up="3", runner_up_score=0.70)
    assert clear.digit == "8" and clear.candidates() == ("8",)
    weak = CellRead(best="8", score=0.40, runner_up="3", runner_up_score=0.35)
    assert weak.digit is None and weak.candidates() == ()


def test_text_of_another_size_is_not_the_run() -> None:
    image = nik_line("3273014508900012")
    assert find_glyph_runs(image, min_height=50, max_height=80) == []
    assert find_glyph_runs(np.full((100, 400), PAPER, np.uint8), min_height=10, max_height=50) == []
