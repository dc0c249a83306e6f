"""The custom metrics of DESIGN.md as the alarms, scaling policies and dashboards name them: the one list.

The services emit these with EMF (a later issue); they must use exactly these namespaces, names and dimension
sets (aws-embedded-metrics adds ServiceName/ServiceType/LogGroup dimensions unless `set_dimensions` replaces
them, and CloudWatch treats every dimension set as a separate metric).
"""

from __future__ import annotations

from dataclasses import dataclass

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

QUEUE_DIMENSION = "Queue"
QUEUE_GPU, QUEUE_CPU, QUEUE_BULI2 = "GPU", "CPU", "BULI2"
QUEUES = (QUEUE_GPU, QUEUE_CPU, QUEUE_BULI2)
# filot.circuit_breaker.state values.
BREAKER_CLOSED, BREAKER_HALF_OPEN, BREAKER_OPEN = 0, 1, 2


@dataclass(frozen=True)
class MetricSpec:
    """Where one metric is published: by whom (namespaces) and with which dimension names."""

    name: str
    namespaces: tuple[str, ...]
    dimensions: tuple[str, ...] = ()


# The scheduled function publishes the queue lengths once a minute; the BULI2 client runs in the backend image
# (API and CPU worker) and in the GPU worker, so its metrics come from both namespaces.
METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec(QUEUE_LENGTH, (NAMESPACE_SCHEDULER,), (QUEUE_DIMENSION,)),
        MetricSpec(GPU_ACTIVE_JOBS, (NAMESPACE_GPU_WORKER,)),
        MetricSpec(GPU_PROCESSING_TIME_MS, (NAMESPACE_GPU_WORKER,)),
        MetricSpec(BULI2_RETRY_COUNT, (NAMESPACE_BACKEND, NAMESPACE_GPU_WORKER)),
        MetricSpec(CIRCUIT_BREAKER_STATE, (NAMESPACE_BACKEND, NAMESPACE_GPU_WORKER)),
        MetricSpec(HTTP_REQUEST_DURATION_MS, (NAMESPACE_BACKEND,)),
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
    """One custom metric; refuses a name, namespace or dimension set the list above does not have."""
    spec = METRICS.get(name)
    if spec is None:
        raise ValueError(f"{name!r} is not one of the metrics of DESIGN.md: {', '.join(sorted(METRIC_NAMES))}")
    namespace = namespace or spec.namespaces[0]
    if namespace not in spec.namespaces:
        raise ValueError(f"{name} is published in {', '.join(spec.namespaces)}, not {namespace}")
    if tuple(sorted(dimensions or {})) != tuple(sorted(spec.dimensions)):
        raise ValueError(f"{name} has the dimensions {list(spec.dimensions)}, not {sorted(dimensions or {})}")
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
    """A metric over every namespace that publishes it (missing data as zero), e.g. BULI2 retries."""
    spec = METRICS[name]
    if len(spec.namespaces) == 1:
        return metric(name, statistic=statistic, period=period, label=label)
    parts = {
        f"m{index}": metric(name, statistic=statistic, namespace=namespace, period=period)
        for index, namespace in enumerate(spec.namespaces)
    }
    combine = "MAX" if statistic == "Maximum" else "SUM"
    expression = f"{combine}([{', '.join(f'FILL({key}, 0)' for key in parts)}])"
    return cloudwatch.MathExpression(expression=expression, using_metrics=parts, label=label, period=period)


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
