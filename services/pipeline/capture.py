"""From an upload to the card alone, and what a mobile app should tell the user about the photo.

The card is found (services.pipeline.locate) and warped to the ID-1 shape at the readers' width, landscape; a
scan or a photo the card fills passes as it is. What went wrong with the photo is said as reason codes an app can
act on (README, "Capture feedback"; the advice per code is services.core.scoring.CAPTURE_ADVICE):
`card_not_found`, `card_too_small`, `cut_off`, `glare_on_fields`, `too_blurry`, `too_dark`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from services.pipeline.locate import CardQuad, locate_card, rectify
from services.pipeline.preprocess import OPENCV, Preprocessor

MIN_CARD_PIXELS = 0.6  # the card narrower than this share of the readers' width in the photo itself is too small
# On the card at 1000 px wide: the variance of the Laplacian of its luma below this is text too blurred to read
# (the blurred scans the reader still reads exactly measure 29 or more, hard photos 46 or more), a mean luma below
# this a dark photo (the darkest generated photo card: 129).
MIN_SHARPNESS = 20.0
MIN_BRIGHTNESS = 70.0
# Glare: a spot whiter in every channel than the card's own paper (its 90th percentile there) and near white.
# Measured on generated photos and scans: a glare spot over the text covered 1.2-4.9% of the field region; without
# one the largest bright patch covered at most 0.9% (a white scanner lid showing past a turned scan's corner).
GLARE_ABOVE_PAPER = 12
GLARE_MIN_LEVEL = 230
GLARE_SHARE = 0.01
# x0, y0, x1, y1 of the values on the rectified card, symmetric so that it holds whether the card is upright or
# upside down (the readers tell which, later): the photo column (a white shirt is not glare) is outside either way.
FIELD_REGION = (0.28, 0.15, 0.72, 0.85)
EDGE_INSET = 0.05  # of the width: past a rounded corner (3 mm of 85.6)
EDGE_BAND = 0.012  # of the width: the band along a rectified card's edges that is surface, not card, if anything


@dataclass(frozen=True)
class Capture:
    """The card to read (BGR, landscape), where it was found, and the photo's problems as reason codes."""

    card: np.ndarray
    quad: CardQuad | None
    problems: tuple[str, ...]

    @property
    def found(self) -> bool:
        return self.quad is not None


def glare_share(card: np.ndarray) -> float:
    """The share of the field region covered by its largest glare spot: a patch whiter in every channel than the
    card's paper around it. Measured at a quarter of the size, so sensor noise and JPEG blocks average out and
    only a spot counts, not scattered bright pixels."""
    height, width = card.shape[:2]
    x0, y0, x1, y1 = FIELD_REGION
    region = card[int(y0 * height) : int(y1 * height), int(x0 * width) : int(x1 * width)]
    # The darkest channel through OpenCV (numpy's min over the last axis took 3.7 ms of a 4 ms check).
    darkest = region if region.ndim == 2 else cv2.min(cv2.min(region[:, :, 0], region[:, :, 1]), region[:, :, 2])
    small = cv2.resize(darkest, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    paper = float(np.percentile(small, 90))
    bright = (small >= max(GLARE_MIN_LEVEL, paper + GLARE_ABOVE_PAPER)).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(bright, connectivity=8)
    largest = int(stats[1:count, cv2.CC_STAT_AREA].max()) if count > 1 else 0
    return largest / small.size


def photo_problems(card: np.ndarray) -> list[str]:
    """What is wrong with the rectified card's picture (not with the card itself)."""
    luma = card if card.ndim == 2 else cv2.cvtColor(card, cv2.COLOR_BGR2GRAY)
    # Sharpness and light inside the card's edges: a corner a pixel off, or a rounded corner, leaves a sliver of
    # the surface in the rectified card, and its one hard edge would outweigh a whole blurred card of text.
    height, width = luma.shape
    inset = round(EDGE_INSET * width)
    luma = luma[inset : height - inset, inset : width - inset]
    problems = []
    if glare_share(card) > GLARE_SHARE:
        problems.append("glare_on_fields")
    _, deviation = cv2.meanStdDev(cv2.Laplacian(luma, cv2.CV_16S))
    if float(deviation[0][0]) ** 2 < MIN_SHARPNESS:
        problems.append("too_blurry")
    if float(luma.mean()) < MIN_BRIGHTNESS:
        problems.append("too_dark")
    return problems


def capture_card(image: np.ndarray, *, card_width: int, steps: Preprocessor = OPENCV) -> Capture:
    """The card in image, rectified card_width wide (a scan or a filled frame as it is, turned landscape); steps
    does the per-pixel work (OpenCV, or the kernels on the GPU path)."""
    quad = locate_card(image, steps=steps)
    if quad is None:
        return Capture(card=image, quad=None, problems=("card_not_found",))
    problems: list[str] = []
    if quad.method == "frame" and image.shape[1] >= image.shape[0]:
        card = image  # a scan: no warp, the readers normalise its width
    else:
        card = rectify(image, quad, width=card_width, steps=steps)
    if quad.method == "outline":
        card = _clear_edges(card)
        if quad.width_px < MIN_CARD_PIXELS * card_width:
            problems.append("card_too_small")
        if quad.touches_edge:
            problems.append("cut_off")
    problems.extend(photo_problems(card if quad.method == "outline" else _at_width(card, card_width)))
    return Capture(card=card, quad=quad, problems=tuple(problems))


def _clear_edges(card: np.ndarray) -> np.ndarray:
    """The rectified card with a thin band along its edges painted in its own paper colour. Corners found a pixel
    or two outside the card leave a sliver of the surface along a side, which Tesseract reads as a `|` or a dash
    in front of every line, and then no label matches; no card prints anything that close to its edge."""
    band = max(2, round(EDGE_BAND * card.shape[1]))
    inner = card[band : 3 * band, band:-band]
    paper = np.median(inner.reshape(-1, inner.shape[-1]) if card.ndim == 3 else inner.ravel(), axis=0)
    cleared = card.copy()
    cleared[:band] = cleared[-band:] = paper
    cleared[:, :band] = cleared[:, -band:] = paper
    return cleared


def _at_width(image: np.ndarray, width: int) -> np.ndarray:
    scale = width / image.shape[1]
    if abs(scale - 1) < 0.01:
        return image
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
