"""Decorators and launch helpers shared by the step modules.

`pixel` compiles the per-pixel math once with `numba.njit(cache=True)`; CPU twins and CUDA kernels both
call it (numba compiles an njit function called from a `@cuda.jit` kernel as a device function). Under the
CUDA simulator (`NUMBA_ENABLE_CUDASIM=1`) kernels run as Python and hand the function simulator arrays that
nopython code cannot type, so there the function falls back to its Python body for those calls only.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

twin = numba.njit(parallel=True, cache=True)
"""A CPU twin: `prange` over pixels (or rows), calling a `pixel` function."""

_BLOCK_2D = (16, 16, 1)
BLOCK_THREADS = _BLOCK_2D[0] * _BLOCK_2D[1] * _BLOCK_2D[2]  # threads in a block of grid_3d's launches
_BLOCK_1D = 128


def pixel(fn: Callable[..., Any]) -> Any:
    dispatcher = numba.njit(cache=True)(fn)
    if numba.config.ENABLE_CUDASIM:
        base = type(dispatcher)

        class _SimulatorAware(base):  # type: ignore[misc, valid-type]
            def __call__(self, *args: Any, **kwargs: Any) -> Any:
                if any(type(a).__module__.startswith("numba.cuda.simulator") for a in args):
                    return self.py_func(*args, **kwargs)
                return base.__call__(self, *args, **kwargs)

        dispatcher.__class__ = _SimulatorAware
    return dispatcher


def grid_3d(n: int, height: int, width: int) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Launch shape for one thread per (x, y, image): `cuda.grid(3)` gives (x, y, n)."""
    bx, by, _ = _BLOCK_2D
    return (math.ceil(width / bx), math.ceil(height / by), n), _BLOCK_2D


def grid_1d(count: int) -> tuple[int, int]:
    return max(1, math.ceil(count / _BLOCK_1D)), _BLOCK_1D


def as_batch(image: np.ndarray) -> np.ndarray:
    """One image as a contiguous uint8 batch of one."""
    return np.ascontiguousarray(image, dtype=np.uint8)[None]


def to_device(batch: Any) -> Any:
    """A device array for a host batch; device arrays pass through (steps chain without copies)."""
    from numba import cuda

    if not isinstance(batch, np.ndarray):
        return batch
    return cuda.to_device(np.ascontiguousarray(batch, dtype=np.uint8))


def finish(device_array: Any, keep_on_device: bool) -> Any:
    return device_array if keep_on_device else device_array.copy_to_host()
