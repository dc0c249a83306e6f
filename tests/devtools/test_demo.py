"""The demo's metrics block: read back from EMF lines mixed into service logs, as `make run` prints it."""

from __future__ import annotations

from pathlib import Path

import pytest

from devtools.demo import percentile, print_metrics
from services.platform.metrics import BACKEND_NAMESPACE as BACKEND
from services.platform.metrics import GPU_WORKER_NAMESPACE as GPU
from services.platform.metrics import SCHEDULER_NAMESPACE as SCHEDULER
from services.platform.metrics import emit


def test_metrics_block_sums_what_every_service_emitted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()

    def service_log(name: str, *emits: tuple[str, str, float, dict[str, str]]) -> None:
        capsys.readouterr()
        for namespace, metric, value, dimensions in emits:
            emit(namespace, metric, value, dimensions=dimensions)
        lines = ['{"time": "t", "level": "INFO", "event": "started"}', *capsys.readouterr().out.splitlines()]
        (logs / f"{name}.log").write_text("\n".join(lines) + "\n")

    service_log(
        "worker-gpu",
        (GPU, "filot.documents.decided", 1, {"Decision": "approved"}),
        (GPU, "filot.document.decision_time_ms", 1000, {}),
        (GPU, "filot.gpu.processing_time_ms", 400, {}),
        (GPU, "filot.documents.decided", 1, {"Decision": "needs_review"}),
        (GPU, "filot.document.decision_time_ms", 3000, {}),
        (GPU, "filot.gpu.processing_time_ms", 600, {}),
        (GPU, "filot.ocr.failures", 1, {}),
        (GPU, "filot.gpu.fallbacks", 1, {"Reason": "ocr_failed"}),
        (GPU, "filot.buli2.retry_count", 1, {}),
        (GPU, "filot.circuit_breaker.state", 2, {}),
        (GPU, "filot.circuit_breaker.state", 1, {}),
        (GPU, "filot.circuit_breaker.state", 0, {}),
    )
    service_log(
        "worker-cpu",
        (BACKEND, "filot.documents.decided", 1, {"Decision": "rejected"}),
        (BACKEND, "filot.document.decision_time_ms", 5000, {}),
    )
    service_log(
        "api",
        (BACKEND, "filot.http.request_duration_ms", 10, {}),
        (BACKEND, "filot.http.request_duration_ms", 30, {}),
        (BACKEND, "filot.reviews.decided", 1, {"Decision": "approved"}),
    )
    service_log("reconciler", (SCHEDULER, "filot.reconciler.recoveries", 2, {"Kind": "republished"}))
    capsys.readouterr()

    print_metrics(logs)
    assert capsys.readouterr().out.splitlines() == [
        f"metrics (the services' EMF lines, read back from {logs}):",
        "  decided: 1 approved, 1 rejected, 1 needs_review (GPU path 2, CPU path 1); by reviewers: 1 approved, 0 rejected",
        "  upload to decision: p50 3.00s, p95 5.00s (3 documents); GPU claim to decision p50 0.40s",
        "  OCR failures 1, fallbacks to CPU 1 (ocr_failed 1), BULI2 retries 1, breaker transitions open -> half-open -> closed",
        "  reconciler recoveries: republished 2; API requests 2, p95 30 ms",
    ]


def test_percentile_is_the_nearest_rank() -> None:
    assert percentile([], 95) == 0.0
    assert percentile([5.0], 50) == 5.0
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 100)) == (50.0, 95.0, 100.0)
