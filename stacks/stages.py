"""build_stage: every stack of one stage, wired together through typed props, with the nag suppressions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from constructs import Construct

from stacks.compute.stack import ComputeStack
from stacks.config import StageConfig
from stacks.foundation.stack import FoundationStack
from stacks.log_groups import FLOW_LOGS
from stacks.monitoring.stack import MonitoringStack, WatchedResources
from stacks.nag_suppressions import suppress_known_findings
from stacks.network.stack import NetworkStack
from stacks.pipeline.stack import PipelineStack
from stacks.stage_stack import StageStack


@dataclass(frozen=True)
class Stage:
    """The stacks of one stage, in deployment order."""

    config: StageConfig
    foundation: FoundationStack
    network: NetworkStack
    compute: ComputeStack
    monitoring: MonitoringStack
    # Only with filot:githubRepository: the roles the GitHub workflows assume (deployed by an operator).
    pipeline: PipelineStack | None = None

    @property
    def stacks(self) -> tuple[StageStack, ...]:
        return (self.foundation, self.network, self.compute, self.monitoring) + (
            (self.pipeline,) if self.pipeline is not None else ()
        )


def build_stage(scope: Construct, context: Mapping[str, object] | StageConfig) -> Stage:
    """Validate the stage config (a ValueError names the bad key) and build its four stacks under ``scope``."""
    config = context if isinstance(context, StageConfig) else StageConfig.from_context(context)
    foundation = FoundationStack(scope, config.stack_name("foundation"), config=config)
    log_groups = foundation.logs.log_groups
    network = NetworkStack(scope, config.stack_name("network"), config=config, flow_log_group=log_groups[FLOW_LOGS])
    compute = ComputeStack(
        scope,
        config.stack_name("compute"),
        config=config,
        vpc=network.vpc,
        repositories=foundation.registry.repositories,
        app_secrets=foundation.secrets,
        data_key=foundation.data_key,
        log_groups=log_groups,
    )
    monitoring = MonitoringStack(
        scope,
        config.stack_name("monitoring"),
        config=config,
        watched=WatchedResources(log_groups=log_groups, log_group_prefix=foundation.logs.prefix),
    )
    # Compute hands its names over through SSM parameters, not exports, so CDK cannot infer these orders.
    compute.add_stack_dependency(foundation)
    monitoring.add_stack_dependency(compute)
    pipeline = (
        PipelineStack(scope, config.stack_name("pipeline"), config=config, data_key_arn=foundation.data_key.key_arn)
        if config.github_repository is not None
        else None
    )
    stage = Stage(config, foundation, network, compute, monitoring, pipeline)
    suppress_known_findings(stage)
    return stage
