"""Percentile stretch: equal (within 1 level) to numpy's inverted-CDF percentiles and a clipped linear map."""

from __future__ import annotations

import numpy as np
import pytest

from services.kernels.normalise import normalise_cpu
from tests.services.kernels.conftest import SHAPES, diff, noise, plain


def reference(image: np.ndarray, low: float = 1, high: float = 99) -> np.ndarray:
    lo, hi = np.percentile(image, [low, high], method="inverted_cdf")
    if hi <= lo:
        return image.copy()
    return np.clip(np.rint((image.astype(np.float64) - lo) * 255 / (hi - lo)), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("shape", SHAPES)
def test_stretch_matches_reference(shape: tuple[int, int]) -> None:
    image = (noise(shape, seed=3) // 3 + 60).astype(np.uint8)
    assert diff(normalise_cpu(image), reference(image)).max() <= 1


def test_stretch_on_card(card_gray: np.ndarray) -> None:
    assert diff(normalise_cpu(card_gray, low=2, high=98), reference(card_gray, 2, 98)).max() <= 1


@pytest.mark.parametrize("value", [0, 255, 128])
def test_flat_images_are_unchanged(value: int) -> None:
    assert (normalise_cpu(plain((6, 6), value)) == value).all()


def test_bad_percentiles_are_refused() -> None:
    with pytest.raises(ValueError):
        normalise_cpu(noise((4, 4)), low=60, high=40)
