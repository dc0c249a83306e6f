"""Contrast normalisation: a percentile stretch. The grey levels at the `low` and `high` percentiles
(inverted-CDF definition, numpy's method="inverted_cdf") map to 0 and 255, linearly between, clipped."""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numba import cuda, prange

from services.kernels._jit import BLOCK_THREADS as _BLOCK_THREADS
from services.kernels._jit import as_batch, finish, grid_3d, pixel, to_device, twin


@pixel
def stretch_pixel(v, lo, hi):  # type: ignore[no-untyped-def]
    if hi <= lo:
        return int(v)
    if v <= lo:
        return 0
    if v >= hi:
        return 255
    return min(int((int(v) - lo) * 255.0 / (hi - lo) + 0.5), 255)


@twin
def _histogram_twin(src, hist):  # type: ignore[no-untyped-def]
    """hist[k, row, level]: per-row histograms (no shared counters between threads), summed by the caller."""
    n, h, w = src.shape
    for i in prange(n * h):
        k, y = i // h, i % h
        for x in range(w):
            hist[k, y, src[k, y, x]] += 1


@twin
def _stretch_twin(src, bounds, out):  # type: ignore[no-untyped-def]
    n, h, w = out.shape
    for i in prange(n * h):
        k, y = i // h, i % h
        for x in range(w):
            out[k, y, x] = stretch_pixel(src[k, y, x], bounds[k, 0], bounds[k, 1])


LEVELS = 256
# bandit B101: an import-time check of two constants
assert _BLOCK_THREADS == LEVELS, "each thread of a block clears and flushes one level of the block's histogram"  # nosec B101


@cuda.jit
def _histogram_kernel(src, hist):  # type: ignore[no-untyped-def]
    """Counted in the block's shared memory first, then one global atomic per level and block: on a flat card
    most pixels share a few levels, and every thread adding to the same global counter serialises them."""
    levels = cuda.shared.array(256, numba.int32)
    t = cuda.threadIdx.y * cuda.blockDim.x + cuda.threadIdx.x
    levels[t] = 0
    cuda.syncthreads()
    x, y, k = cuda.grid(3)
    if k < src.shape[0] and y < src.shape[1] and x < src.shape[2]:
        cuda.atomic.add(levels, src[k, y, x], 1)
    cuda.syncthreads()
    if levels[t] != 0:
        cuda.atomic.add(hist, (cuda.blockIdx.z, t), int(levels[t]))


@cuda.jit
def _stretch_kernel(src, bounds, out):  # type: ignore[no-untyped-def]
    x, y, k = cuda.grid(3)
    if k < out.shape[0] and y < out.shape[1] and x < out.shape[2]:
        out[k, y, x] = stretch_pixel(src[k, y, x], bounds[k, 0], bounds[k, 1])


def percentile_bounds(hist: np.ndarray, low: float, high: float) -> np.ndarray:
    """(N, 2) grey levels at the low and high percentiles of (N, 256) histograms (inverted CDF)."""
    if not 0 <= low < high <= 100:
        raise ValueError(f"need 0 <= low < high <= 100, not {low}, {high}")
    cdf = np.cumsum(hist, axis=1)
    total = cdf[:, -1]
    bounds = np.empty((hist.shape[0], 2), dtype=np.int64)
    for k in range(hist.shape[0]):
        for j, q in enumerate((low, high)):
            rank = max(math.ceil(total[k] * q / 100), 1)
            bounds[k, j] = int(np.searchsorted(cdf[k], rank, side="left"))
    return bounds


def normalise_cpu(gray: np.ndarray, *, low: float = 1.0, high: float = 99.0) -> np.ndarray:
    batch = as_batch(gray)
    rows = np.zeros((*batch.shape[:2], 256), dtype=np.int64)
    _histogram_twin(batch, rows)
    bounds = percentile_bounds(rows.sum(axis=1), low, high)
    out = np.empty_like(batch)
    _stretch_twin(batch, bounds, out)
    return out[0]


def normalise_cuda(batch: Any, *, low: float = 1.0, high: float = 99.0, keep_on_device: bool = False) -> Any:
    """Histogram launch (atomics), bounds on the host (256 counters per image), stretch launch."""
    src = to_device(batch)
    n, h, w = src.shape
    hist = cuda.to_device(np.zeros((n, 256), dtype=np.int64))
    blocks, threads = grid_3d(n, h, w)
    _histogram_kernel[blocks, threads](src, hist)
    bounds = cuda.to_device(percentile_bounds(hist.copy_to_host(), low, high))
    out = cuda.device_array((n, h, w), dtype=np.uint8)
    _stretch_kernel[blocks, threads](src, bounds, out)
    return finish(out, keep_on_device)
