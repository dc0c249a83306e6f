"""Gathers the documents that concurrent worker slots are preprocessing into one batch, so the GPU path
runs one kernel launch per step for several documents (KernelPreprocessor.run_batch) instead of one each."""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np

from services.core.model import ImageQuality
from services.kernels.dispatch import KernelPreprocessor

Result = tuple[np.ndarray, ImageQuality, float]


@dataclass
class _Request:
    image: np.ndarray
    card_width: int
    result: Future[Result]


class BatchingPreprocessor:
    """Callable like `preprocess`; waits at most `window_s` for other slots' images to share a batch."""

    def __init__(
        self, kernels: KernelPreprocessor, *, max_batch: int, window_s: float = 0.005, cpu_threads: int | None = None
    ) -> None:
        """`cpu_threads`: Numba threads for the CPU twins (None: Numba's default, one per vCPU)."""
        self.kernels = kernels
        self.cpu_threads = cpu_threads
        self.max_batch = max_batch
        self.window_s = window_s
        self.batch_sizes: list[int] = []  # what was launched, for tests and logs
        self._requests: queue.Queue[_Request] = queue.Queue()
        threading.Thread(target=self._serve, name="batch-preprocess", daemon=True).start()

    def shrink(self, image: np.ndarray, factor: int) -> np.ndarray:
        return self.kernels.shrink(image, factor)

    def warp(self, image: np.ndarray, corners: np.ndarray, *, width: int, height: int) -> np.ndarray:
        return self.kernels.warp(image, corners, width=width, height=height)

    def __call__(self, image: np.ndarray, *, card_width: int) -> Result:
        request = _Request(image=image, card_width=card_width, result=Future())
        self._requests.put(request)
        return request.result.result()

    def _serve(self) -> None:
        if self.cpu_threads is not None:
            import numba

            numba.set_num_threads(self.cpu_threads)  # per calling thread: this one launches every batch
        while True:
            batch = [self._requests.get()]
            deadline = time.monotonic() + self.window_s
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._requests.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            self._run(batch)

    def _run(self, batch: list[_Request]) -> None:
        by_width: dict[int, list[_Request]] = {}
        for request in batch:
            by_width.setdefault(request.card_width, []).append(request)
        for width, requests in by_width.items():
            self.batch_sizes.append(len(requests))
            try:
                results = self.kernels.run_batch([r.image for r in requests], card_width=width)
            except Exception as exc:  # noqa: BLE001 - each waiting slot gets the error and handles it as usual
                for request in requests:
                    request.result.set_exception(exc)
                continue
            for request, result in zip(requests, results, strict=True):
                request.result.set_result(result)
