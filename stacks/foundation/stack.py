"""FoundationStack: per-stage resources every later stack builds on (image registry, secrets, service logs)."""

from __future__ import annotations

from aws_cdk import Environment, Stack, Tags
from constructs import Construct

from stacks.config import StageConfig
from stacks.foundation.registry import ImageRegistry
from stacks.foundation.secret_store import AppSecrets
from stacks.log_groups import ServiceLogs, retention_for_days, workloads


class FoundationStack(Stack):
    """``filot-<stage>-foundation``: ECR repositories, Secrets Manager secrets and the ``/ecs/filot-<stage>/*``
    log groups; kept apart so that redeploying or deleting compute never touches images, secrets or logs."""

    def __init__(self, scope: Construct, id_: str, *, config: StageConfig) -> None:
        super().__init__(
            scope,
            id_,
            stack_name=config.stack_name("foundation"),
            env=Environment(account=config.account, region=config.region),
            description=f"FiLot {config.stage}: container image registry, secrets and service logs",
        )
        Tags.of(self).add("project", "filot")
        Tags.of(self).add("stage", config.stage)

        self.registry = ImageRegistry(self, "Registry", name_prefix=config.name_prefix, keep_images=config.keep_images)
        self.secrets = AppSecrets(self, "Secrets", name_prefix=config.name_prefix)
        self.logs = ServiceLogs(
            self,
            "Logs",
            name_prefix=config.name_prefix,
            workloads=workloads(api_on_lambda=config.api_on_lambda),
            retention=retention_for_days(config.log_retention_days),
        )
