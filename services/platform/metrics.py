"""The services' metrics: CloudWatch EMF lines through aws-embedded-metrics, and the same values for Prometheus.

`emit` writes one EMF document a line on stdout (the ECS awslogs driver and Lambda ship stdout to CloudWatch
Logs, which extracts the metric) and mirrors the value into this process's Prometheus collectors, read by
the API's `GET /metrics`. `METRICS` is the one list of names, units, dimension sets and namespaces; the
dashboards and alarms (stacks/metric_names.py) name exactly these, so `emit` refuses anything else.

Environments (`AWS_EMF_ENVIRONMENT`; the library cannot detect ECS): `Local` (stdout; the default, right for
ECS on Fargate and on EC2, whose awslogs driver ships stdout) and `Lambda` (stdout plus the function's
properties; the default when AWS_LAMBDA_FUNCTION_NAME is set). The agent sinks (`EC2`, `Default`) are not
used: they write to a CloudWatch agent socket, which would stall a request while the agent is down; such a
value falls back to `Local` with a warning. Emitting never raises, and does not wait on anything but stdout.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from aws_embedded_metrics.environment import Environment
from aws_embedded_metrics.environment.lambda_environment import LambdaEnvironment
from aws_embedded_metrics.environment.local_environment import LocalEnvironment
from aws_embedded_metrics.logger.metrics_context import MetricsContext
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

log = logging.getLogger("filot.metrics")

BACKEND_NAMESPACE = "FiLot/Backend"
GPU_WORKER_NAMESPACE = "FiLot/GpuWorker"
SCHEDULER_NAMESPACE = "FiLot/Scheduler"
NAMESPACES = (BACKEND_NAMESPACE, GPU_WORKER_NAMESPACE, SCHEDULER_NAMESPACE)

QUEUE_LENGTH = "filot.queue_length"
GPU_ACTIVE_JOBS = "filot.gpu.active_jobs"
GPU_PROCESSING_TIME_MS = "filot.gpu.processing_time_ms"
BULI2_RETRY_COUNT = "filot.buli2.retry_count"
CIRCUIT_BREAKER_STATE = "filot.circuit_breaker.state"
HTTP_REQUEST_DURATION_MS = "filot.http.request_duration_ms"
DOCUMENTS_DECIDED = "filot.documents.decided"
REVIEWS_DECIDED = "filot.reviews.decided"
DOCUMENT_DECISION_TIME_MS = "filot.document.decision_time_ms"
OCR_FAILURES = "filot.ocr.failures"
GPU_FALLBACKS = "filot.gpu.fallbacks"
RECONCILER_RECOVERIES = "filot.reconciler.recoveries"
DEAD_LETTERS = "filot.dead_letters"
# Per document read from a photo: each capture problem (Reason = its code), and the card finder's misses where
# the whole photo still read as a card (a fallback: counted, so a finder that degrades shows on the dashboard).
CAPTURE_PROBLEMS = "filot.capture.problems"
# A GPU worker that could not start its CUDA kernels (Reason: numba_cuda_missing, nvvm_missing, no_gpu) and exited
# instead of running the CPU twins on a GPU instance.
GPU_START_FAILURES = "filot.gpu.start_failures"
CARD_FINDER_MISSES = "filot.card_finder.misses"
# 1 when a dependency answered the scheduled function's probe this minute, 0 when not (Dependency: redis,
# database): the readiness /health reports, as a metric an alarm can watch without failing the load balancer's check.
DEPENDENCY_UP = "filot.dependency.up"
# An owner's appeal of an automatic rejection, sent to a person (their outcome counts in filot.reviews.decided).
APPEALS = "filot.appeals"
# The result webhook: each failed delivery attempt, and the documents whose every attempt failed (a gauge).
WEBHOOK_FAILURES = "filot.webhook.failures"
WEBHOOK_DEAD_LETTERS = "filot.webhook.dead_letters"
# Retention: documents whose image (Kind=image) or PII fields (Kind=pii) were deleted at the end of their period.
RETENTION_ERASED = "filot.retention.erased"

# Dimension names and their values.
QUEUE, DECISION, REASON, KIND, DEPENDENCY = "Queue", "Decision", "Reason", "Kind", "Dependency"
DEPENDENCIES = ("redis", "database")
QUEUES = ("GPU", "CPU", "BULI2")
# OcrQueue.lengths() keys -> Queue values.
PUBLISHED_QUEUES = {"gpu": "GPU", "cpu": "CPU", "buli2": "BULI2"}
DECISIONS = ("approved", "rejected", "needs_review")
REVIEW_DECISIONS = ("approved", "rejected")
# The counters of services.processes.reconciler.ReconcileReport, one Kind value each.
RECOVERY_KINDS = (
    "gpu_requeued",
    "gpu_to_cpu",
    "gpu_stranded_to_cpu",
    "cpu_requeued",
    "dead_lettered",
    "enqueued",
    "reclaimed",
    "redecided",
    "escalated",
    "republished",
    "review_overdue",
)

Kind = Literal["counter", "gauge", "histogram"]


@dataclass(frozen=True)
class MetricDef:
    """One metric: its EMF name, unit and dimension names, and the namespaces (services) that emit it.

    `kind` says how Prometheus shows it (a Count event is a counter, a level a gauge, a duration a histogram).
    """

    name: str
    unit: str
    dimensions: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    kind: Kind = "counter"
    description: str = ""

    @property
    def prometheus_name(self) -> str:
        """`filot.gpu.fallbacks` -> `filot_gpu_fallbacks` (a counter's samples add `_total`)."""
        return self.name.replace(".", "_")

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(d.lower() for d in self.dimensions)


_BACKEND_AND_GPU = (BACKEND_NAMESPACE, GPU_WORKER_NAMESPACE)

METRICS: dict[str, MetricDef] = {
    m.name: m
    for m in (
        MetricDef(QUEUE_LENGTH, "Count", (QUEUE,), (SCHEDULER_NAMESPACE,), "gauge",
                  "documents waiting per queue (GPU, CPU, BULI2 retry); the scheduled function, each minute"),
        MetricDef(GPU_ACTIVE_JOBS, "Count", (), (GPU_WORKER_NAMESPACE,), "gauge",
                  "documents in flight in a GPU worker, emitted as each job starts and ends"),
        MetricDef(GPU_PROCESSING_TIME_MS, "Milliseconds", (), (GPU_WORKER_NAMESPACE,), "histogram",
                  "GPU path, claim to decision, per document"),
        MetricDef(BULI2_RETRY_COUNT, "Count", (), _BACKEND_AND_GPU, "counter",
                  "retries of a BULI2 escalation"),
        MetricDef(CIRCUIT_BREAKER_STATE, "None", (), _BACKEND_AND_GPU, "gauge",
                  "the BULI2 circuit breaker: 0 closed, 1 half-open, 2 open; emitted on each transition"),
        MetricDef(HTTP_REQUEST_DURATION_MS, "Milliseconds", (), (BACKEND_NAMESPACE,), "histogram",
                  "API requests, first byte in to response sent"),
        MetricDef(DOCUMENTS_DECIDED, "Count", (DECISION,), _BACKEND_AND_GPU, "counter",
                  "automatic decisions by a worker (approved, rejected, needs_review)"),
        MetricDef(REVIEWS_DECIDED, "Count", (DECISION,), (BACKEND_NAMESPACE,), "counter",
                  "human decisions recorded from a BULI2 callback (approved, rejected)"),
        MetricDef(DOCUMENT_DECISION_TIME_MS, "Milliseconds", (), _BACKEND_AND_GPU, "histogram",
                  "upload to automatic decision, per document"),
        MetricDef(OCR_FAILURES, "Count", (), _BACKEND_AND_GPU, "counter",
                  "OCR attempts on a document that failed (the document is retried, moved or failed)"),
        MetricDef(GPU_FALLBACKS, "Count", (REASON,), (GPU_WORKER_NAMESPACE,), "counter",
                  "documents the GPU path handed to the CPU path, by error code"),
        MetricDef(RECONCILER_RECOVERIES, "Count", (KIND,), (SCHEDULER_NAMESPACE,), "counter",
                  "what a reconciler pass put right, by kind: " + ", ".join(RECOVERY_KINDS)),
        MetricDef(DEAD_LETTERS, "Count", (), (SCHEDULER_NAMESPACE,), "gauge",
                  "documents failed after every attempt; the scheduled function, each minute"),
        MetricDef(CAPTURE_PROBLEMS, "Count", (REASON,), _BACKEND_AND_GPU, "counter",
                  "documents whose photo had a capture problem (the app's retake advice), by code"),
        MetricDef(GPU_START_FAILURES, "Count", (REASON,), (GPU_WORKER_NAMESPACE,), "counter",
                  "GPU workers that refused to start because CUDA kernels cannot run, by cause"),
        MetricDef(CARD_FINDER_MISSES, "Count", (), _BACKEND_AND_GPU, "counter",
                  "photos in which the card finder saw no card but the whole photo read as one (its fallback)"),
        MetricDef(RETENTION_ERASED, "Count", (KIND,), (SCHEDULER_NAMESPACE,), "counter",
                  "documents whose original image (image) or personal data (pii) reached the end of its retention"),
        MetricDef(WEBHOOK_FAILURES, "Count", (), (SCHEDULER_NAMESPACE,), "counter",
                  "result webhook retries that failed (the scheduled function retries with backoff)"),
        MetricDef(WEBHOOK_DEAD_LETTERS, "Count", (), (SCHEDULER_NAMESPACE,), "gauge",
                  "result webhooks given up after every attempt; the scheduled function, each minute"),
        MetricDef(APPEALS, "Count", (), (BACKEND_NAMESPACE,), "counter",
                  "appeals of automatic rejections, each escalated to a person"),
        MetricDef(DEPENDENCY_UP, "None", (DEPENDENCY,), (SCHEDULER_NAMESPACE,), "gauge",
                  "1 if the dependency (redis, database) answered the scheduled function's probe, else 0; each minute"),
    )
}

# ---- EMF -----------------------------------------------------------------------------------------------

_LOCAL = LocalEnvironment()
_LAMBDA = LambdaEnvironment()
_ENVIRONMENTS: dict[str, Environment] = {"local": _LOCAL, "lambda": _LAMBDA}
_warned: set[str] = set()
# One writer at a time: worker slots are threads, and a line split by another thread's write is lost.
_write_lock = threading.Lock()


def emf_environment(env: Mapping[str, str] | None = None) -> Environment:
    """The library environment named by AWS_EMF_ENVIRONMENT; unset: Lambda on Lambda, else Local."""
    env = os.environ if env is None else env
    name = env.get("AWS_EMF_ENVIRONMENT") or ("Lambda" if env.get("AWS_LAMBDA_FUNCTION_NAME") else "Local")
    chosen = _ENVIRONMENTS.get(name.lower())
    if chosen is None:
        if name not in _warned:
            _warned.add(name)
            log.warning("AWS_EMF_ENVIRONMENT=%s is not supported (agent sinks can block); writing EMF to stdout", name)
        chosen = _LOCAL
    return chosen


def emit(namespace: str, name: str, value: float, *, dimensions: Mapping[str, str] | None = None) -> None:
    """One EMF document on stdout (unit from METRICS, exactly the declared dimensions, no default ones),
    and the value into this process's Prometheus collectors. Never raises: a metric must not break the
    work it measures."""
    try:
        definition = METRICS.get(name)
        dims = dict(dimensions or {})
        if definition is None or namespace not in definition.namespaces or set(dims) != set(definition.dimensions):
            log.error("metric %s in %s with dimensions %s is not in METRICS; dropped", name, namespace, sorted(dims))
            return
        environment = emf_environment()
        context = MetricsContext(namespace=namespace, default_dimensions={})
        # One explicit set (possibly empty): replaces LogGroup/ServiceName/ServiceType, which would make a
        # different CloudWatch metric than the one the alarms watch.
        context.set_dimensions([dims], use_default=False)
        context.put_metric(name, value, definition.unit)
        environment.configure_context(context)
        with _write_lock:
            environment.get_sink().accept(context)
            sys.stdout.flush()  # stdout is a pipe or file: block-buffered, and a crash would lose the line
    except Exception:  # closed stdout, invalid value, anything: the work goes on
        log.debug("metric %s not emitted", name, exc_info=True)
        return
    try:
        _PROCESS.record(definition, value, dims)
    except Exception:  # e.g. a negative count: Prometheus counters only go up
        log.debug("metric %s not mirrored for Prometheus", name, exc_info=True)


# ---- reading EMF back ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricPoint:
    namespace: str
    name: str
    unit: str
    value: float
    dimensions: dict[str, str] = field(default_factory=dict)
    timestamp_ms: int | None = None


def read_emf(lines: Iterable[str]) -> list[MetricPoint]:
    """Every metric value in EMF documents among `lines` (other lines, such as JSON logs, are skipped)."""
    points: list[MetricPoint] = []
    for line in lines:
        if '"_aws"' not in line:
            continue
        try:
            doc = json.loads(line)
            meta = doc["_aws"]
            directives = meta["CloudWatchMetrics"]
        except (ValueError, KeyError, TypeError):
            continue
        for directive in directives:
            keys = {key for dimension_set in directive.get("Dimensions", []) for key in dimension_set}
            dims = {key: str(doc[key]) for key in sorted(keys) if key in doc}
            for metric in directive.get("Metrics", []):
                raw = doc.get(metric["Name"])
                for value in raw if isinstance(raw, list) else [raw]:
                    if isinstance(value, (int, float)):
                        points.append(
                            MetricPoint(
                                namespace=directive.get("Namespace", ""),
                                name=metric["Name"],
                                unit=metric.get("Unit", "None"),
                                value=float(value),
                                dimensions=dims,
                                timestamp_ms=meta.get("Timestamp"),
                            )
                        )
    return points


# ---- the same values for Prometheus --------------------------------------------------------------------

# Milliseconds: from a cache hit to a slow CPU-path OCR with retries.
DURATION_BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000)


class ProcessMetrics:
    """What this process emitted, as prometheus-client metrics in a registry of its own (never the global
    default one): the API's /metrics serves them beside what it reads from Redis and the database."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._metrics: dict[str, Counter | Gauge | Histogram] = {}
        for definition in METRICS.values():
            name, labels = definition.prometheus_name, definition.labels
            documentation = f"{definition.description} (EMF {definition.name}, {definition.unit})"
            if definition.kind == "counter":
                self._metrics[definition.name] = Counter(name, documentation, labels, registry=self.registry)
            elif definition.kind == "gauge":
                self._metrics[definition.name] = Gauge(name, documentation, labels, registry=self.registry)
            else:
                self._metrics[definition.name] = Histogram(
                    name, documentation, labels, registry=self.registry, buckets=DURATION_BUCKETS_MS
                )

    def record(self, definition: MetricDef, value: float, dimensions: Mapping[str, str]) -> None:
        metric = self._metrics[definition.name]
        if definition.labels:
            metric = metric.labels(*(dimensions[d] for d in definition.dimensions))
        if isinstance(metric, Counter):
            metric.inc(value)
        elif isinstance(metric, Gauge):
            metric.set(value)
        else:
            metric.observe(value)


disable_created_metrics()  # no `_created` series: a dashboard reads none, and they double every family
_PROCESS = ProcessMetrics()


def process_registry() -> CollectorRegistry:
    """This process's emitted metrics (one per process: every emit in it lands there)."""
    return _PROCESS.registry
