"""AlertTopic: the encrypted, TLS-only SNS topic every alarm notifies, with PagerDuty subscribed when configured."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, SecretValue, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct


class AlertTopic(Construct):
    """``topic`` (KMS-encrypted with ``key``; publishing only over TLS) and, with a PagerDuty secret, its HTTPS
    subscription to the URL in that secret."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name_prefix: str,
        pagerduty_secret: str | None,
        pagerduty_field: str,
    ) -> None:
        super().__init__(scope, id_)
        # The AWS-managed SNS key cannot be used by CloudWatch alarms; this key lets CloudWatch publish.
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{name_prefix}/alarms",
            description=f"Encrypts the {name_prefix} alarm topic",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            )
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=f"{name_prefix}-alarms",
            display_name=f"FiLot {name_prefix} alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        self.pagerduty: sns.Subscription | None = None
        if pagerduty_secret is not None:
            # The integration URL's path is its key: a dynamic reference, resolved by CloudFormation at deploy
            # time, keeps it out of the template and out of the construct id (a fixed one). A new URL in the
            # secret takes effect on the next deploy of this stack.
            self.pagerduty = sns.Subscription(
                self,
                "PagerDuty",
                topic=self.topic,
                protocol=sns.SubscriptionProtocol.HTTPS,
                endpoint=SecretValue.secrets_manager(pagerduty_secret, json_field=pagerduty_field).unsafe_unwrap(),
            )
