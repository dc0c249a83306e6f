"""Reads a line of OCR-A digits (the e-KTP's NIK) by matching each cell against glyphs rendered from the font.

OCR-A was designed for machines: monospaced, every digit the same height and a distinct shape. Stock Tesseract,
trained on book fonts, reads its flagged-and-footed `1` as 2, 4, 7 or L and drops digits (0-1 of 10 real NIK lines
exactly); matching the cells against the font's own glyphs reads them (docs/reading.md, "The NIK reader").

The line is found by geometry, not by its font: a run of glyphs of equal height on a common top edge, evenly
spaced. Each cell is compared, by normalised cross-correlation over small shifts, with every digit drawn sharp and
blurred; a cell is read only when its best digit fits well and clearly better than the runner-up. Everything else
is reported, not guessed: the digit's candidates, or none. How well the glyphs fit OCR-A at all is the font check
(an edited card often prints its NIK in another typeface).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from PIL import Image, ImageDraw

from services.pipeline.fonts import LIBERATION_SANS, LIBERATION_SANS_BOLD, OCR_A_BOLD, FontFile, load_font

DIGITS = "0123456789"
TEMPLATE_HEIGHT = 40  # px: cells are scaled so a glyph stands this tall
TEMPLATE_BLURS = (0.0, 1.5, 3.0)  # sigmas (px at TEMPLATE_HEIGHT): a soft scan matches a soft template
GLYPH_ASPECT = 0.66  # OCR-A digit ink width / height
MIN_SCORE = 0.78  # a cell's best digit must fit at least this well to be read (genuine cells: 0.81 or more)
MIN_MARGIN = 0.05  # ... and beat every other digit by this much
MAX_INK_DIFFERENCE = 0.2  # a cell's ink coverage may differ from its digit's by this much (blur spreads it)
# The font check (docs/reading.md has the measured distributions). Over 1,400 genuine OCR-A cells of scanned cards
# (blurred ones included) a cell fit its digit at 0.81 or more, and an Arial (Liberation Sans) digit at most 0.061
# better than that (a blurred OCR-A 0 is nearly an Arial 0); every digit printed in Arial fit an Arial digit at
# least 0.079 better than any OCR-A one. The margin sits between; a cell fitting nothing this well is no OCR-A glyph.
FONT_FIT_MIN = 0.75
IMPOSTOR_MARGIN = -0.07
IMPOSTOR_FONTS: tuple[FontFile, ...] = (LIBERATION_SANS_BOLD, LIBERATION_SANS)
IMPOSTOR_BLURS = (0.0, 1.5)


@dataclass(frozen=True)
class GlyphRun:
    """A line of glyphs of one height on one top edge: its extent, glyph height and the centre of each cell."""

    left: int
    right: int
    top: int
    bottom: int
    centres: tuple[float, ...]

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def pitch(self) -> float:
        if len(self.centres) < 2:
            return self.height * 0.8
        return (self.centres[-1] - self.centres[0]) / (len(self.centres) - 1)


@dataclass(frozen=True)
class CellRead:
    """One cell: the best digit and its fit, the runner-up, and the digits the image cannot tell apart."""

    best: str
    score: float
    runner_up: str
    runner_up_score: float
    impostor_score: float = -1.0  # the best fit of any digit in another typeface (Arial and its kind)

    @property
    def is_ocr_a(self) -> bool:
        """The glyph fits an OCR-A digit well, and better than it fits any digit of the usual other typefaces."""
        return self.score >= FONT_FIT_MIN and self.score - self.impostor_score >= IMPOSTOR_MARGIN

    @property
    def digit(self) -> str | None:
        """The digit, when the image decides it; None when it does not."""
        return self.best if self.score >= MIN_SCORE and self.score - self.runner_up_score >= MIN_MARGIN else None

    def candidates(self) -> tuple[str, ...]:
        """The digits the image supports: the read one, or the close contenders when it is ambiguous."""
        if self.digit is not None:
            return (self.best,)
        if self.score < MIN_SCORE:
            return ()
        return (self.best, self.runner_up) if self.runner_up_score >= MIN_SCORE else (self.best,)


@dataclass(frozen=True)
class GlyphLineRead:
    """What the matcher made of a run: one CellRead per cell."""

    cells: tuple[CellRead, ...]

    @property
    def text(self) -> str:
        """The digits read, with "?" for a cell the image does not decide."""
        return "".join(cell.digit or "?" for cell in self.cells)

    @property
    def complete(self) -> bool:
        return all(cell.digit is not None for cell in self.cells)

    @property
    def font_fit(self) -> float:
        """How well the worst cell fits any OCR-A digit: low when the line is printed in another typeface."""
        return min((cell.score for cell in self.cells), default=0.0)

    @property
    def font_matches(self) -> bool:
        """Every cell is an OCR-A glyph: a NIK edited digit by digit in another typeface fails here."""
        return bool(self.cells) and all(cell.is_ocr_a for cell in self.cells)

    @property
    def foreign_cells(self) -> tuple[int, ...]:
        """Positions (from 1) of the cells that are not OCR-A glyphs."""
        return tuple(i for i, cell in enumerate(self.cells, start=1) if not cell.is_ocr_a)

    @property
    def confidence(self) -> float:
        """0-100, the worst cell's fit: comparable with the OCR engine's word confidences."""
        return round(100.0 * max(0.0, self.font_fit), 1)


@cache
def _templates(font_file: FontFile, blur: float) -> tuple[np.ndarray, ...]:
    """Each digit of a typeface as a float32 image: the glyph TEMPLATE_HEIGHT tall with a margin of paper around it."""
    probe = load_font(font_file, 100)
    font = load_font(font_file, round(TEMPLATE_HEIGHT / (-probe.getbbox("0", anchor="ls")[1] / 100)))
    pad = TEMPLATE_HEIGHT // 8
    out = []
    for digit in DIGITS:
        canvas = Image.new("L", (TEMPLATE_HEIGHT * 2, TEMPLATE_HEIGHT * 2), 255)
        ImageDraw.Draw(canvas).text((TEMPLATE_HEIGHT // 2, TEMPLATE_HEIGHT * 3 // 2), digit, font=font, fill=0, anchor="ls")
        pixels = np.asarray(canvas)
        ys, xs = np.nonzero(pixels < 128)
        glyph = pixels[ys.min() - pad : ys.max() + 1 + pad, xs.min() - pad : xs.max() + 1 + pad].astype(np.float32)
        out.append(np.asarray(cv2.GaussianBlur(glyph, (0, 0), blur), np.float32) if blur > 0 else glyph)
    return tuple(out)


def find_glyph_runs(gray: np.ndarray, *, min_height: int, max_height: int, min_glyphs: int = 10) -> list[GlyphRun]:
    """Runs of at least min_glyphs glyphs of equal height, tallest first. Glyphs that blur has merged count by width."""
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, max_height | 1, 18)
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    boxes = [
        (int(x), int(y), int(w), int(h))
        for x, y, w, h, area in stats[1:count]
        if min_height <= h <= max_height and w >= 0.3 * h and area >= 0.12 * w * h
    ]
    boxes.sort()
    chains: list[list[tuple[int, int, int, int]]] = []
    for box in boxes:
        x, y, _w, h = box
        best = None
        for chain in chains:
            lx, ly, lw, lh = chain[-1]
            gap = x - (lx + lw)
            aligned = -0.1 * h <= gap <= 0.6 * lh and abs(y - ly) <= 0.12 * lh and abs(h - lh) <= 0.12 * lh
            if aligned and (best is None or gap < best[0]):
                best = (gap, chain)
        if best is None:
            chains.append([box])
        else:
            best[1].append(box)
    runs = [run for run in (_run(gray, chain) for chain in chains) if run is not None and len(run.centres) >= min_glyphs]
    runs.sort(key=lambda run: (-run.height * len(run.centres)))
    return runs


def _profile_pitch(gray: np.ndarray, chain: list[tuple[int, int, int, int]], height: int) -> float:
    """The run's pitch from the period of its ink across the line (autocorrelation of the column profile): what
    still repeats when blur has joined the glyphs into a few wide boxes."""
    left, right = min(x for x, _, _, _ in chain), max(x + w for x, _, w, _ in chain)
    top, bottom = min(y for _, y, _, _ in chain), max(y + h for _, y, _, h in chain)
    profile = 255.0 - gray[top:bottom, left:right].astype(np.float64).mean(axis=0)
    profile -= profile.mean()
    correlation = np.correlate(profile, profile, mode="full")[len(profile) - 1 :]
    low, high = int(0.55 * height), min(len(correlation) - 2, int(1.1 * height))
    if high <= low:
        return 0.805 * height
    lag = low + int(np.argmax(correlation[low : high + 1]))
    a, b, c = correlation[lag - 1], correlation[lag], correlation[lag + 1]
    bend = a - 2 * b + c
    return float(lag + (0.5 * (a - c) / bend if bend < 0 else 0.0))  # the peak between samples


def _run(gray: np.ndarray, chain: list[tuple[int, int, int, int]]) -> GlyphRun | None:
    heights = sorted(h for _, _, _, h in chain)
    height = heights[len(heights) // 2]
    glyph_width = GLYPH_ASPECT * height
    singles = [x + w / 2 for x, _, w, _ in chain if w <= 1.25 * glyph_width]
    spacings = [b - a for a, b in itertools.pairwise(singles) if b - a < 1.5 * height]
    pitch = float(np.median(spacings)) if len(spacings) >= 3 else _profile_pitch(gray, chain, height)
    if not np.isfinite(pitch) or not 0.5 * height <= pitch <= 1.2 * height:
        pitch = 0.805 * height  # the e-KTP's pitch for its glyph height
    centres: list[float] = []
    for x, _, w, _ in chain:  # a wide box is several glyphs that blur joined: one centre per pitch
        n = max(1, round((w - glyph_width) / pitch) + 1)
        first = x + w / 2 - (n - 1) * pitch / 2
        centres.extend(first + k * pitch for k in range(n))
    # One straight line of evenly spaced cells through the glyphs found (a cell's own box can be off by its shape).
    index = np.round((np.array(centres) - centres[0]) / pitch)
    if len(set(index.tolist())) < 2:
        return None
    slope, offset = np.polyfit(index, centres, 1)
    cells = int(index[-1]) + 1
    return GlyphRun(
        left=min(x for x, _, _, _ in chain),
        right=max(x + w for x, _, w, _ in chain),
        top=int(np.median([y for _, y, _, _ in chain])),
        bottom=int(np.median([y + h for _, y, _, h in chain])),
        centres=tuple(float(offset + slope * k) for k in range(cells)),
    )


def read_glyph_run(gray: np.ndarray, run: GlyphRun) -> GlyphLineRead:
    """Match every cell of run against the ten OCR-A digits."""
    return GlyphLineRead(tuple(_match_cell(gray, run, centre) for centre in run.centres))


def _cell(gray: np.ndarray, run: GlyphRun, centre: float) -> np.ndarray:
    """The cell around centre at template scale, with room for the template to shift a little, and the
    neighbours' ink beyond the cell's own glyph painted over with paper."""
    h = run.height
    scale = TEMPLATE_HEIGHT / max(1, h)
    half = (GLYPH_ASPECT / 2 + 0.125 + 0.12) * h  # glyph, the template's margin, slack for the shift
    x0, x1 = round(centre - half), round(centre + half)
    y0, y1 = round(run.top - 0.25 * h), round(run.bottom + 0.25 * h)
    crop = gray[max(0, y0) : max(0, y1), max(0, x0) : max(0, x1)]
    if crop.size == 0:
        return crop.astype(np.float32)
    paper = float(np.percentile(crop, 90))
    # A cell cut by the image's edge is completed with paper, so it keeps its place in the cell.
    crop = cv2.copyMakeBorder(
        crop, max(0, -y0), max(0, y1 - gray.shape[0]), max(0, -x0), max(0, x1 - gray.shape[1]),
        cv2.BORDER_CONSTANT, value=paper,
    )
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    cell = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=interpolation).astype(np.float32)
    # The glyph's half width and a little, short of where the neighbour's glyph begins.
    own = min(GLYPH_ASPECT / 2 + 0.1, run.pitch / h - GLYPH_ASPECT / 2 - 0.02) * h * scale
    middle = cell.shape[1] / 2
    cell[:, : max(0, int(middle - own))] = paper
    cell[:, int(middle + own) + 1 :] = paper
    return cell


def _ink_share(image: np.ndarray) -> float:
    """The share of pixels nearer the darkest than the brightest level: a glyph's ink coverage."""
    low, high = float(image.min()), float(image.max())
    if high - low < 1:
        return 0.0
    return float((image < (low + high) / 2).mean())


@cache
def _template_ink(blur: float) -> tuple[float, ...]:
    return tuple(_ink_share(template) for template in _templates(OCR_A_BOLD, blur))


def _best_fits(
    cell: np.ndarray, font_file: FontFile, blurs: tuple[float, ...]
) -> tuple[np.ndarray, list[tuple[int, int, float]]]:
    """Per digit, the best correlation of its templates (over blurs and small shifts), and where and at which blur."""
    scores = np.full(len(DIGITS), -1.0, np.float32)
    where: list[tuple[int, int, float]] = [(0, 0, 0.0)] * len(DIGITS)
    for blur in blurs:
        for index, template in enumerate(_templates(font_file, blur)):
            if cell.shape[0] < template.shape[0] or cell.shape[1] < template.shape[1]:
                continue
            _, fit, _, (x, y) = cv2.minMaxLoc(cv2.matchTemplate(cell, template, cv2.TM_CCOEFF_NORMED))
            if fit > scores[index]:
                scores[index], where[index] = fit, (x, y, blur)
    return scores, where


def _match_cell(gray: np.ndarray, run: GlyphRun, centre: float) -> CellRead:
    cell = _cell(gray, run, centre)
    if cell.size == 0:
        return CellRead("?", 0.0, "?", 0.0)
    scores, where = _best_fits(cell, OCR_A_BOLD, TEMPLATE_BLURS)
    order = np.argsort(scores)[::-1]
    best, second = int(order[0]), int(order[1])
    # Correlation cannot tell a digit from a blot of ink over it: the ink must also cover as much as the digit's.
    x, y, blur = where[best]
    th, tw = _templates(OCR_A_BOLD, blur)[best].shape
    if abs(_ink_share(cell[y : y + th, x : x + tw]) - _template_ink(blur)[best]) > MAX_INK_DIFFERENCE:
        return CellRead(DIGITS[best], 0.0, DIGITS[second], 0.0)
    impostor = max(float(_best_fits(cell, font, IMPOSTOR_BLURS)[0].max()) for font in IMPOSTOR_FONTS)
    return CellRead(DIGITS[best], float(scores[best]), DIGITS[second], float(scores[second]), impostor)
