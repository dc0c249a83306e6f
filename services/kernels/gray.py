"""BGR to one channel: luma with OpenCV 4's fixed-point BT.601 weights (within one grey level of cv2.cvtColor;
OpenCV 5 rounds about 0.3% of pixels the other way), and ink, each pixel's brightest channel (what the readers
see: it keeps ink dark and lifts the e-KTP's blue guilloche; services/pipeline/ink.py)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import cuda, prange

from services.kernels._jit import as_batch, finish, grid_3d, pixel, to_device, twin

# OpenCV's BT.601 weights scaled by 2**14 (B, G, R).
_WB, _WG, _WR, _SHIFT = 1868, 9617, 4899, 14


@pixel
def gray_pixel(b, g, r):  # type: ignore[no-untyped-def]
    return (int(b) * _WB + int(g) * _WG + int(r) * _WR + (1 << (_SHIFT - 1))) >> _SHIFT


@twin
def _gray_twin(src, out):  # type: ignore[no-untyped-def]
    n, h, w = out.shape
    for i in prange(n * h):
        k, y = i // h, i % h
        for x in range(w):
            out[k, y, x] = gray_pixel(src[k, y, x, 0], src[k, y, x, 1], src[k, y, x, 2])


@cuda.jit
def _gray_kernel(src, out):  # type: ignore[no-untyped-def]
    x, y, k = cuda.grid(3)
    if k < out.shape[0] and y < out.shape[1] and x < out.shape[2]:
        out[k, y, x] = gray_pixel(src[k, y, x, 0], src[k, y, x, 1], src[k, y, x, 2])


def _one_channel_cpu(image: np.ndarray, twin: Any) -> np.ndarray:
    if image.ndim == 2:
        return np.array(image, dtype=np.uint8)
    batch = as_batch(image)
    out = np.empty(batch.shape[:3], dtype=np.uint8)
    twin(batch, out)
    return out[0]


def _one_channel_cuda(batch: Any, kernel: Any, keep_on_device: bool) -> Any:
    src = to_device(batch)
    if len(src.shape) == 3:
        return src if keep_on_device else finish(src, False)
    n, h, w, _ = src.shape
    out = cuda.device_array((n, h, w), dtype=np.uint8)
    blocks, threads = grid_3d(n, h, w)
    kernel[blocks, threads](src, out)
    return finish(out, keep_on_device)


def gray_cpu(image: np.ndarray) -> np.ndarray:
    """Grey (H, W) uint8 from BGR (H, W, 3); a grey image comes back as a copy."""
    return _one_channel_cpu(image, _gray_twin)


def gray_cuda(batch: Any, *, keep_on_device: bool = False) -> Any:
    """Grey (N, H, W) from a BGR batch (N, H, W, 3), one launch; a grey batch passes through."""
    return _one_channel_cuda(batch, _gray_kernel, keep_on_device)


@pixel
def ink_pixel(b, g, r):  # type: ignore[no-untyped-def]
    # Comparisons, not max(): numba's CUDA target mishandles the *args form of min and max.
    brightest = b if b > g else g  # noqa: FURB136 - see above
    return brightest if brightest > r else r  # noqa: FURB136


@twin
def _ink_twin(src, out):  # type: ignore[no-untyped-def]
    n, h, w = out.shape
    for i in prange(n * h):
        k, y = i // h, i % h
        for x in range(w):
            out[k, y, x] = ink_pixel(src[k, y, x, 0], src[k, y, x, 1], src[k, y, x, 2])


@cuda.jit
def _ink_kernel(src, out):  # type: ignore[no-untyped-def]
    x, y, k = cuda.grid(3)
    if k < out.shape[0] and y < out.shape[1] and x < out.shape[2]:
        out[k, y, x] = ink_pixel(src[k, y, x, 0], src[k, y, x, 1], src[k, y, x, 2])


def ink_cpu(image: np.ndarray) -> np.ndarray:
    """The brightest channel (H, W) uint8 of BGR (H, W, 3); a grey image comes back as a copy."""
    return _one_channel_cpu(image, _ink_twin)


def ink_cuda(batch: Any, *, keep_on_device: bool = False) -> Any:
    """The brightest channel (N, H, W) of a BGR batch (N, H, W, 3), one launch; a grey batch passes through."""
    return _one_channel_cuda(batch, _ink_kernel, keep_on_device)
