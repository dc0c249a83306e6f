"""The long-running commands as ECS runs them: SIGTERM ends a worker cleanly with exit status 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from services.platform.settings import Settings


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


def test_worker_with_an_engine_pool_and_several_slots_drains_the_queue(settings: Settings, sample_dir: object) -> None:
    from pathlib import Path

    from services.core.lifecycle import Status
    from services.wiring import build_components
    from tests.services.worker_helpers import sample, submit

    components = build_components(settings)
    docs = [
        submit(components, sample(Path(str(sample_dir)), variant).read_bytes())
        for variant in ("clean", "margin", "rotate", "uneven_light", "no_card", "blank")
    ]
    env = {
        **os.environ,
        "FILOT_REDIS_URL": settings.redis_url,
        "FILOT_DATABASE_URL": settings.database_url,
        "FILOT_STORAGE_URL": settings.storage_url,
        "FILOT_OCR_PROCESSES": "2",
        "FILOT_OCR_ENGINE": "tesserocr",
    }
    result = subprocess.run(
        [sys.executable, "-m", "services", "worker", "--path", "gpu", "--burst", "--concurrency", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    statuses = {components.store.get(doc).status for doc in docs}  # type: ignore[union-attr]
    assert statuses <= {Status.APPROVED, Status.REJECTED}
    assert result.stderr.count("decided doc=") == len(docs)  # each document decided once


def test_a_gpu_worker_that_cannot_run_its_kernels_refuses_to_start(settings: Settings) -> None:
    """As deployed (FILOT_KERNEL_BACKEND=cuda): on a machine where CUDA kernels cannot run (this one has no GPU and
    no numba-cuda), the GPU worker exits 3 with the real cause and the start-failure metric, instead of quietly
    running the CPU twins."""
    from services.platform.metrics import read_emf

    env = {
        **os.environ,
        "FILOT_REDIS_URL": settings.redis_url,
        "FILOT_DATABASE_URL": settings.database_url,
        "FILOT_STORAGE_URL": settings.storage_url,
        "FILOT_KERNEL_BACKEND": "cuda",
    }
    done = subprocess.run(
        [sys.executable, "-m", "services", "worker", "--path", "gpu"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    output = done.stdout + done.stderr
    assert "code=cuda_unavailable" in output and "CUDA kernels cannot run" in output and "Traceback" not in output
    (failure,) = [p for p in read_emf(output.splitlines()) if p.name == "filot.gpu.start_failures"]
    assert failure.namespace == "FiLot/GpuWorker"
    assert failure.dimensions["Reason"] in ("numba_cuda_missing", "nvvm_missing", "no_gpu")
