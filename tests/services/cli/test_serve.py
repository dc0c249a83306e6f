"""The long-running commands as ECS runs them: SIGTERM ends a worker cleanly with exit status 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from services.settings import Settings


@pytest.mark.parametrize("path", ["gpu", "cpu"])
def test_idle_worker_exits_0_on_sigterm(settings: Settings, path: str) -> None:
    env = {
        **os.environ,
        "FILOT_REDIS_URL": settings.redis_url,
        "FILOT_DATABASE_URL": settings.database_url,
        "FILOT_STORAGE_URL": settings.storage_url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "services", "worker", "--path", path],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    output = ""
    while "worker started" not in output and time.monotonic() < deadline:
        output += process.stdout.readline()  # type: ignore[union-attr]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    rest = process.stdout.read()  # type: ignore[union-attr]
    assert "worker stopped" in rest and "Traceback" not in rest
