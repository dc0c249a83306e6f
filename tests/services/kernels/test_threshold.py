"""Adaptive mean threshold: equal to cv2.adaptiveThreshold MEAN_C on every pixel seen so far; the
stated tolerance is 0.1% of pixels (those whose value sits exactly at the block mean - C)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from services.kernels.threshold import adaptive_threshold_cpu
from tests.services.kernels.conftest import SHAPES, noise, plain

TOLERANCE = 0.001


def reference(image: np.ndarray, inverse: bool, block: int = 15, c: float = 15) -> np.ndarray:
    kind = cv2.THRESH_BINARY_INV if inverse else cv2.THRESH_BINARY
    return cv2.adaptiveThreshold(image, 255, cv2.ADAPTIVE_THRESH_MEAN_C, kind, block, c)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("inverse", [True, False])
def test_threshold_matches_opencv(shape: tuple[int, int], inverse: bool) -> None:
    image = noise(shape, seed=7)
    assert (adaptive_threshold_cpu(image, inverse=inverse) != reference(image, inverse)).mean() <= TOLERANCE


@pytest.mark.parametrize(("block", "c"), [(3, 2), (31, -4.5), (15, 7.5)])
def test_threshold_parameters(card_gray: np.ndarray, block: int, c: float) -> None:
    got = adaptive_threshold_cpu(card_gray, block_size=block, c=c, inverse=False)
    assert (got != reference(card_gray, False, block, c)).mean() <= TOLERANCE


@pytest.mark.parametrize("value", [0, 255])
def test_flat_images(value: int) -> None:
    image = plain((9, 13), value)
    assert (adaptive_threshold_cpu(image) == reference(image, True)).all()


def test_even_block_is_refused() -> None:
    with pytest.raises(ValueError, match="odd"):
        adaptive_threshold_cpu(noise((4, 4)), block_size=4)
