"""Lambda functions run from the backend image in ECR: its Python, with the Lambda runtime client as entry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.foundation.secret_store import SecretReader
from stacks.service_settings import LAMBDA_SECRETS_VARIABLE

# awslambdaric is installed in the backend image; the handler is a dotted path under /app.
ENTRYPOINT = ["python", "-m", "awslambdaric"]
WORKING_DIRECTORY = "/app"


@dataclass(frozen=True)
class FunctionSource:
    """What every Lambda of the stage shares: the backend image (repository and tag), the VPC, the stage's secrets
    and the key that encrypts the functions' environments."""

    repository: ecr.IRepository
    image_tag: str
    vpc: ec2.IVpc
    secrets: SecretReader
    environment_key: kms.IKey


def image_function(
    scope: Construct,
    id_: str,
    *,
    source: FunctionSource,
    handler: str,
    description: str,
    log_group: logs.ILogGroup,
    environment: Mapping[str, str],
    secret_settings: Sequence[str],
    timeout: Duration,
    memory_size: int,
) -> lambda_.DockerImageFunction:
    """A container-image Lambda in the private subnets. A Lambda cannot take ECS secrets, so it gets the ARNs and
    fields of the secrets that hold ``secret_settings`` (``FILOT_SECRETS``), read access to those secrets, and
    resolves them at cold start."""
    function = lambda_.DockerImageFunction(
        scope,
        id_,
        code=lambda_.DockerImageCode.from_ecr(
            source.repository,
            tag_or_digest=source.image_tag,
            entrypoint=ENTRYPOINT,
            cmd=[handler],
            working_directory=WORKING_DIRECTORY,
        ),
        description=description,
        architecture=lambda_.Architecture.X86_64,
        vpc=source.vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        timeout=timeout,
        memory_size=memory_size,
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.TEXT,
        # The environment names every secret the function reads: encrypted with the stage's key, not AWS's.
        environment_encryption=source.environment_key,
        environment={
            **environment,
            LAMBDA_SECRETS_VARIABLE: Stack.of(scope).to_json_string(source.secrets.references(secret_settings)),
        },
    )
    for secret in source.secrets.for_settings(secret_settings):
        secret.grant_read(function)
    return function
