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
from stacks.web.stack import WebStack


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
    # Only with filot:webDomainName: the web app, in us-east-1 (no stack without a name: see build_stage).
    web: WebStack | None = None

    @property
    def stacks(self) -> tuple[StageStack, ...]:
        optional = (self.pipeline, self.web)
        return (self.foundation, self.network, self.compute, self.monitoring) + tuple(
            stack for stack in optional if stack is not None
        )


def build_stage(scope: Construct, context: Mapping[str, object] | StageConfig) -> Stage:
    """Validate the stage config (a ValueError names the bad key) and build its stacks under ``scope``: the four
    every stage has, then the pipeline's roles and the web app where the config asks for them."""
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
    # A stage without filot:webDomainName (a sandbox) gets no web stack rather than one on CloudFront's own name:
    # that name is known only after the deploy, so the API's CORS and the CSP could not name it, and a sandbox is
    # served to its developer by `make run` anyway.
    web = WebStack(scope, config.stack_name("web"), config=config) if config.web_domain_name is not None else None
    stage = Stage(
        config=config,
        foundation=foundation,
        network=network,
        compute=compute,
        monitoring=monitoring,
        pipeline=pipeline,
        web=web,
    )
    suppress_known_findings(stage)
    return stage
