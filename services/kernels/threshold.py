"""Adaptive local-mean threshold (cv2.adaptiveThreshold, ADAPTIVE_THRESH_MEAN_C) through an integral image.

The mean is OpenCV's: a block_size x block_size box over the image with replicated borders, rounded to a
grey level. Two scans build the integral of the padded image (rows, then columns); one per-pixel pass
compares each pixel with its block mean.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import cuda, prange

from services.kernels._jit import as_batch, finish, grid_1d, grid_3d, pixel, to_device, twin


@pixel
def integral_row_scan(src, integ, k, row, r):  # type: ignore[no-untyped-def]
    """Row `row` of the integral: zeros for row 0, else prefix sums of padded row row-1 (source rows and
    columns clamped: a replicated border of r pixels)."""
    h, w = src.shape[1], src.shape[2]
    integ[k, row, 0] = 0
    if row == 0:
        for px in range(1, integ.shape[2]):
            integ[k, 0, px] = 0
        return
    sy = min(max(row - 1 - r, 0), h - 1)
    acc = 0
    for px in range(w + 2 * r):
        sx = min(max(px - r, 0), w - 1)
        acc += int(src[k, sy, sx])
        integ[k, row, px + 1] = acc


@pixel
def integral_column_scan(integ, k, px):  # type: ignore[no-untyped-def]
    """Turns row prefix sums in column px into the 2-D integral (row 0 stays zero)."""
    for py in range(2, integ.shape[1]):
        integ[k, py, px] += integ[k, py - 1, px]


@pixel
def threshold_pixel(src, integ, k, y, x, block, delta, max_value, inverse):  # type: ignore[no-untyped-def]
    """max_value where the pixel is darker than its block mean by `delta` or more (inverse) / is not (binary)."""
    total = integ[k, y + block, x + block] - integ[k, y, x + block] - integ[k, y + block, x] + integ[k, y, x]
    area = block * block
    mean = (2 * total + area) // (2 * area)
    difference = int(src[k, y, x]) - mean
    if inverse:
        return max_value if difference <= -delta else 0
    return max_value if difference > -delta else 0


@twin
def _integral_twin(src, integ, r):  # type: ignore[no-untyped-def]
    n = src.shape[0]
    rows = integ.shape[1]
    for i in prange(n * rows):
        integral_row_scan(src, integ, i // rows, i % rows, r)
    cols = integ.shape[2]
    for i in prange(n * cols):
        integral_column_scan(integ, i // cols, i % cols)


@twin
def _threshold_twin(src, integ, out, block, delta, max_value, inverse):  # type: ignore[no-untyped-def]
    n, h, w = out.shape
    for i in prange(n * h):
        k, y = i // h, i % h
        for x in range(w):
            out[k, y, x] = threshold_pixel(src, integ, k, y, x, block, delta, max_value, inverse)


@cuda.jit
def _row_scan_kernel(src, integ, r):  # type: ignore[no-untyped-def]
    i = cuda.grid(1)
    rows = integ.shape[1]
    if i < src.shape[0] * rows:
        integral_row_scan(src, integ, i // rows, i % rows, r)


@cuda.jit
def _column_scan_kernel(integ):  # type: ignore[no-untyped-def]
    i = cuda.grid(1)
    cols = integ.shape[2]
    if i < integ.shape[0] * cols:
        integral_column_scan(integ, i // cols, i % cols)


@cuda.jit
def _threshold_kernel(src, integ, out, block, delta, max_value, inverse):  # type: ignore[no-untyped-def]
    x, y, k = cuda.grid(3)
    if k < out.shape[0] and y < out.shape[1] and x < out.shape[2]:
        out[k, y, x] = threshold_pixel(src, integ, k, y, x, block, delta, max_value, inverse)


def _check(block_size: int, c: float, inverse: bool) -> int:
    if block_size < 3 or block_size % 2 == 0:
        raise ValueError(f"block_size must be odd and at least 3, not {block_size}")
    # OpenCV's integer offset: floor(c) for the inverse threshold, ceil(c) for the plain one.
    return math.floor(c) if inverse else math.ceil(c)


def _integral_shape(n: int, h: int, w: int, block_size: int) -> tuple[int, int, int]:
    r = block_size // 2
    return n, h + 2 * r + 1, w + 2 * r + 1


def adaptive_threshold_cpu(
    gray: np.ndarray, *, max_value: int = 255, block_size: int = 15, c: float = 15, inverse: bool = True
) -> np.ndarray:
    """As cv2.adaptiveThreshold(gray, max_value, MEAN_C, THRESH_BINARY[_INV], block_size, c)."""
    delta = _check(block_size, c, inverse)
    batch = as_batch(gray)
    n, h, w = batch.shape
    integ = np.empty(_integral_shape(n, h, w, block_size), dtype=np.int64)
    _integral_twin(batch, integ, block_size // 2)
    out = np.empty_like(batch)
    _threshold_twin(batch, integ, out, block_size, delta, max_value, inverse)
    return out[0]


def adaptive_threshold_cuda(
    batch: Any,
    *,
    max_value: int = 255,
    block_size: int = 15,
    c: float = 15,
    inverse: bool = True,
    keep_on_device: bool = False,
) -> Any:
    """The threshold of a grey batch (N, H, W): two scan launches and one per-pixel launch."""
    delta = _check(block_size, c, inverse)
    src = to_device(batch)
    n, h, w = src.shape
    shape = _integral_shape(n, h, w, block_size)
    integ = cuda.device_array(shape, dtype=np.int64)
    blocks, threads = grid_1d(n * shape[1])
    _row_scan_kernel[blocks, threads](src, integ, block_size // 2)
    blocks, threads = grid_1d(n * shape[2])
    _column_scan_kernel[blocks, threads](integ)
    out = cuda.device_array((n, h, w), dtype=np.uint8)
    blocks3, threads3 = grid_3d(n, h, w)
    _threshold_kernel[blocks3, threads3](src, integ, out, block_size, delta, max_value, inverse)
    return finish(out, keep_on_device)
