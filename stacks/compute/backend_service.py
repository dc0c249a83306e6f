"""BackendService: the FastAPI API as a Fargate service (2 vCPU / 4 GB) behind the public load balancer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.compute.containers import health_check, linux_fargate_task, log_driver
from stacks.config import ScalingRange
from stacks.service_settings import API_PORT

CPU_UNITS = 2048
MEMORY_MIB = 4096
# Liveness, not readiness: the load balancer (and through it ECS, which replaces tasks that fail it) asks only
# whether the API process answers. /health, which also asks Redis and the database, would make a managed service's
# blip replace every API task at once; it stays the readiness report for operators and the dashboards.
HEALTH_PATH = "/health/live"
TARGET_CPU_PERCENT = 60
API_RULE_PRIORITY = 10
# Uploads are OCR'd elsewhere; an API task serves a few hundred light requests a minute comfortably.
REQUESTS_PER_TARGET_PER_MINUTE = 600


class BackendService(Construct):
    """``service`` (Fargate, private subnets), ``target_group`` and ``scaling`` (CPU and request count)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster: ecs.ICluster,
        image: ecs.ContainerImage,
        listener: elbv2.ApplicationListener,
        listener_conditions: Sequence[elbv2.ListenerCondition],
        log_group: logs.ILogGroup,
        environment: Mapping[str, str],
        secrets: Mapping[str, ecs.Secret],
        scaling: ScalingRange,
    ) -> None:
        super().__init__(scope, id_)
        self.task_definition = linux_fargate_task(self, cpu=CPU_UNITS, memory_mib=MEMORY_MIB)
        self.container = self.task_definition.add_container(
            "api",
            image=image,
            command=["api"],
            environment=dict(environment),
            secrets=dict(secrets),
            logging=log_driver(log_group, stream_prefix="api"),
            port_mappings=[ecs.PortMapping(container_port=API_PORT, name="http")],
            health_check=health_check(),
            stop_timeout=Duration.seconds(30),
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=cluster,
            task_definition=self.task_definition,
            desired_count=scaling.minimum,
            min_healthy_percent=100,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            assign_public_ip=False,
            health_check_grace_period=Duration.seconds(90),
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
        )
        self.target_group = listener.add_targets(
            "Api",
            port=API_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            targets=[self.service],
            # Behind Cloudflare: only requests that carry its origin header (the listener answers others 403).
            conditions=list(listener_conditions) or None,
            priority=API_RULE_PRIORITY if listener_conditions else None,
            deregistration_delay=Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                path=HEALTH_PATH,
                healthy_http_codes="200",
                interval=Duration.seconds(15),
                timeout=Duration.seconds(5),
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
        )
        self.scaling = self.service.auto_scale_task_count(min_capacity=scaling.minimum, max_capacity=scaling.maximum)
        self.scaling.scale_on_cpu_utilization(
            "Cpu",
            target_utilization_percent=TARGET_CPU_PERCENT,
            scale_in_cooldown=Duration.minutes(5),
            scale_out_cooldown=Duration.minutes(1),
        )
        self.scaling.scale_on_request_count(
            "Requests",
            requests_per_target=REQUESTS_PER_TARGET_PER_MINUTE,
            target_group=self.target_group,
            scale_in_cooldown=Duration.minutes(5),
            scale_out_cooldown=Duration.minutes(1),
        )
