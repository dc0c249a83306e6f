"""Gaussian denoise as cv2.GaussianBlur on uint8 (BORDER_REFLECT_101): OpenCV's bit-exact fixed-point
scheme, a separable kernel of integers summing to 256, a row pass then a column pass rounded at 16 bits."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import cuda, prange

from services.kernels._jit import as_batch, finish, grid_3d, pixel, to_device, twin

_SMALL = {
    1: [1.0],
    3: [0.25, 0.5, 0.25],
    5: [0.0625, 0.25, 0.375, 0.25, 0.0625],
    7: [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
}


def gaussian_weights(ksize: int, sigma: float = 0.0) -> np.ndarray:
    """Integer taps (sum 256) of cv2.getGaussianKernel(ksize, sigma)."""
    if ksize < 1 or ksize % 2 == 0:
        raise ValueError(f"ksize must be odd and positive, not {ksize}")
    if sigma <= 0 and ksize in _SMALL:
        taps = np.array(_SMALL[ksize])
    else:
        s = sigma if sigma > 0 else 0.3 * ((ksize - 1) * 0.5 - 1) + 0.8
        x = np.arange(ksize) - (ksize - 1) / 2
        taps = np.exp(-(x**2) / (2 * s * s))
        taps /= taps.sum()
    fixed = np.rint(taps * 256).astype(np.int64)
    fixed[ksize // 2] += 256 - fixed.sum()
    return fixed


@pixel
def reflect101(i, n):  # type: ignore[no-untyped-def]
    if n == 1:
        return 0
    while i < 0 or i >= n:
        i = -i if i < 0 else 2 * n - 2 - i
    return i


@pixel
def gauss_row_pixel(src, taps, k, y, x):  # type: ignore[no-untyped-def]
    """Horizontal pass: sum of taps x pixels (8 fractional bits)."""
    w = src.shape[2]
    r = taps.shape[0] // 2
    acc = 0
    for t in range(taps.shape[0]):
        acc += int(taps[t]) * int(src[k, y, reflect101(x + t - r, w)])
    return acc


@pixel
def gauss_column_pixel(tmp, taps, k, y, x):  # type: ignore[no-untyped-def]
    """Vertical pass over the row sums, rounded from 16 fractional bits to a grey level."""
    h = tmp.shape[1]
    r = taps.shape[0] // 2
    acc = 0
    for t in range(taps.shape[0]):
        acc += int(taps[t]) * int(tmp[k, reflect101(y + t - r, h), x])
    return min((acc + (1 << 15)) >> 16, 255)


@twin
def _gauss_twin(src, taps, tmp, out):  # type: ignore[no-untyped-def]
    n, h, w = out.shape
    for i in prange(n * h):
        k, y = i // h, i % h
        for x in range(w):
            tmp[k, y, x] = gauss_row_pixel(src, taps, k, y, x)
    for i in prange(n * h):
        k, y = i // h, i % h
        for x in range(w):
            out[k, y, x] = gauss_column_pixel(tmp, taps, k, y, x)


@cuda.jit
def _gauss_row_kernel(src, taps, tmp):  # type: ignore[no-untyped-def]
    x, y, k = cuda.grid(3)
    if k < tmp.shape[0] and y < tmp.shape[1] and x < tmp.shape[2]:
        tmp[k, y, x] = gauss_row_pixel(src, taps, k, y, x)


@cuda.jit
def _gauss_column_kernel(tmp, taps, out):  # type: ignore[no-untyped-def]
    x, y, k = cuda.grid(3)
    if k < out.shape[0] and y < out.shape[1] and x < out.shape[2]:
        out[k, y, x] = gauss_column_pixel(tmp, taps, k, y, x)


def gaussian_cpu(gray: np.ndarray, *, ksize: int = 3, sigma: float = 0.0) -> np.ndarray:
    """As cv2.GaussianBlur(gray, (ksize, ksize), sigma)."""
    taps = gaussian_weights(ksize, sigma)
    batch = as_batch(gray)
    tmp = np.empty(batch.shape, dtype=np.int32)
    out = np.empty_like(batch)
    _gauss_twin(batch, taps, tmp, out)
    return out[0]


def gaussian_cuda(batch: Any, *, ksize: int = 3, sigma: float = 0.0, keep_on_device: bool = False) -> Any:
    taps = cuda.to_device(gaussian_weights(ksize, sigma))
    src = to_device(batch)
    n, h, w = src.shape
    tmp = cuda.device_array((n, h, w), dtype=np.int32)
    out = cuda.device_array((n, h, w), dtype=np.uint8)
    blocks, threads = grid_3d(n, h, w)
    _gauss_row_kernel[blocks, threads](src, taps, tmp)
    _gauss_column_kernel[blocks, threads](tmp, taps, out)
    return finish(out, keep_on_device)
