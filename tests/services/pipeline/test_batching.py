"""Concurrent slots' images are preprocessed together, each slot getting exactly its own result."""

from __future__ import annotations

import random
import threading

import cv2
import numpy as np
import pytest

from devtools.samples.identity import random_ktp_fields
from devtools.samples.render import render_ktp
from services.kernels.dispatch import KernelPreprocessor
from services.pipeline.batching import BatchingPreprocessor


def card(seed: int) -> np.ndarray:
    rgb = np.asarray(render_ktp(random_ktp_fields(random.Random(seed))).convert("RGB"))
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def test_concurrent_requests_share_a_batch_and_get_their_own_results() -> None:
    kernels = KernelPreprocessor(backend="cpu", card_width=800)
    batching = BatchingPreprocessor(kernels, max_batch=4, window_s=0.5)
    images = [card(seed) for seed in range(4)]
    expected = [kernels(image, card_width=800) for image in images]
    results: dict[int, tuple] = {}
    barrier = threading.Barrier(4)

    def slot(n: int) -> None:
        barrier.wait()
        results[n] = batching(images[n], card_width=800)

    threads = [threading.Thread(target=slot, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert max(batching.batch_sizes) > 1
    for n in range(4):
        assert np.array_equal(results[n][0], expected[n][0])
        assert results[n][2] == expected[n][2]


def test_an_error_reaches_the_slot_that_asked() -> None:
    batching = BatchingPreprocessor(KernelPreprocessor(backend="cpu"), max_batch=2)
    with pytest.raises(Exception):  # noqa: B017 - whatever the kernel raises must surface here
        batching(np.zeros((0, 0, 3), np.uint8), card_width=1000)
    assert batching(card(1), card_width=1000)[0].shape[1] == 1000  # and the batcher keeps serving
