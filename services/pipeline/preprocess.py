"""Image preparation for the readers: decode, ink (each pixel's brightest channel), normalised width, deskew,
and quality measurements.

Only steps that keep or raise OCR accuracy are here: binarising hurt accuracy in the baseline measurements
(docs/reading.md, "What preprocessing keeps"), so the OCR sees a deskewed grey image. The grey is the brightest
channel rather than luma: it keeps ink dark and lifts the e-KTP's blue guilloche towards the paper.
"""

from __future__ import annotations

import math
from typing import Protocol

import cv2
import numpy as np

from services.core.model import ImageQuality
from services.pipeline.ink import brightest_channel
from services.platform.errors import DocumentError

_MAX_SKEW_DEG = 10.0


def decode_image(data: bytes, *, max_pixels: int) -> np.ndarray:
    """Decode to a BGR array, refusing empty, undecodable and oversized images with a code."""
    return _decoded(data, cv2.IMREAD_COLOR, max_pixels=max_pixels)


def _decoded(data: bytes, flags: int, *, max_pixels: int) -> np.ndarray:
    if not data:
        raise DocumentError("the file is empty", code="empty_file")
    buffer = np.frombuffer(data, dtype=np.uint8)
    image = cv2.imdecode(buffer, flags)
    if image is None:
        raise DocumentError("the file is not an image OpenCV can decode (JPEG or PNG)", code="image_undecodable")
    if image.shape[0] * image.shape[1] > max_pixels:
        raise DocumentError(f"the image has more than {max_pixels} pixels", code="image_too_large")
    return image


def to_gray(image: np.ndarray) -> np.ndarray:
    """Luma, for the measurements and tools that want the photo's own grey."""
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def normalise_width(gray: np.ndarray, *, width: int) -> np.ndarray:
    """Scale to the card width the OCR was tuned for; glyph size matters more to Tesseract than pixels."""
    height, current = gray.shape[:2]
    if current == width:
        return gray
    interpolation = cv2.INTER_AREA if current > width else cv2.INTER_CUBIC
    return cv2.resize(gray, (width, max(1, round(height * width / current))), interpolation=interpolation)


def estimate_skew(gray: np.ndarray) -> float:
    """Angle (degrees) that makes text rows horizontal: the rotation maximising row-profile variance."""
    small = normalise_width(gray, width=min(500, gray.shape[1]))
    # Local-mean threshold marks strokes darker than their surroundings: text, not a dark table behind the card.
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 15)

    def sharpness(angle: float) -> float:
        rows = rotate(ink, angle, border_value=0).sum(axis=1, dtype=np.float64)
        return float(np.var(rows))

    coarse = max(np.arange(-_MAX_SKEW_DEG, _MAX_SKEW_DEG + 0.01, 0.5), key=sharpness)
    fine = max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=sharpness)
    return round(float(fine), 2)


def rotate(gray: np.ndarray, angle: float, *, border_value: int | None = None) -> np.ndarray:
    if abs(angle) < 1e-6:
        return gray
    height, width = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    if border_value is None:
        return cv2.warpAffine(gray, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return cv2.warpAffine(
        gray, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border_value
    )


def measure_quality(gray: np.ndarray) -> ImageQuality:
    # The 8-bit Laplacian fits int16 exactly; OpenCV's one-pass variance over it equals numpy's var of the
    # float64 Laplacian to ~1e-14, at a quarter of the time (no 8-bytes-a-pixel temporaries).
    _, laplacian_std = cv2.meanStdDev(cv2.Laplacian(gray, cv2.CV_16S))
    sharpness = float(laplacian_std[0][0]) ** 2
    mean, std = cv2.meanStdDev(gray)
    return ImageQuality(
        sharpness=0.0 if math.isnan(sharpness) else sharpness,
        brightness=float(mean[0][0]),
        contrast=float(std[0][0]),
        width=int(gray.shape[1]),
        height=int(gray.shape[0]),
    )


def preprocess(image: np.ndarray, *, card_width: int) -> tuple[np.ndarray, ImageQuality, float]:
    """The ink image (brightest channel), width-normalised and deskewed; its quality; and the skew removed."""
    gray = normalise_width(brightest_channel(image), width=card_width)
    quality = measure_quality(gray)
    skew = estimate_skew(gray)
    return rotate(gray, skew), quality, skew


def no_preprocess(image: np.ndarray, *, card_width: int) -> tuple[np.ndarray, ImageQuality, float]:
    """The baseline for evaluation: Tesseract sees the decoded photo as it came (quality is still measured)."""
    return image, measure_quality(brightest_channel(image)), 0.0


class Preprocessor(Protocol):
    """The per-pixel work of one path: the photo shrunk for the card finder, the card warped out of it, and the
    card prepared for the readers (ink, width, deskew; its quality; the skew removed). The CPU path runs OpenCV
    (OPENCV below); the GPU path its kernels (services.kernels.dispatch.KernelPreprocessor)."""

    def __call__(self, image: np.ndarray, /, *, card_width: int) -> tuple[np.ndarray, ImageQuality, float]: ...

    def shrink(self, image: np.ndarray, factor: int) -> np.ndarray:
        """image with each side divided by a whole-number factor (the mean of each block)."""
        ...

    def warp(self, image: np.ndarray, corners: np.ndarray, *, width: int, height: int) -> np.ndarray:
        """The quadrilateral corners (TL, TR, BR, BL) of image warped to width x height."""
        ...


class OpenCvPreprocessor:
    """The CPU path's Preprocessor: OpenCV throughout."""

    def __call__(self, image: np.ndarray, *, card_width: int) -> tuple[np.ndarray, ImageQuality, float]:
        return preprocess(image, card_width=card_width)

    def shrink(self, image: np.ndarray, factor: int) -> np.ndarray:
        if factor == 1:
            return image
        size = (image.shape[1] // factor, image.shape[0] // factor)
        return cv2.resize(image[: size[1] * factor, : size[0] * factor], size, interpolation=cv2.INTER_AREA)

    def warp(self, image: np.ndarray, corners: np.ndarray, *, width: int, height: int) -> np.ndarray:
        target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
        matrix = cv2.getPerspectiveTransform(np.asarray(corners, np.float32), target)
        return cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


OPENCV = OpenCvPreprocessor()
