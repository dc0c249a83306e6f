"""Ink apart from the card's print: each pixel's brightest channel, with the light flattened.

The e-KTP's guilloche and watermark are light blue, brightest in the blue channel; its ink is near-black in
every channel. A pixel's brightest channel keeps ink dark and lifts the guilloche close to the paper (plain grey
keeps it as dark lines Tesseract reads as trailing letters, and cost the NIK reader 3 of 11 real cards:
docs/reading.md). Dividing by the local background then evens out a shadow or light falling off across a scan.
"""

from __future__ import annotations

import cv2
import numpy as np


def brightest_channel(image: np.ndarray) -> np.ndarray:
    """The per-pixel maximum over the colour channels; a grey image is returned as it is."""
    if image.ndim == 2:
        return image
    return np.asarray(cv2.max(cv2.max(image[:, :, 0], image[:, :, 1]), image[:, :, 2]))


def flatten_light(gray: np.ndarray, *, stroke_px: float) -> np.ndarray:
    """gray divided by its local background, so the paper is white everywhere and ink keeps its contrast to the
    paper around it: a shadow or light falling off across a scan goes. The background is a grey closing wider
    than a stroke (text does not count as background), taken at half size and smoothed."""
    half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    size = max(3, round(stroke_px * 1.5) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    background = cv2.blur(cv2.morphologyEx(half, cv2.MORPH_CLOSE, kernel), (size, size))
    background = cv2.resize(background, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return np.asarray(cv2.divide(gray, np.maximum(background, 1), scale=255))
