"""Resize to a card width: area averaging when shrinking (cv2 INTER_AREA), bilinear when enlarging
(cv2 INTER_LINEAR, half-pixel centres). Both round to the nearest grey level; OpenCV's fixed-point
arithmetic can differ by one level."""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numba import cuda, prange

from services.kernels._jit import as_batch, finish, grid_3d, pixel, to_device, twin

AREA, LINEAR, BLOCK, HALF = 0, 1, 2, 3  # HALF: a 2x2 BLOCK, with literal factors the compiler unrolls (10x)


@pixel
def area_pixel(src, k, y, x, sy, sx):  # type: ignore[no-untyped-def]
    """Mean of the source rectangle [y*sy, (y+1)*sy) x [x*sx, (x+1)*sx), weighted by overlap."""
    h, w = src.shape[1], src.shape[2]
    fy0 = y * sy
    fy1 = min(fy0 + sy, float(h))
    fx0 = x * sx
    fx1 = min(fx0 + sx, float(w))
    iy_end = min(int(math.ceil(fy1 - 1e-9)), h)  # noqa: RUF046 (numba types the result as int only with int())
    ix_end = min(int(math.ceil(fx1 - 1e-9)), w)  # noqa: RUF046 (numba types the result as int only with int())
    ix_start = int(fx0 + 1e-9)
    acc = 0.0
    for iy in range(int(fy0 + 1e-9), iy_end):
        wy = min(fy1, iy + 1.0) - max(fy0, float(iy))
        row = 0.0
        for ix in range(ix_start, ix_end):
            wx = min(fx1, ix + 1.0) - max(fx0, float(ix))
            row += wx * src[k, iy, ix]
        acc += wy * row
    value = int(acc / ((fy1 - fy0) * (fx1 - fx0)) + 0.5)
    return min(max(value, 0), 255)


@pixel
def block_pixel(src, k, y, x, fy, fx):  # type: ignore[no-untyped-def]
    """area_pixel for whole-number factors: the rounded mean of an fy x fx block, summed in integers. The
    skew estimate halves every 1000-px card to 500 px, so this is the common case; the result is identical
    (area_pixel's sum is an exact integer too, and its rounding boundary is exact in both)."""
    acc = 0
    for iy in range(y * fy, (y + 1) * fy):
        for ix in range(x * fx, (x + 1) * fx):
            acc += src[k, iy, ix]
    area = fy * fx
    return (acc + area // 2) // area


@pixel
def linear_pixel(src, k, y, x, sy, sx):  # type: ignore[no-untyped-def]
    h, w = src.shape[1], src.shape[2]
    fy = (y + 0.5) * sy - 0.5
    fx = (x + 0.5) * sx - 0.5
    y0 = int(math.floor(fy))  # noqa: RUF046 (numba types the result as int only with int())
    x0 = int(math.floor(fx))  # noqa: RUF046 (numba types the result as int only with int())
    wy = fy - y0
    wx = fx - x0
    ya = min(max(y0, 0), h - 1)
    yb = min(max(y0 + 1, 0), h - 1)
    xa = min(max(x0, 0), w - 1)
    xb = min(max(x0 + 1, 0), w - 1)
    top = (1.0 - wx) * src[k, ya, xa] + wx * src[k, ya, xb]
    bottom = (1.0 - wx) * src[k, yb, xa] + wx * src[k, yb, xb]
    value = int((1.0 - wy) * top + wy * bottom + 0.5)
    return min(max(value, 0), 255)


@twin
def _resize_twin(src, out, sy, sx, mode):  # type: ignore[no-untyped-def]
    n, h, w = out.shape
    for i in prange(n * h):
        k, y = i // h, i % h
        for x in range(w):
            if mode == HALF:
                out[k, y, x] = block_pixel(src, k, y, x, 2, 2)
            elif mode == BLOCK:
                out[k, y, x] = block_pixel(src, k, y, x, int(sy), int(sx))
            elif mode == AREA:
                out[k, y, x] = area_pixel(src, k, y, x, sy, sx)
            else:
                out[k, y, x] = linear_pixel(src, k, y, x, sy, sx)


@numba.njit(cache=True)
def area_spans(n_in, n_out, scale):  # type: ignore[no-untyped-def]
    """area_pixel's bookkeeping along one axis, once per output index instead of once per pixel: the first
    source index, how many it covers, their overlap weights and the span's length (same formulas, so the
    same floats)."""
    starts = np.empty(n_out, dtype=np.int64)
    counts = np.empty(n_out, dtype=np.int64)
    lengths = np.empty(n_out, dtype=np.float64)
    weights = np.zeros((n_out, int(math.ceil(scale)) + 2), dtype=np.float64)  # noqa: RUF046 (numba)
    for o in range(n_out):
        f0 = o * scale
        f1 = min(f0 + scale, float(n_in))
        start = int(f0 + 1e-9)
        end = min(int(math.ceil(f1 - 1e-9)), n_in)  # noqa: RUF046 (numba types the result as int only with int())
        starts[o], counts[o], lengths[o] = start, end - start, f1 - f0
        for j in range(end - start):
            weights[o, j] = min(f1, start + j + 1.0) - max(f0, float(start + j))
    return starts, counts, weights, lengths


@twin
def _area_twin(src, out, rows, ys, ycounts, yweights, ylengths, xs, xcounts, xweights, xlengths):  # type: ignore[no-untyped-def]
    """area_pixel separated: each source row's weighted sums for every output column first (rows), then
    the weighted sum of those down each output row. The additions happen in area_pixel's order, so the
    result is identical, but a source row shared by two output rows is summed once, and no weight is
    recomputed per pixel (2-3x faster on a card)."""
    n, h, w = out.shape
    src_h = src.shape[1]
    for i in prange(n * src_h):
        k, iy = i // src_h, i % src_h
        for x in range(w):
            row = 0.0
            for j in range(xcounts[x]):
                row += xweights[x, j] * src[k, iy, xs[x] + j]
            rows[k, iy, x] = row
    for i in prange(n * h):
        k, y = i // h, i % h
        for x in range(w):
            acc = 0.0
            for j in range(ycounts[y]):
                acc += yweights[y, j] * rows[k, ys[y] + j, x]
            value = int(acc / (ylengths[y] * xlengths[x]) + 0.5)
            out[k, y, x] = min(max(value, 0), 255)


@cuda.jit
def _resize_kernel(src, out, sy, sx, mode):  # type: ignore[no-untyped-def]
    x, y, k = cuda.grid(3)
    if k < out.shape[0] and y < out.shape[1] and x < out.shape[2]:
        if mode == HALF:
            out[k, y, x] = block_pixel(src, k, y, x, 2, 2)
        elif mode == BLOCK:
            out[k, y, x] = block_pixel(src, k, y, x, int(sy), int(sx))
        elif mode == AREA:
            out[k, y, x] = area_pixel(src, k, y, x, sy, sx)
        else:
            out[k, y, x] = linear_pixel(src, k, y, x, sy, sx)


def target_size(height: int, width: int, card_width: int) -> tuple[int, int]:
    """(height, width) after scaling to card_width, rounded as services.pipeline.preprocess does."""
    return max(1, round(height * card_width / width)), card_width


def _plan(h: int, w: int, out_h: int, out_w: int, interpolation: str) -> tuple[float, float, int]:
    if interpolation not in ("auto", "area", "linear"):
        raise ValueError(f"interpolation must be auto, area or linear, not {interpolation!r}")
    if interpolation == "auto":
        mode = AREA if out_w < w else LINEAR
    else:
        mode = AREA if interpolation == "area" else LINEAR
    sy, sx = h / out_h, w / out_w
    if mode == AREA and sy.is_integer() and sx.is_integer():
        mode = HALF if sy == sx == 2.0 else BLOCK
    return sy, sx, mode


def resize_cpu(gray: np.ndarray, *, width: int, height: int | None = None, interpolation: str = "auto") -> np.ndarray:
    """Grey (H, W) scaled to `width` (height keeps the aspect unless given); `auto` = area when shrinking."""
    h, w = gray.shape[:2]
    out_h, out_w = (height, width) if height is not None else target_size(h, w, width)
    if (out_h, out_w) == (h, w):
        return np.array(gray, dtype=np.uint8)
    sy, sx, mode = _plan(h, w, out_h, out_w, interpolation)
    out = np.empty((1, out_h, out_w), dtype=np.uint8)
    if mode == AREA:
        rows = np.empty((1, h, out_w), dtype=np.float64)
        _area_twin(as_batch(gray), out, rows, *area_spans(h, out_h, sy), *area_spans(w, out_w, sx))
    else:
        _resize_twin(as_batch(gray), out, sy, sx, mode)
    return out[0]


def resize_cuda(
    batch: Any, *, width: int, height: int | None = None, interpolation: str = "auto", keep_on_device: bool = False
) -> Any:
    """A grey batch (N, H, W) scaled to `width` in one launch."""
    src = to_device(batch)
    n, h, w = src.shape
    out_h, out_w = (height, width) if height is not None else target_size(h, w, width)
    if (out_h, out_w) == (h, w):
        return finish(src, keep_on_device)
    sy, sx, mode = _plan(h, w, out_h, out_w, interpolation)
    out = cuda.device_array((n, out_h, out_w), dtype=np.uint8)
    blocks, threads = grid_3d(n, out_h, out_w)
    _resize_kernel[blocks, threads](src, out, sy, sx, mode)
    return finish(out, keep_on_device)
