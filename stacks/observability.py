"""ServiceLogs: the stage's KMS-encrypted CloudWatch log group ``/ecs/filot-<stage>`` and its key."""

from __future__ import annotations

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

_RETENTION_BY_DAYS: dict[int, logs.RetentionDays] = {
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
        return _RETENTION_BY_DAYS[days]
    except KeyError:
        choices = ", ".join(str(period) for period in _RETENTION_BY_DAYS)
        raise ValueError(f"CloudWatch Logs has no {days}-day retention; choose one of {choices}") from None


class ServiceLogs(Construct):
    """Log group ``/ecs/<name_prefix>`` encrypted with a rotating key that only this stage's log groups may use."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name_prefix: str,
        retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, id_)
        stack = Stack.of(self)
        self.log_group_name = f"/ecs/{name_prefix}"

        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{name_prefix}/logs",
            description=f"Encrypts the CloudWatch Logs of {name_prefix} ({self.log_group_name} and below)",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # CloudWatch Logs encrypts through a regional service principal; the encryption-context condition
        # limits it to this stage's groups (the group itself and later per-service groups beneath it).
        # The ARNs are formatted rather than taken from the log group, which would make key and group
        # depend on each other.
        allowed_groups = [
            stack.format_arn(
                service="logs",
                resource="log-group",
                resource_name=name,
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
            for name in (self.log_group_name, f"{self.log_group_name}/*")
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

        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=self.log_group_name,
            retention=retention,
            encryption_key=self.key,
            removal_policy=RemovalPolicy.RETAIN,
        )
