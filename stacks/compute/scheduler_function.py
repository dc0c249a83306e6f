"""ScheduledFunction: once a minute, publish the queue lengths (and run the reconciler) from a Lambda."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.compute.lambda_image import FunctionSource, image_function

HANDLER = "services.processes.lambda_handlers.scheduled"
SCHEDULE = Duration.minutes(1)


class ScheduledFunction(Construct):
    """``function`` (services.processes.lambda_handlers.scheduled) and ``rule``, the EventBridge schedule that calls it."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        source: FunctionSource,
        log_group: logs.ILogGroup,
        environment: Mapping[str, str],
        secret_settings: Sequence[str],
    ) -> None:
        super().__init__(scope, id_)
        self.function = image_function(
            self,
            "Function",
            source=source,
            handler=HANDLER,
            description="FiLot: publishes the queue lengths every minute and runs the reconciler",
            log_group=log_group,
            environment=environment,
            secret_settings=secret_settings,
            # Finishes well inside its minute, so two runs do not overlap. (No reserved concurrency: a new
            # account's limit of 10 would refuse to set any aside.)
            timeout=Duration.seconds(50),
            memory_size=512,
        )
        self.rule = events.Rule(
            self,
            "EveryMinute",
            description="FiLot: queue lengths and reconciler, every minute",
            schedule=events.Schedule.rate(SCHEDULE),
            # A missed minute is made up by the next one; retrying would only pile up runs.
            targets=[targets.LambdaFunction(self.function, retry_attempts=0, max_event_age=Duration.minutes(1))],
        )
