"""Gaussian: equal to cv2.GaussianBlur for the small kernels (OpenCV's bit-exact fixed point); a
sigma-derived kernel may differ by 1 grey level where our 8-bit taps round differently."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from services.kernels.denoise import gaussian_cpu
from tests.services.kernels.conftest import SHAPES, diff, noise


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("ksize", [3, 5, 7])
def test_gaussian_matches_opencv(shape: tuple[int, int], ksize: int) -> None:
    image = noise(shape, seed=ksize)
    assert diff(gaussian_cpu(image, ksize=ksize), cv2.GaussianBlur(image, (ksize, ksize), 0)).max() == 0


def test_gaussian_with_sigma_on_card(card_gray: np.ndarray) -> None:
    expected = cv2.GaussianBlur(card_gray, (5, 5), 1.5)
    assert diff(gaussian_cpu(card_gray, ksize=5, sigma=1.5), expected).max() <= 1


def test_even_kernel_is_refused() -> None:
    with pytest.raises(ValueError, match="odd"):
        gaussian_cpu(noise((4, 4)), ksize=4)
