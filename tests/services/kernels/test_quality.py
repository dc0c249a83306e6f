"""The quality twin against OpenCV's measure_quality (cv2.Laplacian CV_16S with BORDER_REFLECT_101 and
cv2.meanStdDev): the same figures, to floating rounding, on cards and on the smallest images."""

from __future__ import annotations

import numpy as np
import pytest

from services.kernels.quality import quality_cpu
from services.pipeline.preprocess import measure_quality


@pytest.mark.parametrize("shape", [(631, 1000), (17, 23), (1, 5), (3, 1), (2, 2)])
def test_quality_is_opencvs(shape: tuple[int, int]) -> None:
    gray = np.random.default_rng(sum(shape)).integers(0, 256, shape, dtype=np.uint8)
    ours, reference = quality_cpu(gray), measure_quality(gray)
    assert (ours.width, ours.height) == (reference.width, reference.height)
    assert ours.brightness == pytest.approx(reference.brightness, rel=1e-12)
    assert ours.contrast == pytest.approx(reference.contrast, rel=1e-9)
    assert ours.sharpness == pytest.approx(reference.sharpness, rel=1e-9, abs=1e-9)


def test_a_flat_card_has_no_sharpness_and_no_contrast() -> None:
    flat = np.full((40, 60), 200, np.uint8)
    quality = quality_cpu(flat)
    assert (quality.sharpness, quality.contrast, quality.brightness) == (0.0, 0.0, 200.0)
