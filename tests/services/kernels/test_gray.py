"""Grey: within 1 level of cv2.cvtColor (OpenCV 5 rounds ~0.3% of pixels the other way)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from services.kernels.gray import gray_cpu, ink_cpu
from tests.services.kernels.conftest import SHAPES, diff, noise, plain


@pytest.mark.parametrize("shape", SHAPES)
def test_gray_matches_opencv_within_one_level(shape: tuple[int, int]) -> None:
    image = noise((*shape, 3), seed=shape[0])
    assert diff(gray_cpu(image), cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)).max() <= 1


def test_gray_on_card(card_bgr: np.ndarray) -> None:
    assert diff(gray_cpu(card_bgr), cv2.cvtColor(card_bgr, cv2.COLOR_BGR2GRAY)).max() <= 1


@pytest.mark.parametrize("value", [0, 255])
def test_gray_of_black_and_white_is_exact(value: int) -> None:
    assert (gray_cpu(plain((5, 7, 3), value)) == value).all()


def test_grey_input_comes_back_as_a_copy() -> None:
    image = noise((4, 4))
    out = gray_cpu(image)
    assert (out == image).all() and out is not image


@pytest.mark.parametrize("shape", SHAPES)
def test_ink_is_the_brightest_channel(shape: tuple[int, int]) -> None:
    image = noise((*shape, 3), seed=shape[1])
    assert (ink_cpu(image) == image.max(axis=2)).all()


def test_ink_of_a_grey_image_is_a_copy() -> None:
    image = noise((4, 4))
    out = ink_cpu(image)
    assert (out == image).all() and out is not image
