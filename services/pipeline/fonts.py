"""Finds the system fonts the platform draws with, and names the Debian package to install when one is absent.

The NIK reader renders its glyph templates from OCR-A (the typeface the e-KTP prints its NIK in); the sample
generator draws cards in the same fonts the real cards use (Arial's metric twin Liberation Sans, OCR-A) and
in DejaVu for the older drawn designs. Nothing is downloaded: the fonts come from Debian packages that the
Makefile and both images install.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import ImageFont


@dataclass(frozen=True)
class FontFile:
    """One font file, the folders it lives in on the distributions we know, and the Debian package with it."""

    name: str
    package: str
    folders: tuple[str, ...]


_DEJAVU = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu-sans-fonts", "/usr/share/fonts/dejavu")
_LIBERATION = ("/usr/share/fonts/truetype/liberation", "/usr/share/fonts/liberation-sans", "/usr/share/fonts/liberation")
_OCR_A = ("/usr/share/fonts/truetype/ocr-a", "/usr/share/fonts/ocr-a")
_ELSEWHERE = ("/usr/share/fonts/TTF", "/opt/homebrew/share/fonts")

DEJAVU_SANS = FontFile("DejaVuSans.ttf", "fonts-dejavu-core", _DEJAVU + _ELSEWHERE)
DEJAVU_SANS_BOLD = FontFile("DejaVuSans-Bold.ttf", "fonts-dejavu-core", _DEJAVU + _ELSEWHERE)
LIBERATION_SANS = FontFile("LiberationSans-Regular.ttf", "fonts-liberation", _LIBERATION + _ELSEWHERE)
LIBERATION_SANS_BOLD = FontFile("LiberationSans-Bold.ttf", "fonts-liberation", _LIBERATION + _ELSEWHERE)
OCR_A = FontFile("OCRA.ttf", "fonts-ocr-a", _OCR_A + _ELSEWHERE)
OCR_A_BOLD = FontFile("OCRABold.ttf", "fonts-ocr-a", _OCR_A + _ELSEWHERE)


@cache
def font_path(font: FontFile) -> Path:
    """The first installed copy of a font file, or a RuntimeError that names the package to install."""
    for folder in font.folders:
        candidate = Path(folder) / font.name
        if candidate.is_file():
            return candidate
    raise RuntimeError(
        f"font {font.name} not found (searched {', '.join(font.folders)}); install the Debian package {font.package}"
    )


@cache
def load_font(font: FontFile, size: int) -> ImageFont.FreeTypeFont:
    """A font at a pixel size (cached: cards draw the same few sizes over and over)."""
    return ImageFont.truetype(str(font_path(font)), size)
