"""FoundationStack: per-stage resources every later stack builds on (image registry, service logs)."""

from __future__ import annotations

from aws_cdk import Environment, Stack, Tags
from constructs import Construct

from stacks.config import StageConfig
from stacks.observability import ServiceLogs, retention_for_days
from stacks.registry import ImageRegistry


class FoundationStack(Stack):
    """``filot-<stage>-foundation``: ECR repositories for the images and the ``/ecs/filot-<stage>`` log group."""

    def __init__(self, scope: Construct, id_: str, *, config: StageConfig) -> None:
        super().__init__(
            scope,
            id_,
            stack_name=config.stack_name("foundation"),
            env=Environment(account=config.account, region=config.region),
            description=f"FiLot {config.stage}: container image registry and service logs",
        )
        Tags.of(self).add("project", "filot")
        Tags.of(self).add("stage", config.stage)

        self.registry = ImageRegistry(self, "Registry", name_prefix=config.name_prefix, keep_images=config.keep_images)
        self.logs = ServiceLogs(
            self,
            "Logs",
            name_prefix=config.name_prefix,
            retention=retention_for_days(config.log_retention_days),
        )
