"""The alarm thresholds an operator tunes per stage (`filot:alarms` in cdk.json), their defaults and their checks.

Alarms whose threshold is a fact rather than a judgement are not here: the circuit breaker's open state (2), the
API's minimum task count (`filot:backendMin`), and "documents queued, nothing running or deciding".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Threshold:
    """The default of one threshold, what it counts, and the largest value that makes sense (a percentage)."""

    default: float
    meaning: str
    maximum: float | None = None


GPU_QUEUE_BACKLOG = "gpu-queue-backlog"
CPU_QUEUE_BACKLOG = "cpu-queue-backlog"
BULI2_QUEUE_BACKLOG = "buli2-queue-backlog"
GPU_PROCESSING_TIME = "gpu-processing-time"
DECISION_TIME = "decision-time"
OCR_FAILURE_RATE = "ocr-failure-rate"
GPU_FALLBACKS = "gpu-fallbacks"
GPU_START_FAILURES = "gpu-start-failures"
DEAD_LETTERS = "dead-letters"
RECONCILER_RECOVERIES = "reconciler-recoveries"
BULI2_RETRIES = "buli2-retries"
HTTP_LATENCY = "http-latency"
HTTP_5XX_RATE = "http-5xx-rate"
SCHEDULER_ERRORS = "scheduler-errors"

THRESHOLDS: dict[str, Threshold] = {
    GPU_QUEUE_BACKLOG: Threshold(100, "documents waiting for the GPU workers"),
    CPU_QUEUE_BACKLOG: Threshold(50, "documents waiting for the CPU fallback workers"),
    BULI2_QUEUE_BACKLOG: Threshold(200, "escalations waiting to be sent to BULI2"),
    GPU_PROCESSING_TIME: Threshold(5000, "p95 GPU processing time, claim to decision, in ms"),
    DECISION_TIME: Threshold(60000, "p95 upload-to-decision time in ms"),
    OCR_FAILURE_RATE: Threshold(10, "percent of OCR attempts that failed", maximum=100),
    GPU_FALLBACKS: Threshold(10, "documents the GPU path handed to the CPU path in 5 minutes"),
    GPU_START_FAILURES: Threshold(1, "GPU workers that refused to start (CUDA kernels cannot run) in 5 minutes"),
    DEAD_LETTERS: Threshold(1, "documents failed after every attempt"),
    RECONCILER_RECOVERIES: Threshold(10, "reconciler recoveries in 15 minutes"),
    BULI2_RETRIES: Threshold(20, "BULI2 retries in 5 minutes"),
    HTTP_LATENCY: Threshold(2000, "p95 API request duration in ms"),
    HTTP_5XX_RATE: Threshold(5, "percent of load balancer requests answered 5xx", maximum=100),
    SCHEDULER_ERRORS: Threshold(3, "failed runs of the scheduled function in 5 minutes"),
}
DEFAULT_THRESHOLDS: dict[str, float] = {name: threshold.default for name, threshold in THRESHOLDS.items()}


def checked_thresholds(key: str, given: object) -> dict[str, float]:
    """The defaults with ``given`` (``{alarm name: threshold}``, possibly partial) applied; a ValueError naming
    ``key`` for anything but an object of known alarm names to positive numbers."""
    if not isinstance(given, Mapping):
        raise ValueError(f"{key} is {given!r}: it must be an object of alarm names to thresholds")  # noqa: TRY004
    unknown = sorted(str(name) for name in given if name not in THRESHOLDS)
    if unknown:
        raise ValueError(
            f"{key} names unknown alarm(s) {', '.join(unknown)}; the alarms with a threshold are "
            f"{', '.join(sorted(THRESHOLDS))}"
        )
    for name, value in given.items():
        threshold = THRESHOLDS[name]
        number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not number or value <= 0:
            raise ValueError(f"{key} is {{{name!r}: {value!r}}}: {name} ({threshold.meaning}) must be a number above 0")
        if threshold.maximum is not None and value > threshold.maximum:
            raise ValueError(
                f"{key} is {{{name!r}: {value!r}}}: {name} ({threshold.meaning}) must be at most {threshold.maximum:g}"
            )
    return {**DEFAULT_THRESHOLDS, **given}
