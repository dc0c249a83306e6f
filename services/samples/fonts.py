"""Finds the DejaVu fonts the cards are drawn with, and says which package to install when absent."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageFont

# Debian/Ubuntu, Fedora, Arch and Homebrew locations of the same files.
FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu-sans-fonts"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/opt/homebrew/share/fonts"),
)
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"


@cache
def font_path(file_name: str) -> Path:
    """The first installed copy of a font file, or a RuntimeError that names the package to install."""
    for directory in FONT_DIRS:
        candidate = directory / file_name
        if candidate.is_file():
            return candidate
    searched = ", ".join(str(d) for d in FONT_DIRS)
    raise RuntimeError(
        f"font {file_name} not found (searched {searched}); install the Debian package fonts-dejavu-core"
    )


@cache
def load_font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu Sans (or Sans Bold) at a pixel size."""
    return ImageFont.truetype(str(font_path(BOLD if bold else REGULAR)), size)
