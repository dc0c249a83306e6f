"""Each CUDA kernel against its CPU twin on tiny batches (<= 32x32, 2-3 images). Runs only under the CUDA
simulator (see ../test_cudasim.py) or on a real GPU; the simulator costs ~200 us per thread."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from numba import cuda

from services.kernels.denoise import gaussian_cpu, gaussian_cuda
from services.kernels.deskew import estimate_skew_cpu, estimate_skew_cuda, rotate_cpu, rotate_cuda
from services.kernels.dispatch import KernelPreprocessor
from services.kernels.gray import gray_cpu, gray_cuda, ink_cpu, ink_cuda
from services.kernels.normalise import normalise_cpu, normalise_cuda
from services.kernels.photo import shrink_cpu, shrink_cuda, warp_cpu, warp_cuda
from services.kernels.quality import quality_cpu, quality_cuda
from services.kernels.resize import resize_cpu, resize_cuda
from services.kernels.threshold import adaptive_threshold_cpu, adaptive_threshold_cuda

pytestmark = pytest.mark.skipif(
    not (numba.config.ENABLE_CUDASIM or cuda.is_available()), reason="no CUDA GPU (and not under NUMBA_ENABLE_CUDASIM)"
)


def batch(n: int, h: int, w: int, *channels: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, h, w, *channels), dtype=np.uint8)


def each(fn, images):  # type: ignore[no-untyped-def]
    return np.stack([fn(image) for image in images])


def close(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    assert np.abs(a.astype(np.int64) - b.astype(np.int64)).max() <= 1


def test_gray() -> None:
    images = batch(3, 12, 17, 3)
    assert (gray_cuda(images) == each(gray_cpu, images)).all()


def test_ink() -> None:
    images = batch(3, 12, 17, 3)
    assert (ink_cuda(images) == each(ink_cpu, images)).all()


def test_shrink() -> None:
    image = batch(1, 12, 18, 3)[0]
    assert (shrink_cuda(image, 3) == shrink_cpu(image, 3)).all()


def test_warp() -> None:
    image = batch(1, 16, 20, 3)[0]
    corners = np.array([[1.5, 2.0], [18.0, 1.0], [17.0, 14.5], [2.0, 15.0]], np.float32)
    assert (warp_cuda(image, corners, width=10, height=7) == warp_cpu(image, corners, width=10, height=7)).all()


@pytest.mark.parametrize("width", [7, 29])
def test_resize(width: int) -> None:
    images = batch(2, 13, 16)
    close(resize_cuda(images, width=width), each(lambda g: resize_cpu(g, width=width), images))


def test_gaussian() -> None:
    images = batch(2, 11, 14)
    assert (gaussian_cuda(images, ksize=5) == each(lambda g: gaussian_cpu(g, ksize=5), images)).all()


def test_normalise() -> None:
    images = (batch(2, 10, 12) // 2 + 30).astype(np.uint8)
    close(normalise_cuda(images), each(normalise_cpu, images))


def test_quality_totals_are_the_twins_to_the_last_bit() -> None:
    """Integer totals with atomics: the order threads add in cannot change them, so CUDA equals the twin exactly."""
    images = batch(3, 9, 13)
    assert quality_cuda(images) == [quality_cpu(g) for g in images]
    assert quality_cuda(batch(1, 1, 5))[0] == quality_cpu(batch(1, 1, 5)[0])  # one row: the border reflects onto itself


def test_threshold() -> None:
    images = batch(3, 12, 15)
    expected = each(lambda g: adaptive_threshold_cpu(g, block_size=5, c=3), images)
    assert (adaptive_threshold_cuda(images, block_size=5, c=3) == expected).all()


def test_rotate_and_estimate() -> None:
    images = batch(2, 10, 14)
    angles = [3.0, -7.5]
    expected = np.stack([rotate_cpu(g, a) for g, a in zip(images, angles, strict=True)])
    close(rotate_cuda(images, angles), expected)
    ink = np.zeros((2, 9, 20), dtype=np.uint8)
    ink[:, 3, 2:18] = 255
    ink[1, 6, 1:19] = 255
    assert estimate_skew_cuda(ink) == [estimate_skew_cpu(g) for g in ink]


def test_chain_batches_same_sizes() -> None:
    images = [batch(1, 8, 12, 3, seed=s)[0] for s in range(3)] + [batch(1, 6, 9, 3)[0]]
    gpu = KernelPreprocessor("cuda", card_width=10).run_batch(images)
    cpu = KernelPreprocessor("cpu", card_width=10).run_batch(images)
    for (g, gq, gs), (c, cq, cs) in zip(gpu, cpu, strict=True):
        assert gs == cs and gq == cq
        close(g, c)
