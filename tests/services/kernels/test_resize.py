"""Resize: within 1 grey level of cv2.resize INTER_AREA (shrink) and INTER_LINEAR (any direction).
OpenCV's fixed-point rounding disagrees on up to ~17% of pixels for LINEAR, ~8% for AREA enlargement."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from services.kernels.resize import resize_cpu, target_size
from tests.services.kernels.conftest import diff, noise, plain

SHRINK = [((190, 300), 100), ((63, 101), 50), ((64, 64), 32), ((3, 2000), 1000)]
GROW = [((31, 17), 40), ((2, 3), 7)]
# Area interpolation is used only to shrink; bilinear both ways.
CASES = [(shape, width, "area", cv2.INTER_AREA) for shape, width in SHRINK] + [
    (shape, width, "linear", cv2.INTER_LINEAR) for shape, width in SHRINK + GROW
]


@pytest.mark.parametrize(("shape", "width", "name", "flag"), CASES)
def test_resize_matches_opencv_within_one_level(shape: tuple[int, int], width: int, name: str, flag: int) -> None:
    image = noise(shape, seed=width)
    height, _ = target_size(*shape, width)
    expected = cv2.resize(image, (width, height), interpolation=flag)
    assert diff(resize_cpu(image, width=width, interpolation=name), expected).max() <= 1


def test_card_shrinks_like_opencv_area(card_gray: np.ndarray) -> None:
    expected = cv2.resize(card_gray, (500, 315), interpolation=cv2.INTER_AREA)
    assert diff(resize_cpu(card_gray, width=500), expected).max() <= 1


@pytest.mark.parametrize(("shape", "factor"), [((630, 1000), 2), ((64, 64), 2), ((90, 120), 3), ((8, 12), 4)])
def test_whole_number_shrinks_are_exact_block_means(shape: tuple[int, int], factor: int) -> None:
    """The skew estimate halves every card: that path sums blocks in integers and must equal the rounded
    block mean exactly (and so the general area path, which computes the same mean in floating point)."""
    image = noise(shape, seed=factor)
    h, w = shape[0] // factor, shape[1] // factor
    sums = image.reshape(h, factor, w, factor).astype(np.int64).sum(axis=(1, 3))
    expected = (sums + factor * factor // 2) // (factor * factor)
    assert (resize_cpu(image, width=w) == expected).all()


def test_same_width_is_a_copy_and_one_pixel_scales() -> None:
    image = noise((5, 9))
    assert (resize_cpu(image, width=9) == image).all()
    assert (resize_cpu(plain((1, 1), 77), width=4) == plain((4, 4), 77)).all()
    assert resize_cpu(plain((4, 4), 255), width=1).tolist() == [[255]]


def test_unknown_interpolation_is_refused() -> None:
    with pytest.raises(ValueError, match="interpolation"):
        resize_cpu(noise((4, 4)), width=2, interpolation="cubic")
