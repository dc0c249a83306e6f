"""FoundationStack: per-stage resources every later stack builds on (image registry, secrets, service logs)."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_kms as kms
from constructs import Construct

from stacks import parameters
from stacks.config import StageConfig
from stacks.foundation.registry import ImageRegistry
from stacks.foundation.secret_store import AppSecrets, stage_secret_fields
from stacks.log_groups import ServiceLogs, retention_for_days, workloads
from stacks.stage_stack import StageStack


class FoundationStack(StageStack):
    """``filot-<stage>-foundation``: ECR repositories, Secrets Manager secrets and the ``/ecs/filot-<stage>/*``
    log groups; kept apart so that redeploying or deleting compute never touches images, secrets or logs."""

    def __init__(self, scope: Construct, id_: str, *, config: StageConfig) -> None:
        super().__init__(
            scope,
            id_,
            config=config,
            component="foundation",
            description="container image registry, secrets and service logs",
        )

        # One customer-managed key for the stage's data at rest outside the logs: secrets, images, the
        # Lambdas' environments (which name the secrets they read).
        self.data_key = kms.Key(
            self,
            "DataKey",
            alias=f"alias/{config.name_prefix}/data",
            description=f"Encrypts the {config.name_prefix} secrets, container images and Lambda environments",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.registry = ImageRegistry(
            self, "Registry", name_prefix=config.name_prefix, keep_images=config.keep_images, key=self.data_key
        )
        self.secrets = AppSecrets(
            self,
            "Secrets",
            name_prefix=config.name_prefix,
            key=self.data_key,
            fields=stage_secret_fields(https=config.https, pagerduty=config.pagerduty),
        )
        self.certificate: acm.ICertificate | None = None
        if config.domain_name is not None:
            # Requested here, where the stage starts: its DNS record goes into Cloudflare by hand (the runbook),
            # and this deploy waits until ACM has seen it. An imported certificate (filot:certificateArn) skips that.
            self.certificate = (
                acm.Certificate.from_certificate_arn(self, "Certificate", config.certificate_arn)
                if config.certificate_arn is not None
                else acm.Certificate(
                    self,
                    "Certificate",
                    domain_name=config.domain_name,
                    validation=acm.CertificateValidation.from_dns(),
                )
            )
            parameters.publish(
                self,
                name_prefix=config.name_prefix,
                key=parameters.CERTIFICATE_ARN,
                value=self.certificate.certificate_arn,
                description=f"The certificate of {config.domain_name}, for the load balancer's HTTPS listener",
            )
        self.logs = ServiceLogs(
            self,
            "Logs",
            name_prefix=config.name_prefix,
            workloads=workloads(api_on_lambda=config.api_on_lambda),
            retention=retention_for_days(config.log_retention_days),
        )
