"""ServiceLogs: the stage's KMS-encrypted CloudWatch log groups ``/ecs/filot-<stage>/<workload>`` and their key."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

# One log group each under /ecs/filot-<stage>/.
API_LOGS = "api"
CPU_WORKER_LOGS = "worker-cpu"
GPU_WORKER_LOGS = "worker-gpu"
SCHEDULER_LOGS = "scheduler"
FLOW_LOGS = "vpc-flow-logs"
API_LAMBDA_LOGS = "api-lambda"
API_GATEWAY_LOGS = "api-gateway"
SERVICE_LOGS = (API_LOGS, CPU_WORKER_LOGS, GPU_WORKER_LOGS, SCHEDULER_LOGS)


def workloads(*, api_on_lambda: bool) -> tuple[str, ...]:
    """The log groups a stage needs (the API-on-Lambda pair only when that variant is deployed)."""
    return (*SERVICE_LOGS, FLOW_LOGS, *((API_LAMBDA_LOGS, API_GATEWAY_LOGS) if api_on_lambda else ()))


RETENTION_BY_DAYS: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def retention_for_days(days: int) -> logs.RetentionDays:
    """The RetentionDays member for a period CloudWatch Logs accepts; ValueError otherwise."""
    try:
        return RETENTION_BY_DAYS[days]
    except KeyError:
        choices = ", ".join(str(period) for period in RETENTION_BY_DAYS)
        raise ValueError(f"CloudWatch Logs has no {days}-day retention; choose one of {choices}") from None


class ServiceLogs(Construct):
    """One log group per workload under ``/ecs/<name_prefix>/``, encrypted with a rotating key that only this
    stage's log groups may use; ``log_groups[workload]`` is the group, ``prefix`` the common path."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name_prefix: str,
        workloads: Sequence[str],
        retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        self.prefix = f"/ecs/{name_prefix}"

        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{name_prefix}/logs",
            description=f"Encrypts the CloudWatch Logs of {name_prefix} ({self.prefix} and below)",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # CloudWatch Logs encrypts through a regional service principal; the encryption-context condition
        # limits it to this stage's groups. The ARNs are formatted rather than taken from the log groups,
        # which would make key and groups depend on each other.
        allowed_groups = [
            stack.format_arn(
                service="logs",
                resource="log-group",
                resource_name=name,
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for name in (self.prefix, f"{self.prefix}/*")
        ]
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsForThisStage",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": allowed_groups}},
            )
        )

        self.log_groups: dict[str, logs.LogGroup] = {}
        for workload in workloads:
            self.log_groups[workload] = logs.LogGroup(
                self,
                workload,
                log_group_name=f"{self.prefix}/{workload}",
                retention=retention,
                encryption_key=self.key,
                # Logs are evidence (audit trail of decisions); they outlive a stack deletion.
                removal_policy=RemovalPolicy.RETAIN,
            )
