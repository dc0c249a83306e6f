"""The card's quality measured where its pixels are: the mean and deviation of its grey levels and the variance of
its Laplacian (OpenCV's 3x3 aperture, borders reflected as BORDER_REFLECT_101), as
services.pipeline.preprocess.measure_quality measures them with OpenCV on the host.

Each pixel adds its level, its square, its Laplacian and that squared to four integer totals per image: integer
atomics on the GPU, so the totals do not depend on the order threads add them, and the CUDA and CPU results are
the same to the last bit. The GPU path then copies four numbers per card back instead of the card (one upload and
one download per document).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import cuda, prange

from services.core.model import ImageQuality
from services.kernels._jit import as_batch, grid_3d, pixel, to_device, twin

TOTALS = 4  # sum, sum of squares, Laplacian sum, Laplacian sum of squares


@pixel
def reflect101(i, n):  # type: ignore[no-untyped-def]
    """OpenCV's BORDER_REFLECT_101 for one step past an edge: -1 -> 1, n -> n - 2 (one pixel: itself)."""
    if n == 1:
        return 0
    if i < 0:
        return -i
    if i >= n:
        return 2 * n - 2 - i
    return i


@pixel
def laplacian_pixel(src, k, y, x):  # type: ignore[no-untyped-def]
    """The 3x3 Laplacian (0 1 0 / 1 -4 1 / 0 1 0) at (y, x) of image k."""
    h, w = src.shape[1], src.shape[2]
    up = int(src[k, reflect101(y - 1, h), x])
    down = int(src[k, reflect101(y + 1, h), x])
    left = int(src[k, y, reflect101(x - 1, w)])
    right = int(src[k, y, reflect101(x + 1, w)])
    return up + down + left + right - 4 * int(src[k, y, x])


@twin
def _totals_twin(src, totals):  # type: ignore[no-untyped-def]
    """totals[k, row, t]: per-row totals (no shared counters between threads), summed by the caller."""
    n, h, w = src.shape
    for i in prange(n * h):
        k, y = i // h, i % h
        for x in range(w):
            v = int(src[k, y, x])
            lap = laplacian_pixel(src, k, y, x)
            totals[k, y, 0] += v
            totals[k, y, 1] += v * v
            totals[k, y, 2] += lap
            totals[k, y, 3] += lap * lap


@cuda.jit
def _totals_kernel(src, totals):  # type: ignore[no-untyped-def]
    x, y, k = cuda.grid(3)
    if k < src.shape[0] and y < src.shape[1] and x < src.shape[2]:
        v = int(src[k, y, x])
        lap = laplacian_pixel(src, k, y, x)
        cuda.atomic.add(totals, (k, 0), v)
        cuda.atomic.add(totals, (k, 1), v * v)
        cuda.atomic.add(totals, (k, 2), lap)
        cuda.atomic.add(totals, (k, 3), lap * lap)


def _quality(totals: np.ndarray, height: int, width: int) -> ImageQuality:
    """The measures from one image's four totals (population statistics, as cv2.meanStdDev gives them)."""
    count = height * width
    mean = totals[0] / count
    variance = max(totals[1] / count - mean * mean, 0.0)
    lap_mean = totals[2] / count
    sharpness = max(totals[3] / count - lap_mean * lap_mean, 0.0)
    return ImageQuality(
        sharpness=float(sharpness), brightness=float(mean), contrast=math.sqrt(variance), width=width, height=height
    )


def quality_cpu(gray: np.ndarray) -> ImageQuality:
    batch = as_batch(gray)
    rows = np.zeros((*batch.shape[:2], TOTALS), dtype=np.int64)
    _totals_twin(batch, rows)
    return _quality(rows.sum(axis=1)[0], batch.shape[1], batch.shape[2])


def quality_cuda(batch: Any) -> list[ImageQuality]:
    """One ImageQuality per image of a (N, H, W) batch (host or device); only the totals come back."""
    src = to_device(batch)
    n, h, w = src.shape
    totals = cuda.to_device(np.zeros((n, TOTALS), dtype=np.int64))
    blocks, threads = grid_3d(n, h, w)
    _totals_kernel[blocks, threads](src, totals)
    return [_quality(row, h, w) for row in totals.copy_to_host()]
