"""MonitoringStack: ``filot-<stage>-monitoring``, alarms to SNS (and PagerDuty), dashboards and saved queries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks import parameters
from stacks.config import StageConfig
from stacks.foundation.secret_store import PAGERDUTY_SECRET, PAGERDUTY_URL_FIELD
from stacks.metric_names import NAMESPACE_BACKEND, NAMESPACE_GPU_WORKER, NAMESPACE_SCHEDULER, running_tasks
from stacks.monitoring.alarm_metrics import matched_events
from stacks.monitoring.alarms import ServiceAlarms, Watched
from stacks.monitoring.alert_topic import AlertTopic
from stacks.monitoring.dashboards import Dashboards, SavedQueries
from stacks.stage_stack import StageStack


@dataclass(frozen=True, kw_only=True)
class WatchedResources:
    """What the monitoring stack reads from the foundation (fixed names that never change); the compute stack's
    names come through SSM parameters (stacks/parameters.py), so compute can replace a resource freely."""

    log_groups: Mapping[str, logs.ILogGroup]
    log_group_prefix: str


class MonitoringStack(StageStack):
    """The alarm topic, ``alarms`` on the services' metrics, the dashboards of dashboards/ and its saved queries."""

    def __init__(self, scope: Construct, id_: str, *, config: StageConfig, watched: WatchedResources) -> None:
        super().__init__(
            scope,
            id_,
            config=config,
            component="monitoring",
            description="alarms, alarm topic, dashboards and Logs Insights queries",
        )
        # The cluster's name is fixed (filot-<stage>); everything else compute made is read from SSM.
        cluster_name = config.name_prefix

        def name_of(key: str) -> str:
            return parameters.read(self, name_prefix=config.name_prefix, key=key)

        api_service = name_of(parameters.API_SERVICE_NAME)
        gpu_service = name_of(parameters.GPU_WORKER_SERVICE_NAME)
        cpu_service = name_of(parameters.CPU_WORKER_SERVICE_NAME)
        load_balancer = name_of(parameters.LOAD_BALANCER_FULL_NAME)
        scheduler = name_of(parameters.SCHEDULER_FUNCTION_NAME)
        functions = (scheduler,) + ((name_of(parameters.API_FUNCTION_NAME),) if config.api_on_lambda else ())

        def tasks(service_name: str) -> cloudwatch.Metric:
            return running_tasks(cluster_name=cluster_name, service_name=service_name)

        self.alert_topic = AlertTopic(
            self,
            "Alerts",
            name_prefix=config.name_prefix,
            pagerduty_secret=f"{config.secret_prefix}{PAGERDUTY_SECRET}" if config.pagerduty else None,
            pagerduty_field=PAGERDUTY_URL_FIELD,
        )
        # A failed deployment is an event, not a metric: a rule counts them and an alarm pages on the count.
        self.failed_deployments = events.Rule(
            self,
            "FailedDeployments",
            rule_name=f"{config.name_prefix}-failed-deployments",
            description=f"ECS deployments of {config.name_prefix} that failed (counted for the deployment-failed alarm)",
            event_pattern=events.EventPattern(
                source=["aws.ecs"],
                detail_type=["ECS Deployment State Change"],
                detail={"eventName": ["SERVICE_DEPLOYMENT_FAILED"]},
                resources=events.Match.prefix(
                    f"arn:{Stack.of(self).partition}:ecs:{config.region}:{Stack.of(self).account}:service/{cluster_name}/"
                ),
            ),
        )
        self.alarms = ServiceAlarms(
            self,
            "Alarms",
            name_prefix=config.name_prefix,
            topic=self.alert_topic.topic,
            thresholds=config.alarm_thresholds,
            watched=Watched(
                load_balancer=load_balancer,
                api_target_group=name_of(parameters.TARGET_GROUP_FULL_NAME),
                api_tasks=tasks(api_service),
                api_minimum=config.backend.minimum,
                gpu_worker_tasks=tasks(gpu_service),
                cpu_worker_tasks=tasks(cpu_service),
                scheduler=scheduler,
                functions=functions,
                failed_deployments=matched_events(self.failed_deployments.rule_name),
            ),
        )
        self.dashboards = Dashboards(
            self,
            "Dashboards",
            name_prefix=config.name_prefix,
            values={
                "Stage": config.stage,
                "Region": config.region,
                "SchedulerNamespace": NAMESPACE_SCHEDULER,
                "BackendNamespace": NAMESPACE_BACKEND,
                "GpuWorkerNamespace": NAMESPACE_GPU_WORKER,
                "ClusterName": cluster_name,
                "ApiService": api_service,
                "GpuWorkerService": gpu_service,
                "CpuWorkerService": cpu_service,
                "LoadBalancer": load_balancer,
                "LogGroupPrefix": watched.log_group_prefix,
            },
        )
        self.queries = SavedQueries(self, "Queries", name_prefix=config.name_prefix, log_groups=watched.log_groups)
