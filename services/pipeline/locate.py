"""Finds the card in a phone photo (its four corners), and warps it to the ID-1 shape at the width the readers are
tuned for. A scan, or a photo the card already fills, is the card as it is.

The card is told from what it lies on by colour: the surface is sampled along the photo's border (a card covers
25-60% of a photo and rarely touches every edge), and whatever differs from it, after closing the text and the
photo into the card and opening away the grain of wood or cloth, is a candidate. The largest candidate's outline
gives four sides; each side is a line fitted to the middle of its edge, so rounded corners, a finger over a
corner or a glare spot on an edge do not move the corners (docs/reading.md, "Photos").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from services.core.ektp_layout import CARD_ASPECT
from services.pipeline.preprocess import OPENCV, Preprocessor

DETECT_SIDE = 640  # the longest side the photo is searched at (shrunk by a whole-number factor)
GRABCUT_SIDE = 200  # the fallback segmentation's long side (2 iterations: ~55 ms on one vCPU)
MIN_SHARE = 0.03  # a candidate smaller than this share of the photo is not the card (smaller: too small to read)
PRINT_CONTRAST = 30  # grey levels from the card's median: ink, a photo, a signature
MIN_PRINT_SHARE = 0.02
ASPECT_RANGE = (1.25, 2.05)  # long side / short side of an ID-1 card seen in perspective
EDGE_MARGIN = 0.006  # a corner this close to the photo's edge (share of its size): the card is cut off


@dataclass(frozen=True)
class CardQuad:
    """The card's corners in the photo (TL, TR, BR, BL, the first side a long one), how they were found
    ("outline": the card's outline on a surface; "frame": the photo is the card), and its share of the photo."""

    corners: np.ndarray
    method: str
    share: float
    touches_edge: bool

    @property
    def width_px(self) -> float:
        """The card's long side in the photo's pixels (its resolution, before any warp)."""
        c = self.corners
        return float((np.linalg.norm(c[1] - c[0]) + np.linalg.norm(c[2] - c[3])) / 2)


def _frame(image: np.ndarray) -> CardQuad:
    height, width = image.shape[:2]
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    if height > width:  # portrait frame: the long side is vertical
        corners = corners[[3, 0, 1, 2]]
    return CardQuad(corners=corners, method="frame", share=1.0, touches_edge=False)


SURFACE_WEIGHTS = (0.6, 1.0, 1.0)  # L, a, b: lightness counts less than colour (a shadow is not a card)


def _foreground(small: np.ndarray) -> np.ndarray:
    """What differs from the surface sampled along the border, as a 0/255 mask."""
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB).astype(np.float32)
    height, width = lab.shape[:2]
    ring = max(3, int(0.03 * min(height, width)))
    border = np.concatenate(
        [lab[:ring].reshape(-1, 3), lab[-ring:].reshape(-1, 3), lab[:, :ring].reshape(-1, 3), lab[:, -ring:].reshape(-1, 3)]
    )
    centre = np.median(border, axis=0)
    border_distance = np.linalg.norm((border - centre) * np.array(SURFACE_WEIGHTS, np.float32), axis=1)
    # The surface's spread from its 80th percentile: a card touching the border must not widen it.
    threshold = max(14.0, float(np.percentile(border_distance, 80)) * 1.6)
    # The squared distance of every pixel through OpenCV's per-channel arithmetic: numpy's norm over the last axis
    # took 4.5 of the finder's 7 ms on a 571-px photo.
    # (OpenCV takes a tuple as a per-channel scalar; its stubs only know arrays.)
    difference = cv2.multiply(cv2.subtract(lab, (*map(float, centre), 0.0)), (*SURFACE_WEIGHTS, 0.0))  # type: ignore[call-overload]
    squared = cv2.transform(cv2.multiply(difference, difference), np.ones((1, 3), np.float32))
    mask: np.ndarray = (squared > threshold * threshold).astype(np.uint8) * 255
    size = max(3, int(0.02 * min(height, width)) | 1)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    return mask


def _order(points: np.ndarray) -> np.ndarray:
    """Four points clockwise from one end of a long side."""
    centre = points.mean(axis=0)
    angles = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    ordered = points[np.argsort(angles)]  # clockwise in image coordinates (y down)
    first_long = np.linalg.norm(ordered[1] - ordered[0]) >= np.linalg.norm(ordered[2] - ordered[1])
    return ordered if first_long else np.roll(ordered, -1, axis=0)


def _fit_sides(contour: np.ndarray, corners: np.ndarray, *, tolerance: float = 0.04) -> np.ndarray | None:
    """Corners as intersections of lines fitted to the middle of each side of the outline (the outline points
    within tolerance x the side's length of it)."""
    points = contour.reshape(-1, 2).astype(np.float32)
    lines = []
    for i in range(4):
        a, b = corners[i], corners[(i + 1) % 4]
        direction = b - a
        length = float(np.linalg.norm(direction))
        if length < 1:
            return None
        unit = direction / length
        normal = np.array([-unit[1], unit[0]])
        along = (points - a) @ unit
        across = (points - a) @ normal
        near = points[(along > 0.15 * length) & (along < 0.85 * length) & (np.abs(across) < tolerance * length + 2)]
        if len(near) < 5:
            return None
        vx, vy, x0, y0 = cv2.fitLine(near, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    out = []
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        matrix = np.array([d1, -d2]).T
        if abs(np.linalg.det(matrix)) < 1e-6:
            return None
        t = np.linalg.solve(matrix, p2 - p1)
        out.append(p1 + t[0] * d1)
    return np.array(out, np.float32)


def _initial_corners(hull: np.ndarray) -> np.ndarray:
    """Four corners to start from: the hull simplified to four points when its opposite sides are alike (a card in
    perspective), else its smallest enclosing rectangle (a corner missing from the outline would bend the four
    points, never the rectangle's sides)."""
    perimeter = cv2.arcLength(hull, True)
    for epsilon in (0.02, 0.03, 0.045, 0.06, 0.08):
        candidate = cv2.approxPolyDP(hull, epsilon * perimeter, True)
        if len(candidate) == 4:
            corners = _order(candidate.reshape(4, 2).astype(np.float32))
            sides = [float(np.linalg.norm(corners[(i + 1) % 4] - corners[i])) for i in range(4)]
            if min(sides[0], sides[2]) / max(sides[0], sides[2], 1) > 0.8 and min(sides[1], sides[3]) / max(
                sides[1], sides[3], 1
            ) > 0.8:
                return corners
            break
    return _order(cv2.boxPoints(cv2.minAreaRect(hull)).astype(np.float32))


def _outline_quad(mask: np.ndarray, small: np.ndarray) -> tuple[np.ndarray, float] | None:
    """The largest card-shaped outline in the mask with print inside it (small: the photo the mask is of): its
    corners and its share of the image."""
    height, width = mask.shape
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:3]:
        area = cv2.contourArea(contour)
        if area < MIN_SHARE * width * height:
            return None
        hull = cv2.convexHull(contour)
        corners = _initial_corners(hull)
        # Each side is fitted where the outline runs straight (away from the corners), twice, closer the second
        # time: a corner lost to glare or covered by a finger does not move the sides.
        for tolerance in (0.08, 0.03):
            fitted = _fit_sides(contour, corners, tolerance=tolerance)
            if fitted is None:
                break
            corners = _order(fitted)
        sides = [float(np.linalg.norm(corners[(i + 1) % 4] - corners[i])) for i in range(4)]
        long_side, short_side = (sides[0] + sides[2]) / 2, (sides[1] + sides[3]) / 2
        if short_side < 1 or not ASPECT_RANGE[0] <= long_side / short_side <= ASPECT_RANGE[1]:
            continue
        # Most of the quadrilateral should be card: an L-shaped blob (a card and a mug) is not a card.
        quad_area = cv2.contourArea(corners.reshape(-1, 1, 2))
        if quad_area <= 0 or area / quad_area < 0.85:
            continue
        if not _has_print(small, corners):
            continue
        return corners, quad_area / (width * height)
    return None


def _has_print(small: np.ndarray, corners: np.ndarray) -> bool:
    """Something is printed inside the quadrilateral: a card carries text, a photo or at least a signature, a blank
    sheet of paper or a receipt's back does not. (On generated scenes cards show 7-46% ink, plain objects 0%.)"""
    target = np.array([[0, 0], [128, 0], [128, 81], [0, 81]], np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    inside = cv2.cvtColor(cv2.warpPerspective(small, matrix, (128, 81)), cv2.COLOR_BGR2GRAY)[8:-8, 8:-8]
    contrast = np.abs(inside.astype(np.int16) - int(np.median(inside)))
    return float((contrast > PRINT_CONTRAST).mean()) >= MIN_PRINT_SHARE


def _grabcut(small: np.ndarray) -> np.ndarray:
    """The card as OpenCV's GrabCut separates it, the border seeded as surface: colour models of card and surface
    rather than one distance, for a light card on paper or a patterned cloth (slower: the fallback)."""
    scale = GRABCUT_SIDE / max(small.shape[:2])
    tiny = cv2.resize(small, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    height, width = tiny.shape[:2]
    ring = max(3, int(0.03 * min(height, width)))
    mask = np.full((height, width), cv2.GC_PR_FGD, np.uint8)
    mask[:ring] = mask[-ring:] = cv2.GC_BGD
    mask[:, :ring] = mask[:, -ring:] = cv2.GC_BGD
    models = (np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64))
    cv2.grabCut(tiny, mask, (0, 0, 0, 0), models[0], models[1], 2, cv2.GC_INIT_WITH_MASK)  # the mask, not a rect
    card = np.where((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
    size = max(3, int(0.02 * min(height, width)) | 1)
    opened = cv2.morphologyEx(card, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    return cv2.resize(opened, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_NEAREST)


def _sides_stand_out(small: np.ndarray, corners: np.ndarray) -> bool:
    """Each side of the quadrilateral separates two different colours: a quadrilateral that cuts through the card
    (a part of it found) or through the surface is not the card's outline."""
    height, width = small.shape[:2]
    centre = corners.mean(axis=0)
    steps = np.linspace(0.2, 0.8, 12)[:, None]
    for i in range(4):
        a, b = corners[i], corners[(i + 1) % 4]
        points = a + steps * (b - a)
        towards = (centre - points) / np.maximum(1.0, np.linalg.norm(centre - points, axis=1))[:, None]
        medians = []
        for offset in (6, -6):  # inside, outside
            x, y = (points + offset * towards).round().astype(int).T
            keep = (x >= 0) & (x < width) & (y >= 0) & (y < height)
            if keep.sum() < 4:
                break  # a side along the photo's edge: nothing outside to compare
            # Only the sampled pixels to Lab: the conversion is per pixel, the whole photo's took most of this check.
            lab = cv2.cvtColor(small[y[keep], x[keep]][:, None, :], cv2.COLOR_BGR2LAB).astype(np.float32)
            medians.append(np.median(lab[:, 0, :], axis=0))
        if len(medians) == 2 and np.linalg.norm(medians[0] - medians[1]) < 8:
            return False
    return True


def locate_card(image: np.ndarray, *, steps: Preprocessor = OPENCV) -> CardQuad | None:
    """The card in image (BGR), or None when there is none to be seen. An image of the card's own shape whose
    border is not a surface (a scan, a crop) is the card itself. steps shrinks the photo (OpenCV, or the kernels
    on the GPU path)."""
    height, width = image.shape[:2]
    factor = max(1, math.ceil(max(height, width) / DETECT_SIDE))
    small = steps.shrink(image, factor)
    scale = small.shape[1] / width
    if small.ndim == 2:
        small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    # An image of the card's own shape (not a phone's 4:3 or 16:9 frame) is a scan or a crop: the card itself,
    # unless a card fills most of it on a visible surface (a scan with a margin of table).
    aspect = max(height, width) / min(height, width)
    card_shaped = abs(aspect - 1 / CARD_ASPECT) < 0.12
    # The cheap cue first (colour against the surface); the slower segmentation only for photos: a scan whose
    # border shows no surface is the card anyway. (Edges were tried as a middle step: on a light card on light
    # paper they took the card's shadow for its edge; docs/reading.md, "Photos".)
    colour = _foreground(small)
    found = _outline_quad(colour, small)
    if found is not None and not _sides_stand_out(small, found[0]):
        found = None
    if found is None and not card_shaped:
        # Together: GrabCut keeps what the surface's colour spread hid, the colour cue what GrabCut gave away.
        found = _outline_quad(cv2.bitwise_or(_grabcut(small), colour), small)
    if found is None:
        return _frame(image) if card_shaped else None
    corners, share = found
    if card_shaped and not 0.35 <= share <= 0.8:
        return _frame(image)
    corners = corners / scale
    margin = EDGE_MARGIN * max(height, width)
    touches = bool(
        (corners[:, 0] < margin).any()
        or (corners[:, 1] < margin).any()
        or (corners[:, 0] > width - margin).any()
        or (corners[:, 1] > height - margin).any()
    )
    return CardQuad(corners=corners.astype(np.float32), method="outline", share=share, touches_edge=touches)


def rectify(image: np.ndarray, quad: CardQuad, *, width: int, steps: Preprocessor = OPENCV) -> np.ndarray:
    """The card warped to the ID-1 shape, width pixels wide (the first side of the quad along the top)."""
    return steps.warp(image, quad.corners, width=width, height=round(width * CARD_ASPECT))
