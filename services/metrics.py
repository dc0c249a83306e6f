"""CloudWatch embedded-metric-format lines on stdout (the ECS/Lambda log drivers ship them to CloudWatch).

A minimal emitter until the services adopt aws-embedded-metrics; emitting never raises.
"""

from __future__ import annotations

import json
import logging
import sys
import time

log = logging.getLogger("filot.metrics")

# Namespaces and names match stacks/metrics.py (dashboards and alarms read them there).
BACKEND_NAMESPACE = "FiLot/Backend"
GPU_WORKER_NAMESPACE = "FiLot/GpuWorker"
SCHEDULER_NAMESPACE = "FiLot/Scheduler"
QUEUE_LENGTH = "filot.queue_length"
BULI2_RETRY_COUNT = "filot.buli2.retry_count"
CIRCUIT_BREAKER_STATE = "filot.circuit_breaker.state"
GPU_FALLBACKS = "filot.gpu.fallbacks"


def emf_line(namespace: str, name: str, value: float, *, unit: str, dimensions: dict[str, str] | None = None) -> str:
    dimensions = dimensions or {}
    return json.dumps(
        {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {"Namespace": namespace, "Dimensions": [sorted(dimensions)], "Metrics": [{"Name": name, "Unit": unit}]}
                ],
            },
            **dimensions,
            name: value,
        },
        separators=(",", ":"),
    )


def emit(namespace: str, name: str, value: float, *, unit: str = "Count", dimensions: dict[str, str] | None = None) -> None:
    try:
        print(emf_line(namespace, name, value, unit=unit, dimensions=dimensions), file=sys.stdout, flush=True)
    except Exception:  # a metric must never break the work it measures
        log.debug("metric not emitted", exc_info=True)
