"""Seeded images for the kernel tests: random greys and colours, and one rendered KTP card (BGR)."""

from __future__ import annotations

import os
import random

import cv2
import numpy as np
import pytest

from devtools.samples.identity import random_ktp_fields
from devtools.samples.render import render_ktp

SHAPES = [(63, 101), (64, 64), (1, 1), (2, 3), (3, 2000), (31, 17)]


@pytest.fixture(scope="session")
def card_bgr() -> np.ndarray:
    rgb = np.array(render_ktp(random_ktp_fields(random.Random(1))).convert("RGB"))
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="session")
def card_gray(card_bgr: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(card_bgr, cv2.COLOR_BGR2GRAY)


def noise(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def plain(shape: tuple[int, ...], value: int) -> np.ndarray:
    return np.full(shape, value, dtype=np.uint8)


def diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    assert a.shape == b.shape
    return np.abs(a.astype(np.int64) - b.astype(np.int64))


# The simulator tests need NUMBA_ENABLE_CUDASIM=1 before numba is imported: test_cudasim.py runs them in
# their own interpreter, so this process does not collect them (and does not report them as skipped).
collect_ignore = [] if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" else ["cudasim"]
