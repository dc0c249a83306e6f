"""CpuWorkerService: the CPU fallback OCR worker as its own Fargate service, scaled on the CPU queue.

Why a service of its own rather than a container in the API task: see docs/infrastructure.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.compute.containers import health_check, linux_fargate_task, log_driver
from stacks.compute.queue_scaling import QueueScaling
from stacks.config import ScalingRange
from stacks.metric_names import QUEUE_CPU, queue_length

# One worker process runs one Tesseract with OMP_THREAD_LIMIT=1: one vCPU is what it can use.
CPU_UNITS = 1024
MEMORY_MIB = 2048


class CpuWorkerService(Construct):
    """``service`` (Fargate, private subnets) running ``worker-cpu`` from the backend image."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster: ecs.ICluster,
        image: ecs.ContainerImage,
        log_group: logs.ILogGroup,
        environment: Mapping[str, str],
        secrets: Mapping[str, ecs.Secret],
        scaling: ScalingRange,
        backlog_per_worker: int,
    ) -> None:
        super().__init__(scope, id_)
        self.task_definition = linux_fargate_task(self, cpu=CPU_UNITS, memory_mib=MEMORY_MIB)
        self.container = self.task_definition.add_container(
            "worker-cpu",
            image=image,
            command=["worker-cpu"],
            environment=dict(environment),
            secrets=dict(secrets),
            logging=log_driver(log_group, stream_prefix="worker-cpu"),
            health_check=health_check(),
            stop_timeout=Duration.seconds(120),
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=cluster,
            task_definition=self.task_definition,
            desired_count=scaling.minimum,
            min_healthy_percent=50,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            assign_public_ip=False,
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
        )
        self.scaling = QueueScaling(
            self,
            "Scaling",
            service=self.service,
            scaling=scaling,
            backlog_per_worker=backlog_per_worker,
            queue_length=queue_length(QUEUE_CPU),
        )
