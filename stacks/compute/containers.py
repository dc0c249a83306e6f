"""What every FiLot container shares: its plain environment, health check and log driver."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration, Size
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.config import StageConfig
from stacks.service_settings import API_PORT, OCR_ENVIRONMENT

# images/healthcheck.py, copied into both images: the API must answer HTTP, a worker process must be alive.
HEALTH_CHECK_COMMAND = ["CMD", "python", "/usr/local/bin/filot-healthcheck"]


def plain_environment(config: StageConfig, *, api_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The non-secret settings of a service (secrets travel separately, as ECS secrets)."""
    return {
        **config.environment,
        **OCR_ENVIRONMENT,
        "FILOT_STAGE": config.stage,
        "FILOT_API_URL": api_url,
        "FILOT_STORAGE_URL": config.storage,
        **(extra or {}),
    }


# aws-embedded-metrics detects Lambda and EC2 but not ECS, and its EC2/agent sinks need a CloudWatch agent we do not
# run. On ECS (Fargate and the GPU instances alike) "Local" prints EMF to stdout, which the awslogs driver ships to
# the task's log group, where CloudWatch extracts the metrics; a Lambda's stdout goes to its log group the same way.
EMF_ON_ECS = "Local"
EMF_ON_LAMBDA = "Lambda"


def emf_environment(
    *, environment: str, namespace: str, service_name: str, log_group_name: str | None = None
) -> dict[str, str]:
    """The aws-embedded-metrics settings of one workload: where EMF goes, the default namespace, and the names its
    default ServiceName/LogGroup dimensions would take (the services replace those dimensions with their own)."""
    settings = {
        "AWS_EMF_ENVIRONMENT": environment,
        "AWS_EMF_NAMESPACE": namespace,
        "AWS_EMF_SERVICE_NAME": service_name,
    }
    if environment == EMF_ON_ECS:
        settings["AWS_EMF_SERVICE_TYPE"] = "AWS::ECS::Container"
    if log_group_name is not None:
        settings["AWS_EMF_LOG_GROUP_NAME"] = log_group_name
    return settings


def api_listen_environment(cloudflare_ranges: Sequence[str] = ()) -> dict[str, str]:
    # Behind the load balancer, which appends the peer it saw to X-Forwarded-For: the per-address rate limit
    # counts that address, not the balancer's (every user in one bucket) nor what a client wrote itself. Behind
    # Cloudflare too, that peer is a Cloudflare address, and CF-Connecting-IP from it names the client.
    # bandit B104: a task's own network interface (awsvpc); only the balancer's security group reaches it
    settings = {"FILOT_API_HOST": "0.0.0.0", "FILOT_API_PORT": str(API_PORT), "FILOT_TRUSTED_PROXY_HOPS": "1"}  # nosec B104
    if cloudflare_ranges:
        settings["FILOT_CLOUDFLARE_RANGES"] = ",".join(cloudflare_ranges)
    return settings


def cors_environment(config: StageConfig) -> dict[str, str]:
    """The browsers' origins the API answers cross-origin: the stage's web app, when it has one (and none else:
    the mobile app and BULI2 are not browsers)."""
    return {"FILOT_CORS_ORIGINS": config.web_origin} if config.web_origin is not None else {}


def health_check() -> ecs.HealthCheck:
    return ecs.HealthCheck(
        command=HEALTH_CHECK_COMMAND,
        interval=Duration.seconds(30),
        timeout=Duration.seconds(5),
        retries=3,
        # Workers warm their OCR engine (and Numba's JIT) before they claim work.
        start_period=Duration.seconds(120),
    )


def log_driver(log_group: logs.ILogGroup, *, stream_prefix: str) -> ecs.LogDriver:
    # Non-blocking: a CloudWatch Logs hiccup must not stall the service writing to stderr.
    return ecs.LogDrivers.aws_logs(
        log_group=log_group,
        stream_prefix=stream_prefix,
        mode=ecs.AwsLogDriverMode.NON_BLOCKING,
        max_buffer_size=Size.mebibytes(25),
    )


def linux_fargate_task(scope: Construct, *, cpu: int, memory_mib: int) -> ecs.FargateTaskDefinition:
    """A Fargate task definition on x86-64 Linux (the images are built for it), as construct id "Task"."""
    return ecs.FargateTaskDefinition(
        scope,
        "Task",
        cpu=cpu,
        memory_limit_mib=memory_mib,
        runtime_platform=ecs.RuntimePlatform(
            cpu_architecture=ecs.CpuArchitecture.X86_64,
            operating_system_family=ecs.OperatingSystemFamily.LINUX,
        ),
    )
