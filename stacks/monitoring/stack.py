"""MonitoringStack: ``filot-<stage>-monitoring``, alarms to SNS (and PagerDuty), dashboards and saved queries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Environment, Stack, Tags
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import StageConfig
from stacks.metric_names import NAMESPACE_BACKEND, NAMESPACE_GPU_WORKER, NAMESPACE_SCHEDULER, running_tasks
from stacks.monitoring.alarms import ServiceAlarms, Watched
from stacks.monitoring.alert_topic import AlertTopic
from stacks.monitoring.dashboards import Dashboards, SavedQueries


@dataclass(frozen=True, kw_only=True)
class WatchedResources:
    """What the monitoring stack watches, handed over by the stacks that made it."""

    cluster: ecs.ICluster
    api: ecs.BaseService
    gpu_workers: ecs.BaseService
    cpu_workers: ecs.BaseService
    load_balancer: elbv2.ApplicationLoadBalancer
    scheduler: lambda_.IFunction
    log_groups: Mapping[str, logs.ILogGroup]
    log_group_prefix: str


class MonitoringStack(Stack):
    """The alarm topic, ``alarms`` on the services' metrics, the dashboards of dashboards/ and its saved queries."""

    def __init__(self, scope: Construct, id_: str, *, config: StageConfig, watched: WatchedResources) -> None:
        super().__init__(
            scope,
            id_,
            stack_name=config.stack_name("monitoring"),
            env=Environment(account=config.account, region=config.region),
            description=f"FiLot {config.stage}: alarms, alarm topic, dashboards and Logs Insights queries",
        )
        Tags.of(self).add("project", "filot")
        Tags.of(self).add("stage", config.stage)
        cluster_name = watched.cluster.cluster_name

        def tasks(service: ecs.BaseService) -> cloudwatch.Metric:
            return running_tasks(cluster_name=cluster_name, service_name=service.service_name)

        self.alert_topic = AlertTopic(
            self, "Alerts", name_prefix=config.name_prefix, pagerduty_endpoint=config.pagerduty_endpoint
        )
        self.alarms = ServiceAlarms(
            self,
            "Alarms",
            name_prefix=config.name_prefix,
            topic=self.alert_topic.topic,
            thresholds=config.alarm_thresholds,
            watched=Watched(
                load_balancer=watched.load_balancer,
                api_tasks=tasks(watched.api),
                api_minimum=config.backend.minimum,
                gpu_worker_tasks=tasks(watched.gpu_workers),
                cpu_worker_tasks=tasks(watched.cpu_workers),
                scheduler=watched.scheduler,
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
                "ApiService": watched.api.service_name,
                "GpuWorkerService": watched.gpu_workers.service_name,
                "CpuWorkerService": watched.cpu_workers.service_name,
                "LoadBalancer": watched.load_balancer.load_balancer_full_name,
                "LogGroupPrefix": watched.log_group_prefix,
            },
        )
        self.queries = SavedQueries(self, "Queries", name_prefix=config.name_prefix, log_groups=watched.log_groups)
