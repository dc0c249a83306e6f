"""Finds the national e-KTP's layout on an upright card image: where the card is, and where each row is.

The NIK is the anchor: its 16 evenly spaced glyphs give the card's scale (their pitch is a fixed fraction of the
card's width) and its position, so a scan with a margin of table, or with the header cut off, registers the same
as a tight crop. The twelve labelled rows are then fitted as a comb to the ink of the label column, with and
without a wrapped address line, which also tells whether the card has the e-KTP's rows at all: a card of another
layout (a drawn sample, a different document) fits badly and is read by the label-based reader instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from services.core import ektp_layout as L
from services.pipeline.ocra import GlyphRun, find_glyph_runs

# The NIK's glyphs as a fraction of the image width: a card filling 25-100% of a width-normalised image.
_MIN_NIK_HEIGHT = 0.0334 * 0.45
_MAX_NIK_HEIGHT = 0.0334 * 1.6
# Comb fit: how far the rows may sit from where the NIK puts them, and how much their pitch may differ.
_OFFSET_RANGE = 0.6  # pitches
_PITCH_RANGE = (0.92, 1.08)
# A card has the e-KTP's rows when the rows' ink stands out from the gaps between them by this much.
MIN_ROW_CONTRAST = 0.08


@dataclass(frozen=True)
class CardFrame:
    """The card in image pixels: its top-left corner and width (height from the ID-1 aspect)."""

    x0: float
    y0: float
    width: float

    @property
    def height(self) -> float:
        return self.width * L.CARD_ASPECT

    def x(self, fx: float) -> float:
        return self.x0 + fx * self.width

    def y(self, fy: float) -> float:
        return self.y0 + fy * self.height


@dataclass(frozen=True)
class RowBand:
    """One text line of a field row, in image pixels (a wrapped address has two)."""

    field: str
    top: float
    bottom: float


@dataclass(frozen=True)
class EktpLayout:
    """The registered layout: the frame, the NIK's glyph run, every row's lines, and how well the rows fit."""

    frame: CardFrame
    nik_run: GlyphRun
    rows: tuple[RowBand, ...]
    row_contrast: float
    wrapped_address: bool

    def lines_of(self, field: str) -> list[RowBand]:
        return [row for row in self.rows if row.field == field]


def frame_from_nik(run: GlyphRun) -> CardFrame:
    """The card frame the NIK implies: its pitch is NIK_PITCH of the card width, its first cell starts at NIK_X[0]."""
    width = run.pitch / L.NIK_PITCH
    x0 = run.centres[0] - (L.NIK_X[0] + 0.5 * L.NIK_PITCH) * width
    centre_y = (run.top + run.bottom) / 2
    y0 = centre_y - (L.NIK_BAND[0] + L.NIK_BAND[1]) / 2 * width * L.CARD_ASPECT
    return CardFrame(x0=x0, y0=y0, width=width)


def ink_mask(gray: np.ndarray, *, block: int) -> np.ndarray:
    """Strokes darker than their surroundings as 1, everything else 0 (float32, for profiles)."""
    mask = cv2.adaptiveThreshold(gray, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block | 1, 18)
    return mask.astype(np.float32)


def register(gray: np.ndarray) -> EktpLayout | None:
    """The e-KTP layout on gray (upright, ink dark), or None when the card does not have it."""
    width = gray.shape[1]
    runs = find_glyph_runs(
        gray, min_height=max(6, int(_MIN_NIK_HEIGHT * width)), max_height=int(_MAX_NIK_HEIGHT * width) + 1
    )
    best: EktpLayout | None = None
    for run in runs[:3]:
        if not 12 <= len(run.centres) <= 20 or not 0.65 <= run.pitch / run.height <= 1.0:
            continue
        layout = _fit_rows(gray, run)
        if layout is not None and (best is None or layout.row_contrast > best.row_contrast):
            best = layout
    return best


def _slots(wrapped: bool) -> list[int]:
    """The pitch slots the twelve rows stand in; a wrapped address takes the slot after Alamat."""
    address = [row.field for row in L.ROWS].index("address")
    return [i + (1 if wrapped and i > address else 0) for i in range(len(L.ROWS))]


def _fit_rows(gray: np.ndarray, run: GlyphRun) -> EktpLayout | None:
    frame = frame_from_nik(run)
    mask = ink_mask(gray, block=max(15, int(run.height * 1.2)))
    x0 = int(max(0, frame.x(L.LABEL_X - 0.01)))
    x1 = int(min(gray.shape[1], frame.x(L.COLON_X - 0.015)))
    if x1 - x0 < 10:
        return None
    profile = mask[:, x0:x1].mean(axis=1)
    cumulative = np.concatenate([[0.0], np.cumsum(profile)])

    def mean(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        top = np.clip(top, 0, len(profile)).astype(int)
        bottom = np.clip(bottom, 0, len(profile)).astype(int)
        span = np.maximum(bottom - top, 1)
        averaged: np.ndarray = (cumulative[bottom] - cumulative[top]) / span
        return averaged

    height = frame.height
    pitch0 = L.ROW_PITCH * height
    cap = 0.030 * height  # cap height of the field text: the band where a row's ink is
    best: tuple[float, float, float, bool] | None = None
    offsets = np.arange(-_OFFSET_RANGE * pitch0, _OFFSET_RANGE * pitch0 + 1, 1.0)
    for wrapped in (False, True):
        slots = np.array(_slots(wrapped), dtype=np.float64)
        for scale in np.arange(_PITCH_RANGE[0], _PITCH_RANGE[1] + 1e-9, 0.005):
            pitch = pitch0 * scale
            tops = frame.y(L.FIRST_ROW_TOP) + slots[None, :] * pitch + offsets[:, None]
            rows = mean(tops, tops + cap)
            gaps = mean(tops + cap + 0.12 * pitch, tops + pitch - 0.05 * pitch)
            contrast = (rows.mean(axis=1) - gaps.mean(axis=1)) * np.minimum(1.0, rows.min(axis=1) / 0.05)
            k = int(np.argmax(contrast))
            if best is None or contrast[k] > best[0]:
                best = (float(contrast[k]), float(offsets[k]), pitch, wrapped)
    # bandit B101: an internal invariant of the search above; not input
    assert best is not None  # nosec B101
    contrast, offset, pitch, wrapped = best
    if contrast < MIN_ROW_CONTRAST:
        return None
    bands: list[RowBand] = []
    for row, slot in zip(L.ROWS, _slots(wrapped), strict=True):
        top = frame.y(L.FIRST_ROW_TOP) + slot * pitch + offset
        bands.append(RowBand(row.field, top, top + cap))
        if wrapped and row.field == "address":
            bands.append(RowBand("address", top + pitch, top + pitch + cap))
    return EktpLayout(frame=frame, nik_run=run, rows=tuple(bands), row_contrast=contrast, wrapped_address=wrapped)
