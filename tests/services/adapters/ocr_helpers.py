"""Helpers shared by several test modules (never imported from a test_*.py)."""

from __future__ import annotations

import os
import signal
import time

from services.adapters.ocr_pool import PooledEngine


def kill_when_busy(pool: PooledEngine, *, timeout_s: float = 30) -> int:
    """SIGKILL the engine process that is reading a document (polled: the read takes a few hundred ms)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        busy = pool.busy_pids()
        if busy:
            os.kill(busy[0], signal.SIGKILL)
            return busy[0]
        time.sleep(0.001)
    raise AssertionError("no engine process ever took the document")
