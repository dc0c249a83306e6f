"""ServiceAlarms: CloudWatch alarms on the seed's metrics and the services' health, all notifying one topic."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from stacks.metrics import (
    BREAKER_OPEN,
    BULI2_RETRY_COUNT,
    CIRCUIT_BREAKER_STATE,
    GPU_PROCESSING_TIME_MS,
    HTTP_REQUEST_DURATION_MS,
    QUEUE_BULI2,
    QUEUE_CPU,
    QUEUE_GPU,
    metric,
    queue_length,
    summed,
)

FIVE_MINUTES = Duration.minutes(5)
ABOVE = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
AT_LEAST = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
BELOW = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD


@dataclass(frozen=True, kw_only=True)
class AlarmSpec:
    """One alarm: ``watched`` compared with ``threshold`` over ``minutes`` periods (``datapoints`` of them)."""

    name: str
    watched: cloudwatch.IMetric
    threshold: float
    minutes: int
    description: str
    comparison: cloudwatch.ComparisonOperator = ABOVE
    datapoints: int | None = None
    missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING


class ServiceAlarms(Construct):
    """``alarms[name]``: each named ``<name_prefix>-<name>``, with alarm and OK actions on ``topic``."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name_prefix: str,
        topic: sns.ITopic,
        load_balancer: elbv2.IApplicationLoadBalancer,
        api_tasks: cloudwatch.IMetric,
        api_minimum: int,
        gpu_worker_tasks: cloudwatch.IMetric,
        cpu_worker_tasks: cloudwatch.IMetric,
        scheduler: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, id_)
        action = actions.SnsAction(topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        specs = alarm_specs(
            load_balancer=load_balancer,
            api_tasks=api_tasks,
            api_minimum=api_minimum,
            gpu_worker_tasks=gpu_worker_tasks,
            cpu_worker_tasks=cpu_worker_tasks,
            scheduler=scheduler,
        )
        for spec in specs:
            alarm = cloudwatch.Alarm(
                self,
                spec.name,
                alarm_name=f"{name_prefix}-{spec.name}",
                alarm_description=spec.description,
                metric=spec.watched,
                threshold=spec.threshold,
                comparison_operator=spec.comparison,
                evaluation_periods=spec.minutes,
                datapoints_to_alarm=spec.datapoints or spec.minutes,
                treat_missing_data=spec.missing,
            )
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
            self.alarms[spec.name] = alarm


def alarm_specs(
    *,
    load_balancer: elbv2.IApplicationLoadBalancer,
    api_tasks: cloudwatch.IMetric,
    api_minimum: int,
    gpu_worker_tasks: cloudwatch.IMetric,
    cpu_worker_tasks: cloudwatch.IMetric,
    scheduler: lambda_.IFunction,
) -> list[AlarmSpec]:
    return [
        # Queues: work piling up faster than the workers (or BULI2's reviewers) take it.
        AlarmSpec(
            name="gpu-queue-backlog",
            watched=queue_length(QUEUE_GPU),
            threshold=100,
            minutes=10,
            description="More than 100 documents have waited for the GPU workers for 10 minutes",
        ),
        AlarmSpec(
            name="cpu-queue-backlog",
            watched=queue_length(QUEUE_CPU),
            threshold=50,
            minutes=10,
            description="More than 50 documents have waited for the CPU fallback workers for 10 minutes",
        ),
        AlarmSpec(
            name="buli2-queue-backlog",
            watched=queue_length(QUEUE_BULI2),
            threshold=200,
            minutes=30,
            description="More than 200 escalations have waited for BULI2 for 30 minutes",
        ),
        # OCR on the GPU: a card takes well under a second; seconds mean a sick instance or driver.
        AlarmSpec(
            name="gpu-processing-time",
            watched=metric(GPU_PROCESSING_TIME_MS, statistic="p90"),
            threshold=5000,
            minutes=5,
            description="p90 GPU processing time above 5 s for 5 minutes",
        ),
        # BULI2: retries, and the client's circuit breaker (2 = open: escalations are being held back).
        AlarmSpec(
            name="buli2-retries",
            watched=summed(BULI2_RETRY_COUNT, statistic="Sum", label="BULI2 retries", period=FIVE_MINUTES),
            threshold=20,
            minutes=1,
            description="More than 20 BULI2 retries in 5 minutes",
        ),
        AlarmSpec(
            name="circuit-breaker-open",
            watched=summed(CIRCUIT_BREAKER_STATE, statistic="Maximum", label="circuit breaker state"),
            threshold=BREAKER_OPEN,
            comparison=AT_LEAST,
            minutes=5,
            datapoints=3,
            description="The BULI2 circuit breaker was open in 3 of the last 5 minutes",
        ),
        # HTTP: latency as the API measures it, errors as the load balancer sees them.
        AlarmSpec(
            name="http-latency",
            watched=metric(HTTP_REQUEST_DURATION_MS, statistic="p95"),
            threshold=2000,
            minutes=5,
            description="p95 API request duration above 2 s for 5 minutes",
        ),
        AlarmSpec(
            name="http-5xx-rate",
            watched=_error_rate(load_balancer),
            threshold=5,
            minutes=5,
            description="More than 5% of API requests answered 5xx for 5 minutes",
        ),
        # Task counts: the API below its minimum, or documents queued with no worker to take them.
        AlarmSpec(
            name="api-tasks-low",
            watched=api_tasks,
            threshold=api_minimum,
            comparison=BELOW,
            minutes=5,
            missing=cloudwatch.TreatMissingData.BREACHING,
            description=f"Fewer than {api_minimum} API tasks running for 5 minutes",
        ),
        AlarmSpec(
            name="gpu-workers-missing",
            watched=_stranded(queue_length(QUEUE_GPU), gpu_worker_tasks),
            threshold=1,
            comparison=AT_LEAST,
            minutes=15,
            description="GPU documents queued with no GPU worker running for 15 minutes (no g4dn capacity?)",
        ),
        AlarmSpec(
            name="cpu-workers-missing",
            watched=_stranded(queue_length(QUEUE_CPU), cpu_worker_tasks),
            threshold=1,
            comparison=AT_LEAST,
            minutes=15,
            description="CPU fallback documents queued with no CPU worker running for 15 minutes",
        ),
        # Without the scheduled function the queue metrics stop, and with them the worker scaling.
        AlarmSpec(
            name="scheduler-errors",
            watched=scheduler.metric_errors(period=FIVE_MINUTES, statistic="Sum"),
            threshold=3,
            comparison=AT_LEAST,
            minutes=1,
            description="The scheduled function failed 3 or more times in 5 minutes",
        ),
    ]


def _error_rate(load_balancer: elbv2.IApplicationLoadBalancer) -> cloudwatch.MathExpression:
    lb = load_balancer.metrics
    return cloudwatch.MathExpression(
        expression="100 * (FILL(target, 0) + FILL(elb, 0)) / FILL(requests, 1)",
        using_metrics={
            "target": lb.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=Duration.minutes(1)),
            "elb": lb.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=Duration.minutes(1)),
            "requests": lb.request_count(period=Duration.minutes(1)),
        },
        label="5xx % of requests",
        period=Duration.minutes(1),
    )


def _stranded(queued: cloudwatch.IMetric, running: cloudwatch.IMetric) -> cloudwatch.MathExpression:
    return cloudwatch.MathExpression(
        expression="IF(queued > 0 AND FILL(running, 0) == 0, 1, 0)",
        using_metrics={"queued": queued, "running": running},
        label="documents queued, no worker",
        period=Duration.minutes(1),
    )
