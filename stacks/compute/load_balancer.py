"""PublicLoadBalancer: the internet-facing Application Load Balancer in front of the API, with access logs."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

ACCESS_LOG_DAYS = 90


class PublicLoadBalancer(Construct):
    """HTTPS on 443 (HTTP redirected) when a certificate is given, plain HTTP on 80 otherwise.

    Exposes ``load_balancer``, ``listener`` (where the API's targets go), ``access_logs`` (the bucket) and
    ``url``, the address clients and BULI2 call back on.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        vpc: ec2.IVpc,
        domain_name: str | None,
        certificate_arn: str | None,
    ) -> None:
        super().__init__(scope, id_)
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            # ALB access logs accept only S3-managed encryption.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=False,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(ACCESS_LOG_DAYS))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "Alb",
            vpc=vpc,
            internet_facing=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            drop_invalid_header_fields=True,
            # Uploads of 10 MiB over slow mobile links.
            idle_timeout=Duration.seconds(120),
        )
        self.load_balancer.log_access_logs(self.access_logs, prefix="alb")

        if certificate_arn is not None:
            self.listener = self.load_balancer.add_listener(
                "Https",
                port=443,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                certificates=[elbv2.ListenerCertificate.from_arn(certificate_arn)],
                ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
                open=True,
            )
            self.load_balancer.add_redirect(source_port=80, target_port=443)
        else:
            self.listener = self.load_balancer.add_listener(
                "Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, open=True
            )
        scheme = "https" if certificate_arn is not None else "http"
        self.url = f"{scheme}://{domain_name or self.load_balancer.load_balancer_dns_name}"
