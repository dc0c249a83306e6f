"""QueueScaling: a worker service's task count driven by its queue's length, down to zero when idle."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from constructs import Construct

from stacks.config import ScalingRange

# Tasks added when the queue holds at least this many documents (for two minutes running).
SCALE_OUT_STEPS = ((1, 1), (20, 2), (100, 4))
SCALE_OUT_MINUTES = 2
# A task is removed after this many idle minutes in a row; repeated while idle, so a worker reaches zero.
IDLE_MINUTES = 15
# Remove a task while the others would stay under this share busy.
SCALE_IN_BUSY_SHARE = 0.6


class QueueScaling(Construct):
    """Step scaling of ``service`` on ``queue_length``: out by the backlog, in one task at a time when idle.

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
        queue_length: cloudwatch.IMetric,
        running_tasks: cloudwatch.IMetric | None = None,
        busy_ms: cloudwatch.IMetric | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.task_count = service.auto_scale_task_count(min_capacity=scaling.minimum, max_capacity=scaling.maximum)
        self.scale_out = self.task_count.scale_on_metric(
            "Backlog",
            metric=queue_length,
            scaling_steps=[
                appscaling.ScalingInterval(upper=SCALE_OUT_STEPS[0][0], change=0),
                *(appscaling.ScalingInterval(lower=depth, change=tasks) for depth, tasks in SCALE_OUT_STEPS),
            ],
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            evaluation_periods=SCALE_OUT_MINUTES,
            datapoints_to_alarm=SCALE_OUT_MINUTES,
            # Long enough for a new instance and task to start before adding more.
            cooldown=Duration.minutes(3),
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
