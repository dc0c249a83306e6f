"""The per-pixel steps on a whole phone photo: shrinking it for the card finder (the mean of f x f blocks, each
colour channel) and warping the found card to the ID-1 shape (a perspective warp, bilinear, edges replicated).
The math is written once per pixel and shared by the CPU twins and the CUDA kernels.

References: shrink equals cv2.resize(INTER_AREA) for whole-number factors within one grey level (both round to
the nearest level; OpenCV rounds an exact half to even beyond a factor of 2, we round it up);
warp follows cv2.warpPerspective(INTER_LINEAR, BORDER_REPLICATE) within a grey level or two (OpenCV
interpolates in fixed point, 1/32 of a pixel).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import cuda, prange

from services.kernels._jit import finish, grid_3d, pixel, to_device, twin


@pixel
def shrink_pixel(src, y, x, c, f):  # type: ignore[no-untyped-def]
    """The rounded mean of the f x f block of channel c whose top-left is (y * f, x * f)."""
    acc = 0
    for iy in range(y * f, (y + 1) * f):
        for ix in range(x * f, (x + 1) * f):
            acc += int(src[iy, ix, c])  # an int, not the pixel's uint8 (the simulator would wrap at 255)
    area = f * f
    return (acc + area // 2) // area


@pixel
def warp_pixel(src, y, x, c, m0, m1, m2, m3, m4, m5, m6, m7, m8):  # type: ignore[no-untyped-def]
    """Channel c of the output pixel (x, y): the source point the inverse homography m maps it to, bilinear."""
    h, w = src.shape[0], src.shape[1]
    d = m6 * x + m7 * y + m8
    if d == 0.0:
        d = 1e-12
    sx = (m0 * x + m1 * y + m2) / d
    sy = (m3 * x + m4 * y + m5) / d
    x0 = int(math.floor(sx))  # noqa: RUF046 (numba types the result as int only with int())
    y0 = int(math.floor(sy))  # noqa: RUF046 (numba types the result as int only with int())
    wx = sx - x0
    wy = sy - y0
    xa = min(max(x0, 0), w - 1)
    xb = min(max(x0 + 1, 0), w - 1)
    ya = min(max(y0, 0), h - 1)
    yb = min(max(y0 + 1, 0), h - 1)
    top = (1.0 - wx) * src[ya, xa, c] + wx * src[ya, xb, c]
    bottom = (1.0 - wx) * src[yb, xa, c] + wx * src[yb, xb, c]
    value = int((1.0 - wy) * top + wy * bottom + 0.5)
    return min(max(value, 0), 255)


@twin
def _shrink_twin(src, out, f):  # type: ignore[no-untyped-def]
    h, w, channels = out.shape
    for y in prange(h):
        for x in range(w):
            for c in range(channels):
                out[y, x, c] = shrink_pixel(src, y, x, c, f)


@cuda.jit
def _shrink_kernel(src, out, f):  # type: ignore[no-untyped-def]
    x, y, c = cuda.grid(3)
    if y < out.shape[0] and x < out.shape[1] and c < out.shape[2]:
        out[y, x, c] = shrink_pixel(src, y, x, c, f)


@twin
def _warp_twin(src, out, m0, m1, m2, m3, m4, m5, m6, m7, m8):  # type: ignore[no-untyped-def]
    h, w, channels = out.shape
    for y in prange(h):
        for x in range(w):
            for c in range(channels):
                out[y, x, c] = warp_pixel(src, y, x, c, m0, m1, m2, m3, m4, m5, m6, m7, m8)


@cuda.jit
def _warp_kernel(src, out, m0, m1, m2, m3, m4, m5, m6, m7, m8):  # type: ignore[no-untyped-def]
    x, y, c = cuda.grid(3)
    if y < out.shape[0] and x < out.shape[1] and c < out.shape[2]:
        out[y, x, c] = warp_pixel(src, y, x, c, m0, m1, m2, m3, m4, m5, m6, m7, m8)


def _colour(image: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(image, dtype=np.uint8)
    return array if array.ndim == 3 else array[:, :, None]


def shrink_factor(height: int, width: int, *, side: int) -> int:
    """The whole-number factor that brings the long side to at most side."""
    return max(1, math.ceil(max(height, width) / side))


def shrink_cpu(image: np.ndarray, factor: int) -> np.ndarray:
    """image (H, W, C) shrunk by a whole-number factor: the mean of each factor x factor block."""
    src = _colour(image)
    out = np.empty((src.shape[0] // factor, src.shape[1] // factor, src.shape[2]), np.uint8)
    _shrink_twin(src, out, factor)
    return out if image.ndim == 3 else out[:, :, 0]


def shrink_cuda(image: Any, factor: int, *, keep_on_device: bool = False) -> Any:
    src = to_device(_colour(image) if isinstance(image, np.ndarray) else image)
    h, w, channels = src.shape
    out = cuda.device_array((h // factor, w // factor, channels), dtype=np.uint8)
    blocks, threads = grid_3d(channels, h // factor, w // factor)
    _shrink_kernel[blocks, threads](src, out, factor)
    return finish(out, keep_on_device)


def _inverse(corners: np.ndarray, width: int, height: int) -> tuple[float, ...]:
    """The homography from the output card (width x height) back to the photo, as nine floats."""
    import cv2

    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(target, np.asarray(corners, np.float32))
    return tuple(float(v) for v in matrix.ravel())


def warp_cpu(image: np.ndarray, corners: np.ndarray, *, width: int, height: int) -> np.ndarray:
    """The quadrilateral corners (TL, TR, BR, BL) of image warped to width x height."""
    src = _colour(image)
    out = np.empty((height, width, src.shape[2]), np.uint8)
    _warp_twin(src, out, *_inverse(corners, width, height))
    return out if image.ndim == 3 else out[:, :, 0]


def warp_cuda(image: Any, corners: np.ndarray, *, width: int, height: int, keep_on_device: bool = False) -> Any:
    src = to_device(_colour(image) if isinstance(image, np.ndarray) else image)
    channels = src.shape[2]
    out = cuda.device_array((height, width, channels), dtype=np.uint8)
    blocks, threads = grid_3d(channels, height, width)
    _warp_kernel[blocks, threads](src, out, *_inverse(corners, width, height))
    return finish(out, keep_on_device)
