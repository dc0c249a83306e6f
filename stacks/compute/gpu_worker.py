"""GpuWorkerService: the GPU OCR worker (one T4 per task) on the GPU capacity provider, scaled on the GPU queue."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.compute.containers import health_check, log_driver
from stacks.compute.queue_scaling import QueueScaling
from stacks.config import ScalingRange
from stacks.metric_names import GPU_PROCESSING_TIME_MS, QUEUE_GPU, metric, queue_length, running_tasks

GPUS = 1
CPU_UNITS = 4096  # all four vCPUs of a g4dn.xlarge
# A g4dn.xlarge has 16 GiB; the ECS agent registers about 15.5 GiB and the OS, agent and NVIDIA driver keep
# some of that, so 14 GiB leaves margin for the task to be placed on every instance.
MEMORY_MIB = 14336


class GpuWorkerService(Construct):
    """``service`` on ``capacity_provider``, one task per instance (each takes the instance's GPU). With
    ``warm_hours_utc`` (from, until), at least one task runs in those hours: the first upload of the day does not
    wait for an instance to start from zero (docs/gpu.md, "Scaling from zero")."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cluster: ecs.ICluster,
        capacity_provider: ecs.AsgCapacityProvider,
        image: ecs.ContainerImage,
        log_group: logs.ILogGroup,
        environment: Mapping[str, str],
        secrets: Mapping[str, ecs.Secret],
        scaling: ScalingRange,
        backlog_per_worker: int,
        warm_hours_utc: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.task_definition = ecs.Ec2TaskDefinition(self, "Task", network_mode=ecs.NetworkMode.AWS_VPC)
        self.container = self.task_definition.add_container(
            "worker-gpu",
            image=image,
            command=["worker-gpu"],
            cpu=CPU_UNITS,
            memory_limit_mib=MEMORY_MIB,
            gpu_count=GPUS,
            environment=dict(environment),
            secrets=dict(secrets),
            logging=log_driver(log_group, stream_prefix="worker-gpu"),
            health_check=health_check(),
            # Let the document in hand finish (OCR takes well under a second; a stalled one is recovered anyway).
            stop_timeout=Duration.seconds(120),
        )
        self.service = ecs.Ec2Service(
            self,
            "Service",
            cluster=cluster,
            task_definition=self.task_definition,
            desired_count=scaling.minimum,
            capacity_provider_strategies=[
                ecs.CapacityProviderStrategy(capacity_provider=capacity_provider.capacity_provider_name, weight=1)
            ],
            min_healthy_percent=50,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
        )
        # The service names a capacity provider that only the cluster's capacity provider association attaches;
        # CloudFormation could create the service first, and a first deploy would then fail. CDK adds that
        # association at synthesis, as a child of the cluster: depending on the cluster includes it.
        self.service.node.add_dependency(cluster)
        self.scaling = QueueScaling(
            self,
            "Scaling",
            service=self.service,
            scaling=scaling,
            backlog_per_worker=backlog_per_worker,
            queue_length=queue_length(QUEUE_GPU),
            running_tasks=running_tasks(cluster_name=cluster.cluster_name, service_name=self.service.service_name),
            busy_ms=metric(GPU_PROCESSING_TIME_MS, statistic="Sum"),
        )
        if warm_hours_utc is not None:
            start, end = warm_hours_utc
            self.scaling.task_count.scale_on_schedule(
                "WarmFrom",
                schedule=appscaling.Schedule.cron(hour=str(start), minute="0"),
                min_capacity=max(1, scaling.minimum),
            )
            self.scaling.task_count.scale_on_schedule(
                "WarmUntil",
                schedule=appscaling.Schedule.cron(hour=str(end), minute="0"),
                min_capacity=scaling.minimum,
            )
