"""Deskew: the projection-profile angle estimate of services.pipeline.preprocess.estimate_skew and the
rotation of cv2.warpAffine (bilinear).

The estimate shrinks the grey card to 500 px wide (area), marks ink with the adaptive local-mean
threshold, and picks the angle in -10..10 degrees (0.5 degree steps, then 0.1 around the best) whose
rotation gives the row sums with the largest variance. The row sums are computed without materialising
each rotated image: every ink pixel is projected onto the turned row axis and split linearly between
the two rows it falls between (a fused pass over the sparse ink instead of 52 full warps; on the CPU the ink's coordinates are
gathered once, so each angle reads only the ink). Pixels
that the turn carries out of the frame are dropped, as warpAffine drops them.

`rotated_pixel` is warpAffine's bilinear sample in float64; OpenCV 5's own arithmetic differs by at
most one grey level on about 0.15% of pixels.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from numba import cuda, prange

from services.kernels._jit import as_batch, finish, grid_1d, grid_3d, pixel, to_device, twin
from services.kernels.resize import resize_cpu, resize_cuda
from services.kernels.threshold import adaptive_threshold_cpu, adaptive_threshold_cuda

MAX_SKEW_DEG = 10.0
ESTIMATE_WIDTH = 500


@pixel
def rotated_pixel(src, k, y, x, m0, m1, m2, m3, m4, m5, replicate, border):  # type: ignore[no-untyped-def]
    """Destination pixel (y, x) of the affine warp whose inverse map is m: bilinear, border replicated
    or constant."""
    h, w = src.shape[1], src.shape[2]
    sx = m0 * x + m1 * y + m2
    sy = m3 * x + m4 * y + m5
    fx0 = math.floor(sx)
    fy0 = math.floor(sy)
    fx = sx - fx0
    fy = sy - fy0
    ix = int(fx0)
    iy = int(fy0)
    if 0 <= iy and iy + 1 < h and 0 <= ix and ix + 1 < w:
        # All four neighbours inside (most pixels): the loop below without its border tests, same sums.
        top = (1.0 - fx) * float(src[k, iy, ix]) + fx * float(src[k, iy, ix + 1])
        bottom = (1.0 - fx) * float(src[k, iy + 1, ix]) + fx * float(src[k, iy + 1, ix + 1])
        return min(max(int((1.0 - fy) * top + fy * bottom + 0.5), 0), 255)
    total = 0.0
    for dy in range(2):
        yy = iy + dy
        wy = fy if dy == 1 else 1.0 - fy
        row = 0.0
        for dx in range(2):
            xx = ix + dx
            wx = fx if dx == 1 else 1.0 - fx
            if replicate:
                v = float(src[k, min(max(yy, 0), h - 1), min(max(xx, 0), w - 1)])
            elif 0 <= yy < h and 0 <= xx < w:
                v = float(src[k, yy, xx])
            else:
                v = float(border)
            row += wx * v
        total += wy * row
    return min(max(int(total + 0.5), 0), 255)


@pixel
def projected_row(y, x, h, w, cos_a, sin_a):  # type: ignore[no-untyped-def]
    """Where source pixel (y, x) lands when the image turns by the angle about its centre
    (cv2.getRotationMatrix2D): the destination row as a real number, or -1.0 when it leaves the frame."""
    cx = w / 2.0
    cy = h / 2.0
    dx = cos_a * (x - cx) + sin_a * (y - cy) + cx
    dy = -sin_a * (x - cx) + cos_a * (y - cy) + cy
    if dx < -0.5 or dx > w - 0.5 or dy < 0.0 or dy > h - 1.0:
        return -1.0
    return dy


@twin
def _rotate_twin(src, m, out, replicate, border):  # type: ignore[no-untyped-def]
    n, h, w = out.shape
    for i in prange(n * h):
        k, y = i // h, i % h
        for x in range(w):
            out[k, y, x] = rotated_pixel(
                src, k, y, x, m[k, 0], m[k, 1], m[k, 2], m[k, 3], m[k, 4], m[k, 5], replicate, border
            )


@numba.njit(cache=True)
def _ink_coordinates(ink):  # type: ignore[no-untyped-def]
    """Row and column of every ink pixel, image by image in row-major order, and where each image's run
    starts (offsets[k]..offsets[k + 1]): text covers a tenth of a card, so the 52 angle passes read these
    instead of every pixel. Row-major order keeps each row's sum added in the dense scan's order."""
    n, h, w = ink.shape
    offsets = np.zeros(n + 1, dtype=np.int64)
    for k in range(n):
        count = 0
        for y in range(h):
            for x in range(w):
                if ink[k, y, x] != 0:
                    count += 1
        offsets[k + 1] = offsets[k] + count
    ys = np.empty(offsets[n], dtype=np.int32)
    xs = np.empty(offsets[n], dtype=np.int32)
    j = 0
    for k in range(n):
        for y in range(h):
            for x in range(w):
                if ink[k, y, x] != 0:
                    ys[j] = y
                    xs[j] = x
                    j += 1
    return offsets, ys, xs


@twin
def _profile_twin(ys, xs, offsets, w, trig, out):  # type: ignore[no-untyped-def]
    """out[k, a, row] = ink pixels landing on that row when image k turns by angle a (split between rows)."""
    n, angles, h = out.shape
    for i in prange(n * angles):
        k, a = i // angles, i % angles
        for y in range(h):
            out[k, a, y] = 0.0
        for j in range(offsets[k], offsets[k + 1]):
            dy = projected_row(ys[j], xs[j], h, w, trig[k, a, 0], trig[k, a, 1])
            if dy >= 0.0:
                row = int(dy)
                frac = dy - row
                out[k, a, row] += 1.0 - frac
                if frac > 0.0:
                    out[k, a, row + 1] += frac


@cuda.jit
def _rotate_kernel(src, m, out, replicate, border):  # type: ignore[no-untyped-def]
    x, y, k = cuda.grid(3)
    if k < out.shape[0] and y < out.shape[1] and x < out.shape[2]:
        out[k, y, x] = rotated_pixel(
            src, k, y, x, m[k, 0], m[k, 1], m[k, 2], m[k, 3], m[k, 4], m[k, 5], replicate, border
        )


@cuda.jit
def _profile_kernel(ink, trig, out):  # type: ignore[no-untyped-def]
    """One thread per (image, angle, source row); rows shared between threads are added atomically."""
    i = cuda.grid(1)
    n, angles, h = out.shape
    w = ink.shape[2]
    if i < n * angles * h:
        k = i // (angles * h)
        a = (i // h) % angles
        y = i % h
        for x in range(w):
            if ink[k, y, x] != 0:
                dy = projected_row(y, x, h, w, trig[k, a, 0], trig[k, a, 1])
                if dy >= 0.0:
                    row = int(dy)
                    frac = dy - row
                    cuda.atomic.add(out, (k, a, row), 1.0 - frac)
                    if frac > 0.0:
                        cuda.atomic.add(out, (k, a, row + 1), frac)


def inverse_rotation(angle_deg: float, height: int, width: int) -> np.ndarray:
    """cv2.getRotationMatrix2D((w/2, h/2), angle, 1) inverted as warpAffine inverts it: dst -> src map."""
    rad = angle_deg * math.pi / 180
    alpha, beta = math.cos(rad), math.sin(rad)
    cx, cy = width / 2, height / 2
    m = [alpha, beta, (1 - alpha) * cx - beta * cy, -beta, alpha, beta * cx + (1 - alpha) * cy]
    d = m[0] * m[4] - m[1] * m[3]
    d = 1.0 / d if d != 0 else 0.0
    a11, a22 = m[4] * d, m[0] * d
    m[0], m[1], m[3], m[4] = a11, m[1] * -d, m[3] * -d, a22
    b1 = -m[0] * m[2] - m[1] * m[5]
    b2 = -m[3] * m[2] - m[4] * m[5]
    m[2], m[5] = b1, b2
    return np.array(m, dtype=np.float64)


def _trig(angles: np.ndarray) -> np.ndarray:
    """(N, A, 2) cosines and sines for an (N, A) array of angles in degrees."""
    rad = np.radians(angles)
    return np.ascontiguousarray(np.stack([np.cos(rad), np.sin(rad)], axis=-1))


def coarse_angles() -> np.ndarray:
    return np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 0.01, 0.5)


def fine_angles(coarse: float) -> np.ndarray:
    return np.arange(coarse - 0.5, coarse + 0.51, 0.1)


def _best(angles: np.ndarray, profiles: np.ndarray) -> np.ndarray:
    """Per image, the first angle whose row sums vary most (as Python's max picks the first maximum)."""
    scores = np.var(profiles.astype(np.float64), axis=2)
    return angles[np.arange(len(angles)), np.argmax(scores, axis=1)]


def _estimate(ink: Any, profile: Any) -> list[float]:
    coarse = np.tile(coarse_angles(), (ink.shape[0], 1))
    best = _best(coarse, profile(ink, _trig(coarse)))
    fine = np.stack([fine_angles(float(c)) for c in best])
    return [round(float(a), 2) for a in _best(fine, profile(ink, _trig(fine)))]


def _profile_cpu(ink: np.ndarray, trig: np.ndarray) -> np.ndarray:
    out = np.empty((ink.shape[0], trig.shape[1], ink.shape[1]), dtype=np.float64)
    offsets, ys, xs = _ink_coordinates(ink)
    _profile_twin(ys, xs, offsets, ink.shape[2], trig, out)
    return out


def estimate_skew_cpu(gray: np.ndarray) -> float:
    """The angle (degrees) that makes text rows horizontal, as services.pipeline.preprocess.estimate_skew."""
    small = resize_cpu(gray, width=min(ESTIMATE_WIDTH, gray.shape[1]))
    ink = adaptive_threshold_cpu(small, max_value=255, block_size=15, c=15, inverse=True)
    return _estimate(as_batch(ink), _profile_cpu)[0]


def rotate_cpu(gray: np.ndarray, angle: float, *, border_value: int | None = None) -> np.ndarray:
    """As services.pipeline.preprocess.rotate: bilinear, replicated border unless border_value is given."""
    if abs(angle) < 1e-6:
        return np.array(gray, dtype=np.uint8)
    h, w = gray.shape
    out = np.empty((1, h, w), dtype=np.uint8)
    replicate = border_value is None
    _rotate_twin(
        as_batch(gray), inverse_rotation(angle, h, w)[None], out, replicate, 0 if border_value is None else int(border_value)
    )
    return out[0]


def deskew_cpu(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """The deskewed grey image and the angle that was removed."""
    angle = estimate_skew_cpu(gray)
    return rotate_cpu(gray, angle), angle


def _profile_cuda(ink: Any, trig: np.ndarray) -> np.ndarray:
    n, h, _ = ink.shape
    out = cuda.to_device(np.zeros((n, trig.shape[1], h), dtype=np.float64))
    blocks, threads = grid_1d(n * trig.shape[1] * h)
    _profile_kernel[blocks, threads](ink, cuda.to_device(trig), out)
    return out.copy_to_host()


def estimate_skew_cuda(batch: Any) -> list[float]:
    """One angle per grey image of the batch (N, H, W): resize, threshold, and the two profile launches."""
    src = to_device(batch)
    small = resize_cuda(src, width=min(ESTIMATE_WIDTH, src.shape[2]), keep_on_device=True)
    ink = adaptive_threshold_cuda(small, max_value=255, block_size=15, c=15, inverse=True, keep_on_device=True)
    return _estimate(ink, _profile_cuda)


def rotate_cuda(
    batch: Any, angles: list[float], *, border_value: int | None = None, keep_on_device: bool = False
) -> Any:
    """Each image of the batch rotated by its own angle, one launch."""
    src = to_device(batch)
    n, h, w = src.shape
    maps = np.stack([inverse_rotation(float(a), h, w) for a in angles])
    out = cuda.device_array((n, h, w), dtype=np.uint8)
    replicate = border_value is None
    blocks, threads = grid_3d(n, h, w)
    _rotate_kernel[blocks, threads](src, cuda.to_device(maps), out, replicate, 0 if border_value is None else int(border_value))
    return finish(out, keep_on_device)


def deskew_cuda(batch: Any, *, keep_on_device: bool = False) -> tuple[Any, list[float]]:
    src = to_device(batch)
    angles = estimate_skew_cuda(src)
    return rotate_cuda(src, angles, keep_on_device=keep_on_device), angles
