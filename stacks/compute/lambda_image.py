"""Lambda functions run from the backend image in ECR: its Python, with the Lambda runtime client as entry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from stacks.service_settings import LAMBDA_SECRETS_VARIABLE

# awslambdaric is installed in the backend image; the handler is a dotted path under /app.
ENTRYPOINT = ["python", "-m", "awslambdaric"]
WORKING_DIRECTORY = "/app"


def image_function(
    scope: Construct,
    id_: str,
    *,
    repository: ecr.IRepository,
    image_tag: str,
    handler: str,
    description: str,
    vpc: ec2.IVpc,
    log_group: logs.ILogGroup,
    environment: Mapping[str, str],
    secret_references: Mapping[str, Mapping[str, str]],
    secrets: Sequence[secretsmanager.ISecret],
    environment_key: kms.IKey,
    timeout: Duration,
    memory_size: int,
) -> lambda_.DockerImageFunction:
    """A container-image Lambda in the private subnets. A Lambda cannot take ECS secrets, so it gets the secrets'
    ARNs and fields (``FILOT_SECRETS``), read access to them, and resolves them at cold start."""
    function = lambda_.DockerImageFunction(
        scope,
        id_,
        code=lambda_.DockerImageCode.from_ecr(
            repository,
            tag_or_digest=image_tag,
            entrypoint=ENTRYPOINT,
            cmd=[handler],
            working_directory=WORKING_DIRECTORY,
        ),
        description=description,
        architecture=lambda_.Architecture.X86_64,
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        timeout=timeout,
        memory_size=memory_size,
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.TEXT,
        # The environment names every secret the function reads: encrypted with the stage's key, not AWS's.
        environment_encryption=environment_key,
        environment={
            **environment,
            LAMBDA_SECRETS_VARIABLE: Stack.of(scope).to_json_string(dict(secret_references)),
        },
    )
    for secret in secrets:
        secret.grant_read(function)
    return function
