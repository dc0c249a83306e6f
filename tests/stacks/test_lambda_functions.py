"""The Lambda functions: the every-minute scheduler, and the API on Lambda behind an HTTP API only when configured."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from stacks.service_settings import API_SECRETS, LAMBDA_SECRETS_VARIABLE, SCHEDULER_SECRETS, SECRET_SETTINGS
from tests.stacks.conftest import Synthesized
from tests.stacks.helpers import lambda_function

ENTRYPOINT = ["python", "-m", "awslambdaric"]


@pytest.fixture(scope="module")
def template(production: Synthesized) -> Template:
    return production.template(production.stage.compute)


@pytest.fixture(scope="module")
def variant_template(variant: Synthesized) -> Template:
    return variant.template(variant.stage.compute)


def _secret_references(function: dict[str, Any]) -> dict[str, str]:
    """FILOT_SECRETS resolved as far as the template allows: {setting: field}, the ARNs checked to be imports."""
    joined = function["Environment"]["Variables"][LAMBDA_SECRETS_VARIABLE]["Fn::Join"][1]
    text = "".join(part if isinstance(part, str) else '"ARN"' for part in joined).replace('""ARN""', '"ARN"')
    assert all(isinstance(part, str) or "Secrets" in part["Fn::ImportValue"] for part in joined)
    return {name: reference["field"] for name, reference in json.loads(text).items()}


def test_scheduled_function_runs_the_backend_image_by_tag_in_the_private_subnets(template: Template) -> None:
    function = lambda_function(template, "services.processes.lambda_handlers.scheduled")
    assert function["PackageType"] == "Image"
    assert function["ImageConfig"] == {
        "Command": ["services.processes.lambda_handlers.scheduled"],
        "EntryPoint": ENTRYPOINT,
        "WorkingDirectory": "/app",
    }
    image = function["Code"]["ImageUri"]["Fn::Join"][1]
    assert image[-1] == ":0.1.0" and "backend" in image[-2]["Fn::ImportValue"]
    assert len(function["VpcConfig"]["SubnetIds"]) == 2
    assert function["Timeout"] < 60  # finishes within its minute
    assert "Logsscheduler" in function["LoggingConfig"]["LogGroup"]["Fn::ImportValue"]


def test_scheduled_function_runs_every_minute_without_retries(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "ScheduleExpression": "rate(1 minute)",
            "State": "ENABLED",
            "Targets": [
                Match.object_like({"RetryPolicy": {"MaximumEventAgeInSeconds": 60, "MaximumRetryAttempts": 0}})
            ],
        },
    )
    template.has_resource_properties(
        "AWS::Lambda::Permission", {"Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com"}
    )


def test_scheduled_function_reads_its_secrets_at_cold_start_never_from_plain_environment(template: Template) -> None:
    function = lambda_function(template, "services.processes.lambda_handlers.scheduled")
    variables = function["Environment"]["Variables"]
    assert not set(variables) & set(SECRET_SETTINGS)
    assert _secret_references(function) == {name: SECRET_SETTINGS[name].field for name in SCHEDULER_SECRETS}


def test_scheduled_function_may_read_exactly_its_secrets(template: Template) -> None:
    statements = [
        statement
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if "Scheduler" in json.dumps(policy["Properties"]["Roles"])
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    reads = [s for s in statements if "secretsmanager:GetSecretValue" in s["Action"]]
    assert reads
    resources = json.dumps([s["Resource"] for s in reads])
    # r2: the reconciler re-sends escalations, whose image links are presigned on the bucket.
    for secret in ("database", "redis", "buli2", "r2"):
        assert f"Secrets{secret}" in resources
    for secret in ("jwt", "servicekey"):
        assert f"Secrets{secret}" not in resources


def test_no_api_on_lambda_unless_configured(template: Template) -> None:
    template.resource_count_is("AWS::Lambda::Function", 1 + _custom_resource_functions(template))
    template.resource_count_is("AWS::ApiGatewayV2::Api", 0)


def _custom_resource_functions(template: Template) -> int:
    return sum(
        1
        for function in template.find_resources("AWS::Lambda::Function").values()
        if function["Properties"].get("PackageType") != "Image"
    )


def test_api_on_lambda_runs_mangum_behind_an_http_api(variant_template: Template) -> None:
    function = lambda_function(variant_template, "services.processes.lambda_handlers.api")
    assert function["ImageConfig"]["EntryPoint"] == ENTRYPOINT
    assert function["Timeout"] <= 29  # HTTP APIs stop waiting at 30 s
    assert _secret_references(function) == {name: SECRET_SETTINGS[name].field for name in API_SECRETS}
    variant_template.has_resource_properties(
        "AWS::ApiGatewayV2::Api", {"ProtocolType": "HTTP", "Name": "filot-staging-api"}
    )
    variant_template.has_resource_properties(
        "AWS::ApiGatewayV2::Integration", {"IntegrationType": "AWS_PROXY", "PayloadFormatVersion": "2.0"}
    )
    variant_template.has_resource_properties("AWS::ApiGatewayV2::Route", {"RouteKey": "$default"})


def test_http_api_stage_logs_access_and_throttles(variant_template: Template) -> None:
    variant_template.has_resource_properties(
        "AWS::ApiGatewayV2::Stage",
        {
            "StageName": "$default",
            "AutoDeploy": True,
            "AccessLogSettings": {
                "DestinationArn": {"Fn::ImportValue": Match.string_like_regexp("apigateway")},
                "Format": Match.string_like_regexp(r"\$context\.requestId"),
            },
            "DefaultRouteSettings": {"ThrottlingBurstLimit": 200, "ThrottlingRateLimit": 100},
        },
    )
