"""ComputeStack: ``filot-<stage>-compute``, the ECS cluster and everything that runs the services."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnOutput, SecretValue
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks import log_groups as logs_of
from stacks import parameters
from stacks.compute.backend_service import BackendService
from stacks.compute.containers import (
    EMF_ON_ECS,
    EMF_ON_LAMBDA,
    api_listen_environment,
    cors_environment,
    emf_environment,
    plain_environment,
)
from stacks.compute.cpu_worker import CpuWorkerService
from stacks.compute.gpu_capacity import GpuCapacity
from stacks.compute.gpu_worker import GpuWorkerService
from stacks.compute.lambda_api import LambdaApi
from stacks.compute.lambda_image import FunctionSource
from stacks.compute.load_balancer import PublicLoadBalancer
from stacks.compute.scheduler_function import ScheduledFunction
from stacks.config import StageConfig
from stacks.foundation.secret_store import ORIGIN_HEADER_FIELD, ORIGIN_SECRET, AppSecrets
from stacks.metric_names import NAMESPACE_BACKEND, NAMESPACE_GPU_WORKER, NAMESPACE_SCHEDULER
from stacks.service_settings import API_SECRETS, GPU_WORKER_ENVIRONMENT, SCHEDULER_SECRETS, WORKER_SECRETS
from stacks.stage_stack import StageStack

BACKEND_IMAGE = "backend"
GPU_WORKER_IMAGE = "gpu-worker"


class ComputeStack(StageStack):
    """Cluster ``filot-<stage>`` (Container Insights), the API behind its load balancer, the GPU and CPU OCR
    workers, the scheduled function and, when ``filot:apiOnLambda`` is on, the API on Lambda."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: StageConfig,
        vpc: ec2.IVpc,
        repositories: Mapping[str, ecr.IRepository],
        app_secrets: AppSecrets,
        data_key: kms.IKey,
        log_groups: Mapping[str, logs.ILogGroup],
    ) -> None:
        super().__init__(
            scope,
            id_,
            config=config,
            component="compute",
            description="ECS cluster, API, OCR workers and scheduled functions",
        )
        # The foundation's key and secrets, imported by ARN (see AppSecrets.reader_in).
        data_key = kms.Key.from_key_arn(self, "DataKey", data_key.key_arn)
        secrets = app_secrets.reader_in(self, key=data_key)

        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            cluster_name=config.name_prefix,
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
        )
        backend_image = ecs.ContainerImage.from_ecr_repository(repositories[BACKEND_IMAGE], tag=config.image_tag)
        gpu_image = ecs.ContainerImage.from_ecr_repository(repositories[GPU_WORKER_IMAGE], tag=config.image_tag)

        https = config.domain_name is not None
        self.load_balancer = PublicLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            name_prefix=config.name_prefix,
            domain_name=config.domain_name,
            # Through SSM, not an export: a new certificate must not deadlock the two stacks.
            certificate_arn=(
                parameters.read(self, name_prefix=config.name_prefix, key=parameters.CERTIFICATE_ARN) if https else None
            ),
            cloudflare_ranges=config.cloudflare_ranges,
            # A dynamic reference: CloudFormation reads the value at deploy time; the template holds only its name.
            origin_header_value=(
                SecretValue.secrets_manager(
                    f"{config.secret_prefix}{ORIGIN_SECRET}", json_field=ORIGIN_HEADER_FIELD
                ).unsafe_unwrap()
                if https
                else None
            ),
            deletion_protection=config.deletion_protection,
        )
        self.api_url = self.load_balancer.url

        def on_ecs(workload: str, namespace: str) -> dict[str, str]:
            return emf_environment(
                environment=EMF_ON_ECS,
                namespace=namespace,
                service_name=f"{config.name_prefix}-{workload}",
                log_group_name=log_groups[workload].log_group_name,
            )

        def on_lambda(workload: str, namespace: str) -> dict[str, str]:
            return emf_environment(
                environment=EMF_ON_LAMBDA, namespace=namespace, service_name=f"{config.name_prefix}-{workload}"
            )

        self.backend = BackendService(
            self,
            "Backend",
            cluster=self.cluster,
            image=backend_image,
            listener=self.load_balancer.listener,
            listener_conditions=self.load_balancer.origin_conditions,
            log_group=log_groups[logs_of.API_LOGS],
            environment=plain_environment(
                config,
                api_url=self.api_url,
                extra={
                    **api_listen_environment(config.cloudflare_ranges if https else ()),
                    **cors_environment(config),
                    **on_ecs(logs_of.API_LOGS, NAMESPACE_BACKEND),
                },
            ),
            secrets=secrets.ecs_secrets(API_SECRETS),
            scaling=config.backend,
        )
        self.gpu_capacity = GpuCapacity(
            self,
            "GpuCapacity",
            cluster=self.cluster,
            vpc=vpc,
            name_prefix=config.name_prefix,
            max_instances=config.gpu_workers.maximum,
        )
        self.gpu_worker = GpuWorkerService(
            self,
            "GpuWorker",
            cluster=self.cluster,
            capacity_provider=self.gpu_capacity.capacity_provider,
            image=gpu_image,
            log_group=log_groups[logs_of.GPU_WORKER_LOGS],
            environment=plain_environment(
                config,
                api_url=self.api_url,
                extra={**GPU_WORKER_ENVIRONMENT, **on_ecs(logs_of.GPU_WORKER_LOGS, NAMESPACE_GPU_WORKER)},
            ),
            secrets=secrets.ecs_secrets(WORKER_SECRETS),
            scaling=config.gpu_workers,
            backlog_per_worker=config.backlog.gpu_per_worker,
            warm_hours_utc=config.gpu_warm_hours_utc,
        )
        self.cpu_worker = CpuWorkerService(
            self,
            "CpuWorker",
            cluster=self.cluster,
            image=backend_image,
            log_group=log_groups[logs_of.CPU_WORKER_LOGS],
            # The CPU path runs in the backend image: its metrics are the backend's.
            environment=plain_environment(
                config, api_url=self.api_url, extra=on_ecs(logs_of.CPU_WORKER_LOGS, NAMESPACE_BACKEND)
            ),
            secrets=secrets.ecs_secrets(WORKER_SECRETS),
            scaling=config.cpu_workers,
            backlog_per_worker=config.backlog.cpu_per_worker,
        )
        functions = FunctionSource(
            repository=repositories[BACKEND_IMAGE],
            image_tag=config.image_tag,
            vpc=vpc,
            secrets=secrets,
            environment_key=data_key,
        )
        self.scheduler = ScheduledFunction(
            self,
            "Scheduler",
            source=functions,
            log_group=log_groups[logs_of.SCHEDULER_LOGS],
            environment=plain_environment(
                config, api_url=self.api_url, extra=on_lambda(logs_of.SCHEDULER_LOGS, NAMESPACE_SCHEDULER)
            ),
            secret_settings=SCHEDULER_SECRETS,
        )
        self.lambda_api: LambdaApi | None = None
        if config.api_on_lambda:
            self.lambda_api = LambdaApi(
                self,
                "LambdaApi",
                name_prefix=config.name_prefix,
                source=functions,
                function_log_group=log_groups[logs_of.API_LAMBDA_LOGS],
                access_log_group=log_groups[logs_of.API_GATEWAY_LOGS],
                environment=plain_environment(
                    config,
                    api_url=self.api_url,
                    extra={**cors_environment(config), **on_lambda(logs_of.API_LAMBDA_LOGS, NAMESPACE_BACKEND)},
                ),
                secret_settings=API_SECRETS,
            )
            CfnOutput(self, "LambdaApiUrl", value=self.lambda_api.url, description="The API on Lambda")
        self._publish_names(config)
        CfnOutput(self, "ApiUrl", value=self.api_url, description="The API behind the load balancer")
        CfnOutput(
            self,
            "LoadBalancerDnsName",
            value=self.load_balancer.load_balancer.load_balancer_dns_name,
            description="Point the stage's domain name here (CNAME or alias)",
        )

    def _publish_names(self, config: StageConfig) -> None:
        """The names the monitoring stack watches, as SSM parameters (stacks/parameters.py says why)."""
        names = {
            parameters.API_SERVICE_NAME: self.backend.service.service_name,
            parameters.GPU_WORKER_SERVICE_NAME: self.gpu_worker.service.service_name,
            parameters.CPU_WORKER_SERVICE_NAME: self.cpu_worker.service.service_name,
            parameters.LOAD_BALANCER_FULL_NAME: self.load_balancer.load_balancer.load_balancer_full_name,
            parameters.TARGET_GROUP_FULL_NAME: self.backend.target_group.target_group_full_name,
            parameters.SCHEDULER_FUNCTION_NAME: self.scheduler.function.function_name,
        }
        if self.lambda_api is not None:
            names[parameters.API_FUNCTION_NAME] = self.lambda_api.function.function_name
        for key, value in names.items():
            parameters.publish(
                self,
                name_prefix=config.name_prefix,
                key=key,
                value=value,
                description=f"FiLot {config.stage}: read by the monitoring stack",
            )
