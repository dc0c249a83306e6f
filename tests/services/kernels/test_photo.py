"""The photo kernels' CPU twins against OpenCV: the shrink is INTER_AREA within one grey level (OpenCV rounds an
exact half to even for factors above 2) and equal to it elsewhere, the warp
follows warpPerspective within two grey levels (OpenCV interpolates in fixed point)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from services.kernels.dispatch import KernelPreprocessor
from services.kernels.photo import shrink_cpu, shrink_factor, warp_cpu
from services.pipeline.preprocess import OPENCV
from tests.services.kernels.conftest import diff, noise


@pytest.mark.parametrize(("shape", "factor"), [((60, 80, 3), 2), ((61, 83, 3), 3), ((64, 64), 4), ((30, 45, 3), 1)])
def test_shrink_is_opencv_area(shape: tuple[int, ...], factor: int) -> None:
    image = noise(shape, seed=factor)
    h, w = shape[0] // factor, shape[1] // factor
    expected = cv2.resize(image[: h * factor, : w * factor], (w, h), interpolation=cv2.INTER_AREA)
    ours = shrink_cpu(image, factor)
    assert ours.shape == expected.shape and diff(ours, expected).max() <= 1
    if factor <= 2:  # no exact halves to round differently
        assert (ours == expected).all()
    assert (OPENCV.shrink(image, factor) == expected).all()


def test_the_factor_brings_the_long_side_under_the_limit() -> None:
    assert shrink_factor(3000, 4000, side=640) == 7 and shrink_factor(480, 640, side=640) == 1


@pytest.mark.parametrize("tilt", [0.0, 0.08])
def test_warp_follows_opencv(card_bgr: np.ndarray, tilt: float) -> None:
    h, w = card_bgr.shape[:2]
    corners = np.array([[w * 0.1, h * (0.1 + tilt)], [w * 0.9, h * 0.1], [w * 0.85, h * 0.9], [w * 0.12, h * (0.92 - tilt)]], np.float32)
    ours = warp_cpu(card_bgr, corners, width=500, height=315)
    reference = OPENCV.warp(card_bgr, corners, width=500, height=315)
    difference = diff(ours, reference)
    assert difference.max() <= 3 and (difference <= 2).mean() > 0.995


def test_the_kernel_chain_finds_the_same_card_as_opencv(card_bgr: np.ndarray) -> None:
    """The GPU path's steps (here on the CPU twins) give the card finder and the warp what OpenCV does."""
    from services.pipeline.capture import capture_card

    scene = np.full((900, 1400, 3), (40, 70, 110), np.uint8)
    scene[150 : 150 + card_bgr.shape[0], 200 : 200 + card_bgr.shape[1]] = card_bgr
    kernels = KernelPreprocessor("cpu", card_width=1000)
    ours, reference = capture_card(scene, card_width=1000, steps=kernels), capture_card(scene, card_width=1000)
    assert ours.quad is not None and reference.quad is not None
    assert np.abs(ours.quad.corners - reference.quad.corners).max() < 3
    assert diff(ours.card, reference.card).mean() < 1.5


def test_warp_replicates_the_edges_past_the_photo(card_bgr: np.ndarray) -> None:
    """A card cut off by the frame: corners outside the photo read its edge pixels (as OpenCV's BORDER_REPLICATE),
    never wrap around or extrapolate."""
    h, w = card_bgr.shape[:2]
    corners = np.array([[-0.1 * w, -0.05 * h], [w * 1.08, h * 0.02], [w * 0.95, h * 1.1], [w * 0.02, h * 0.97]], np.float32)
    ours = warp_cpu(card_bgr, corners, width=333, height=210)  # not a whole number of the twin's 32-pixel tiles
    difference = diff(ours, OPENCV.warp(card_bgr, corners, width=333, height=210))
    assert difference.max() <= 3 and (difference <= 2).mean() > 0.995
