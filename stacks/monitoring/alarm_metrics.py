"""What the alarms watch beyond a single metric: metric-math expressions over the services' metrics and the ALB's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from stacks.metric_names import (
    CIRCUIT_BREAKER_STATE,
    DECISION_DIMENSION,
    DECISIONS,
    DEPENDENCIES,
    DEPENDENCY_DIMENSION,
    DEPENDENCY_UP,
    DOCUMENTS_DECIDED,
    METRICS,
    NAMESPACE_SCHEDULER,
    OCR_FAILURES,
    QUEUE_CPU,
    QUEUE_GPU,
    metric,
    queue_length,
)

ONE_MINUTE = Duration.minutes(1)
FIVE_MINUTES = Duration.minutes(5)
ALB_NAMESPACE = "AWS/ApplicationELB"
LAMBDA_NAMESPACE = "AWS/Lambda"
EVENTS_NAMESPACE = "AWS/Events"


def _filled_sum(keys: Iterable[str]) -> str:
    return "(" + " + ".join(f"FILL({key}, 0)" for key in keys) + ")"


def decided(period: Duration) -> dict[str, cloudwatch.IMetric]:
    """``d0..d5``: documents decided per namespace and decision (every value listed, so no SEARCH is needed)."""
    pairs = [(namespace, decision) for namespace in METRICS[DOCUMENTS_DECIDED].namespaces for decision in DECISIONS]
    return {
        f"d{index}": metric(
            DOCUMENTS_DECIDED,
            statistic="Sum",
            namespace=namespace,
            dimensions={DECISION_DIMENSION: decision},
            period=period,
        )
        for index, (namespace, decision) in enumerate(pairs)
    }


def ocr_failure_rate(period: Duration) -> cloudwatch.MathExpression:
    """Failed OCR attempts as a percentage of attempts (failures plus decisions), both paths; 0 when idle."""
    failures = {
        f"f{index}": metric(OCR_FAILURES, statistic="Sum", namespace=namespace, period=period)
        for index, namespace in enumerate(METRICS[OCR_FAILURES].namespaces)
    }
    decisions = decided(period)
    failed = _filled_sum(failures)
    attempts = f"({failed} + {_filled_sum(decisions)})"
    return cloudwatch.MathExpression(
        expression=f"IF({attempts} > 0, 100 * {failed} / {attempts}, 0)",
        using_metrics={**failures, **decisions},
        label="OCR failures, % of attempts",
        period=period,
    )


def decisions_stalled(period: Duration) -> cloudwatch.MathExpression:
    """1 for a period in which the GPU or CPU queue held documents and nothing at all was decided."""
    decisions = decided(period)
    return cloudwatch.MathExpression(
        expression=f"IF((FILL(gpu, 0) + FILL(cpu, 0)) > 0 AND {_filled_sum(decisions)} == 0, 1, 0)",
        using_metrics={
            "gpu": queue_length(QUEUE_GPU, period=period),
            "cpu": queue_length(QUEUE_CPU, period=period),
            **decisions,
        },
        label="documents queued, none decided",
        period=period,
    )


def breaker_state() -> cloudwatch.MathExpression:
    """The highest circuit-breaker state any publisher reported in a minute. No FILL: the state is emitted on each
    transition only, so a minute without one must stay missing for the alarm to keep its state."""
    parts = {
        f"m{index}": metric(CIRCUIT_BREAKER_STATE, statistic="Maximum", namespace=namespace)
        for index, namespace in enumerate(METRICS[CIRCUIT_BREAKER_STATE].namespaces)
    }
    return cloudwatch.MathExpression(
        expression=f"MAX([{', '.join(parts)}])", using_metrics=parts, label="circuit breaker state", period=ONE_MINUTE
    )


def load_balancer_metric(
    name: str, *, load_balancer: str, target_group: str | None = None, statistic: str = "Sum"
) -> cloudwatch.Metric:
    """One AWS/ApplicationELB metric of the load balancer (full name ``app/<name>/<id>``), or of one of its
    target groups."""
    dimensions = {"LoadBalancer": load_balancer}
    if target_group is not None:
        dimensions["TargetGroup"] = target_group
    return cloudwatch.Metric(
        namespace=ALB_NAMESPACE, metric_name=name, dimensions_map=dimensions, statistic=statistic, period=ONE_MINUTE
    )


def error_rate(load_balancer: str) -> cloudwatch.MathExpression:
    """5xx answers (from the API or the load balancer itself) as a percentage of requests."""
    return cloudwatch.MathExpression(
        expression="100 * (FILL(target, 0) + FILL(elb, 0)) / FILL(requests, 1)",
        using_metrics={
            "target": load_balancer_metric("HTTPCode_Target_5XX_Count", load_balancer=load_balancer),
            "elb": load_balancer_metric("HTTPCode_ELB_5XX_Count", load_balancer=load_balancer),
            "requests": load_balancer_metric("RequestCount", load_balancer=load_balancer),
        },
        label="5xx % of requests",
        period=ONE_MINUTE,
    )


def healthy_targets(*, load_balancer: str, target_group: str) -> cloudwatch.Metric:
    """The fewest API targets the load balancer saw healthy in a minute."""
    return load_balancer_metric(
        "HealthyHostCount", load_balancer=load_balancer, target_group=target_group, statistic="Minimum"
    )


def lambda_metric(name: str, *, function_name: str) -> cloudwatch.Metric:
    """One AWS/Lambda metric of one function, summed over five minutes (Errors, Throttles)."""
    return cloudwatch.Metric(
        namespace=LAMBDA_NAMESPACE,
        metric_name=name,
        dimensions_map={"FunctionName": function_name},
        statistic="Sum",
        period=FIVE_MINUTES,
    )


def lambda_throttles(function_names: Sequence[str]) -> cloudwatch.MathExpression:
    """Invocations Lambda refused for want of concurrency, over the stage's functions."""
    parts = {f"t{index}": lambda_metric("Throttles", function_name=name) for index, name in enumerate(function_names)}
    return cloudwatch.MathExpression(
        expression=" + ".join(f"FILL({part}, 0)" for part in parts),
        using_metrics=parts,
        label="throttled invocations",
        period=FIVE_MINUTES,
    )


def matched_events(rule_name: str) -> cloudwatch.Metric:
    """How many events an EventBridge rule matched (here: failed ECS deployments)."""
    return cloudwatch.Metric(
        namespace=EVENTS_NAMESPACE,
        metric_name="MatchedEvents",
        dimensions_map={"RuleName": rule_name},
        statistic="Sum",
        period=FIVE_MINUTES,
    )


def stranded(queued: cloudwatch.IMetric, running: cloudwatch.IMetric) -> cloudwatch.MathExpression:
    """1 for a minute in which documents were queued and no task of their worker service ran."""
    return cloudwatch.MathExpression(
        expression="IF(queued > 0 AND FILL(running, 0) == 0, 1, 0)",
        using_metrics={"queued": queued, "running": running},
        label="documents queued, no worker",
        period=ONE_MINUTE,
    )


def dependencies_up() -> cloudwatch.MathExpression:
    """0 in a minute in which Redis or the database did not answer the scheduled function's probe, else 1."""
    parts = {
        dependency: metric(
            DEPENDENCY_UP,
            statistic="Minimum",
            namespace=NAMESPACE_SCHEDULER,
            dimensions={DEPENDENCY_DIMENSION: dependency},
        )
        for dependency in DEPENDENCIES
    }
    return cloudwatch.MathExpression(
        expression=f"MIN([{', '.join(parts)}])", using_metrics=parts, label="dependencies answering", period=ONE_MINUTE
    )
