"""QueueScaling: a worker service's task count driven by its queue's length, down to zero when idle."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from constructs import Construct

from stacks.config import ScalingRange
from stacks.metric_names import CONTAINER_INSIGHTS_NAMESPACE

# Container Insights' count of the tasks a service is asked to run (pending ones included).
DESIRED_TASK_COUNT = "DesiredTaskCount"
# The shortfall must hold this many one-minute datapoints in a row before tasks are added.
SCALE_OUT_MINUTES = 2
# Long enough for a new instance and task to start before adding more.
SCALE_OUT_COOLDOWN = Duration.minutes(3)
# A task is removed after this many idle minutes in a row; repeated while idle, so a worker reaches zero.
IDLE_MINUTES = 15
# Remove a task while the others would stay under this share busy.
SCALE_IN_BUSY_SHARE = 0.6


class QueueScaling(Construct):
    """Step scaling of ``service`` on ``queue_length``: out by the backlog per worker, in one task at a time when idle.

    Out: ``backlog_per_worker`` is how many queued documents one task clears within the target wait (the capacity
    model, docs/capacity.md), so the service needs CEIL(queue / backlog_per_worker) tasks; while it is asked for
    fewer (Container Insights' desired count) for two minutes, it gets the shortfall, rounded down to a power of
    two. From zero, one queued document is a shortfall of one.

    Idle means the queue stayed empty and, where the workers publish their busy time (``busy_ms``, the sum of
    processing milliseconds a minute), the remaining tasks could absorb the work: a queue that workers keep
    empty is not a reason to stop them. ``running_tasks`` is the service's running task count (needed with
    ``busy_ms``).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        service: ecs.BaseService,
        scaling: ScalingRange,
        backlog_per_worker: int,
        queue_length: cloudwatch.IMetric,
        running_tasks: cloudwatch.IMetric | None = None,
        busy_ms: cloudwatch.IMetric | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.task_count = service.auto_scale_task_count(min_capacity=scaling.minimum, max_capacity=scaling.maximum)
        self.shortfall = shortfall_metric(
            queue_length=queue_length,
            desired_tasks=desired_tasks(cluster_name=service.cluster.cluster_name, service_name=service.service_name),
            backlog_per_worker=backlog_per_worker,
        )
        self.scale_out = self.task_count.scale_on_metric(
            "Backlog",
            metric=self.shortfall,
            scaling_steps=scale_out_steps(scaling.maximum),
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            evaluation_periods=SCALE_OUT_MINUTES,
            datapoints_to_alarm=SCALE_OUT_MINUTES,
            cooldown=SCALE_OUT_COOLDOWN,
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM,
        )
        self.idle = idle_metric(queue_length=queue_length, running_tasks=running_tasks, busy_ms=busy_ms)
        self.scale_in = self.task_count.scale_on_metric(
            "Idle",
            metric=self.idle,
            scaling_steps=[
                appscaling.ScalingInterval(upper=1, change=0),
                appscaling.ScalingInterval(lower=1, change=-1),
            ],
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            evaluation_periods=IDLE_MINUTES,
            datapoints_to_alarm=IDLE_MINUTES,
            cooldown=Duration.minutes(5),
            metric_aggregation_type=appscaling.MetricAggregationType.MAXIMUM,
        )


def scale_out_steps(maximum: int) -> list[appscaling.ScalingInterval]:
    """A shortfall of 1 adds 1 task, of 2-3 adds 2, of 4-7 adds 4, ... up to the largest power of two <= maximum."""
    if maximum < 1:
        raise ValueError(f"a service that may scale out needs a maximum of at least 1, not {maximum}")
    steps = [appscaling.ScalingInterval(upper=1, change=0)]
    tasks = 1
    while tasks <= maximum:
        steps.append(appscaling.ScalingInterval(lower=tasks, change=tasks))
        tasks *= 2
    return steps


def desired_tasks(*, cluster_name: str, service_name: str) -> cloudwatch.Metric:
    """How many tasks the service is asked to run, pending ones included (Container Insights, on for the cluster)."""
    return cloudwatch.Metric(
        namespace=CONTAINER_INSIGHTS_NAMESPACE,
        metric_name=DESIRED_TASK_COUNT,
        dimensions_map={"ClusterName": cluster_name, "ServiceName": service_name},
        statistic="Average",
        period=Duration.minutes(1),
        label="desired tasks",
    )


def shortfall_metric(
    *, queue_length: cloudwatch.IMetric, desired_tasks: cloudwatch.IMetric, backlog_per_worker: int
) -> cloudwatch.MathExpression:
    """Tasks the queue needs at ``backlog_per_worker`` documents each, less the tasks already asked for.

    The desired count rather than the running one: a GPU instance takes minutes to join, and counting only running
    tasks would add more for the same backlog after every cooldown. A missing desired count (no Container Insights
    figure yet) counts as zero; a missing queue length leaves the alarm without data, so nothing scales out.
    """
    if not isinstance(backlog_per_worker, int) or isinstance(backlog_per_worker, bool) or backlog_per_worker < 1:
        raise ValueError(f"backlog per worker is {backlog_per_worker!r}: it must be a whole number of at least 1")
    return cloudwatch.MathExpression(
        expression=f"CEIL(queue / {backlog_per_worker}) - FILL(tasks, 0)",
        using_metrics={"queue": queue_length, "tasks": desired_tasks},
        label=f"tasks short (queue / {backlog_per_worker} per worker, less desired)",
        period=Duration.minutes(1),
    )


def idle_metric(
    *,
    queue_length: cloudwatch.IMetric,
    running_tasks: cloudwatch.IMetric | None,
    busy_ms: cloudwatch.IMetric | None,
) -> cloudwatch.MathExpression:
    """1 for a minute in which the service could lose a task, else 0.

    Missing busy time or task counts count as zero (no worker published any), but a missing queue length does
    not: without the scheduled function's figures the alarm has no data and nothing is scaled in.
    """
    using: dict[str, cloudwatch.IMetric] = {"queue": queue_length}
    if busy_ms is None or running_tasks is None:
        condition = "queue == 0"
    else:
        using.update(busy=busy_ms, tasks=running_tasks)
        # busy / 60000 is how many tasks were busy on average; with no work at all the last task goes too.
        condition = (
            "queue == 0 AND (FILL(busy, 0) == 0 OR "
            f"FILL(busy, 0) / 60000 < {SCALE_IN_BUSY_SHARE} * (FILL(tasks, 0) - 1))"
        )
    return cloudwatch.MathExpression(
        expression=f"IF({condition}, 1, 0)",
        using_metrics=using,
        label="idle (1 = a task can go)",
        period=Duration.minutes(1),
    )
