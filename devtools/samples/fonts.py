"""The DejaVu fonts the older drawn designs use (the e-KTP design draws in Liberation Sans and OCR-A)."""

from __future__ import annotations

from PIL import ImageFont

from services.pipeline.fonts import DEJAVU_SANS, DEJAVU_SANS_BOLD
from services.pipeline.fonts import load_font as _load


def load_font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (or Sans Bold) at a pixel size."""
    return _load(DEJAVU_SANS_BOLD if bold else DEJAVU_SANS, size)
