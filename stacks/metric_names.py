"""The custom metrics the services emit, as the alarms, scaling policies and dashboards name them: the one list.

services/platform/metrics.py is the source of truth for what is emitted; this list mirrors it for the stacks (which never
import services) and tests/test_metric_consistency.py checks that both agree and that everything here is charted
or alarmed. The services emit exactly these namespaces, names and dimension sets (aws-embedded-metrics adds
ServiceName/ServiceType/LogGroup dimensions unless `set_dimensions` replaces them, and CloudWatch treats every
dimension set as a separate metric).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

NAMESPACE_BACKEND = "FiLot/Backend"
NAMESPACE_GPU_WORKER = "FiLot/GpuWorker"
NAMESPACE_SCHEDULER = "FiLot/Scheduler"
NAMESPACES = (NAMESPACE_BACKEND, NAMESPACE_GPU_WORKER, NAMESPACE_SCHEDULER)

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
CAPTURE_PROBLEMS = "filot.capture.problems"
GPU_START_FAILURES = "filot.gpu.start_failures"
CARD_FINDER_MISSES = "filot.card_finder.misses"
DEPENDENCY_UP = "filot.dependency.up"
APPEALS = "filot.appeals"
RETENTION_ERASED = "filot.retention.erased"
WEBHOOK_FAILURES = "filot.webhook.failures"
WEBHOOK_DEAD_LETTERS = "filot.webhook.dead_letters"

COUNT, MILLISECONDS, NO_UNIT = "Count", "Milliseconds", "None"

QUEUE_DIMENSION = "Queue"
QUEUE_GPU, QUEUE_CPU, QUEUE_BULI2 = "GPU", "CPU", "BULI2"
QUEUES = (QUEUE_GPU, QUEUE_CPU, QUEUE_BULI2)
DECISION_DIMENSION = "Decision"
DECISIONS = ("approved", "rejected", "needs_review")
REVIEW_DECISIONS = ("approved", "rejected")
# Open value sets: an error code, a reconciler counter. Alarms and dashboards read them with SEARCH/SELECT.
REASON_DIMENSION = "Reason"
KIND_DIMENSION = "Kind"
DEPENDENCY_DIMENSION = "Dependency"
DEPENDENCIES = ("redis", "database")
# filot.circuit_breaker.state values (emitted on each transition, not periodically).
BREAKER_CLOSED, BREAKER_HALF_OPEN, BREAKER_OPEN = 0, 1, 2


@dataclass(frozen=True)
class MetricSpec:
    """One metric: its unit, who publishes it (namespaces) and with which dimension names; ``values`` lists the
    allowed values of a dimension whose values are a closed set."""

    name: str
    unit: str
    namespaces: tuple[str, ...]
    dimensions: tuple[str, ...] = ()
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


_BACKEND_AND_GPU = (NAMESPACE_BACKEND, NAMESPACE_GPU_WORKER)
# The scheduled function publishes the queue lengths and dead letters once a minute and runs the reconciler; the
# backend image (API, CPU worker) and the GPU worker both decide documents and call BULI2.
METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec(QUEUE_LENGTH, COUNT, (NAMESPACE_SCHEDULER,), (QUEUE_DIMENSION,), {QUEUE_DIMENSION: QUEUES}),
        MetricSpec(GPU_ACTIVE_JOBS, COUNT, (NAMESPACE_GPU_WORKER,)),
        MetricSpec(GPU_PROCESSING_TIME_MS, MILLISECONDS, (NAMESPACE_GPU_WORKER,)),
        MetricSpec(BULI2_RETRY_COUNT, COUNT, _BACKEND_AND_GPU),
        MetricSpec(CIRCUIT_BREAKER_STATE, NO_UNIT, _BACKEND_AND_GPU),
        MetricSpec(HTTP_REQUEST_DURATION_MS, MILLISECONDS, (NAMESPACE_BACKEND,)),
        MetricSpec(DOCUMENTS_DECIDED, COUNT, _BACKEND_AND_GPU, (DECISION_DIMENSION,), {DECISION_DIMENSION: DECISIONS}),
        MetricSpec(
            REVIEWS_DECIDED,
            COUNT,
            (NAMESPACE_BACKEND,),
            (DECISION_DIMENSION,),
            {DECISION_DIMENSION: REVIEW_DECISIONS},
        ),
        MetricSpec(DOCUMENT_DECISION_TIME_MS, MILLISECONDS, _BACKEND_AND_GPU),
        MetricSpec(OCR_FAILURES, COUNT, _BACKEND_AND_GPU),
        MetricSpec(GPU_FALLBACKS, COUNT, (NAMESPACE_GPU_WORKER,), (REASON_DIMENSION,)),
        MetricSpec(RECONCILER_RECOVERIES, COUNT, (NAMESPACE_SCHEDULER,), (KIND_DIMENSION,)),
        MetricSpec(DEAD_LETTERS, COUNT, (NAMESPACE_SCHEDULER,)),
        MetricSpec(CAPTURE_PROBLEMS, COUNT, _BACKEND_AND_GPU, (REASON_DIMENSION,)),
        MetricSpec(GPU_START_FAILURES, COUNT, (NAMESPACE_GPU_WORKER,), (REASON_DIMENSION,)),
        MetricSpec(CARD_FINDER_MISSES, COUNT, _BACKEND_AND_GPU),
        MetricSpec(APPEALS, COUNT, (NAMESPACE_BACKEND,)),
        MetricSpec(RETENTION_ERASED, COUNT, (NAMESPACE_SCHEDULER,), (KIND_DIMENSION,)),
        MetricSpec(WEBHOOK_FAILURES, COUNT, (NAMESPACE_SCHEDULER,)),
        MetricSpec(WEBHOOK_DEAD_LETTERS, COUNT, (NAMESPACE_SCHEDULER,)),
        MetricSpec(
            DEPENDENCY_UP,
            NO_UNIT,
            (NAMESPACE_SCHEDULER,),
            (DEPENDENCY_DIMENSION,),
            {DEPENDENCY_DIMENSION: DEPENDENCIES},
        ),
    )
}
METRIC_NAMES = frozenset(METRICS)
ONE_MINUTE = Duration.minutes(1)


def metric(
    name: str,
    *,
    statistic: str,
    namespace: str | None = None,
    dimensions: dict[str, str] | None = None,
    period: Duration = ONE_MINUTE,
    label: str | None = None,
) -> cloudwatch.Metric:
    """One custom metric; refuses a name, namespace, dimension set or dimension value the list above lacks."""
    spec = METRICS.get(name)
    if spec is None:
        raise ValueError(f"{name!r} is not one of the services' metrics: {', '.join(sorted(METRIC_NAMES))}")
    namespace = namespace or spec.namespaces[0]
    if namespace not in spec.namespaces:
        raise ValueError(f"{name} is published in {', '.join(spec.namespaces)}, not {namespace}")
    if tuple(sorted(dimensions or {})) != tuple(sorted(spec.dimensions)):
        raise ValueError(f"{name} has the dimensions {list(spec.dimensions)}, not {sorted(dimensions or {})}")
    for dimension, value in (dimensions or {}).items():
        allowed = spec.values.get(dimension)
        if allowed is not None and value not in allowed:
            raise ValueError(f"{name}: {dimension} is one of {', '.join(allowed)}, not {value!r}")
    return cloudwatch.Metric(
        namespace=namespace,
        metric_name=name,
        dimensions_map=dimensions,
        statistic=statistic,
        period=period,
        label=label,
    )


def queue_length(queue: str, *, period: Duration = ONE_MINUTE) -> cloudwatch.Metric:
    """The length of one queue (GPU, CPU or BULI2) as the scheduled function last published it."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; the queues are {', '.join(QUEUES)}")
    return metric(
        QUEUE_LENGTH,
        statistic="Maximum",
        dimensions={QUEUE_DIMENSION: queue},
        period=period,
        label=f"{queue} queue length",
    )


def summed(name: str, *, statistic: str, label: str, period: Duration = ONE_MINUTE) -> cloudwatch.IMetric:
    """A metric over every namespace that publishes it (missing data as zero): counts add up, while levels,
    averages and percentiles take the highest (the worse publisher), e.g. BULI2 retries or decision time p95."""
    spec = METRICS[name]
    if len(spec.namespaces) == 1:
        return metric(name, statistic=statistic, period=period, label=label)
    parts = {
        f"m{index}": metric(name, statistic=statistic, namespace=namespace, period=period)
        for index, namespace in enumerate(spec.namespaces)
    }
    combine = "SUM" if statistic in ("Sum", "SampleCount") else "MAX"
    expression = f"{combine}([{', '.join(f'FILL({key}, 0)' for key in parts)}])"
    return cloudwatch.MathExpression(expression=expression, using_metrics=parts, label=label, period=period)


def insights_sum(name: str, *, label: str, period: Duration) -> cloudwatch.MathExpression:
    """A Metrics Insights query summing a metric over every value of its open dimension (a Reason, a Kind):
    one time series, so an alarm may watch it (alarms cannot watch SEARCH expressions)."""
    spec = METRICS[name]
    (namespace,) = spec.namespaces
    schema = ", ".join([f'"{namespace}"', *spec.dimensions])
    return cloudwatch.MathExpression(
        # bandit B608: a CloudWatch Metrics Insights query built from our metric constants
        expression=f'SELECT SUM("{name}") FROM SCHEMA({schema})', using_metrics={}, label=label, period=period  # nosec B608
    )


# AWS metrics (not ours, so outside the list above): Container Insights' task counts per service.
CONTAINER_INSIGHTS_NAMESPACE = "ECS/ContainerInsights"
RUNNING_TASK_COUNT = "RunningTaskCount"


def running_tasks(*, cluster_name: str, service_name: str, period: Duration = ONE_MINUTE) -> cloudwatch.Metric:
    """How many tasks of one ECS service run (Container Insights must be on for the cluster)."""
    return cloudwatch.Metric(
        namespace=CONTAINER_INSIGHTS_NAMESPACE,
        metric_name=RUNNING_TASK_COUNT,
        dimensions_map={"ClusterName": cluster_name, "ServiceName": service_name},
        statistic="Average",
        period=period,
        label="running tasks",
    )
