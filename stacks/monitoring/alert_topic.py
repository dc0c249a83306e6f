"""AlertTopic: the encrypted, TLS-only SNS topic every alarm notifies, with PagerDuty subscribed when configured."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct


class AlertTopic(Construct):
    """``topic`` (KMS-encrypted with ``key``; publishing only over TLS) and, with an endpoint, its PagerDuty
    HTTPS subscription."""

    def __init__(self, scope: Construct, id_: str, *, name_prefix: str, pagerduty_endpoint: str | None) -> None:
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
        if pagerduty_endpoint is not None:
            self.topic.add_subscription(
                subscriptions.UrlSubscription(pagerduty_endpoint, protocol=sns.SubscriptionProtocol.HTTPS)
            )
