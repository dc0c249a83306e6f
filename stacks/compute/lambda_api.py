"""LambdaApi: the optional API-on-Lambda variant, services.processes.lambda_handlers.api (Mangum) behind an HTTP API."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import jsii
from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_logs as logs
from constructs import Construct

from stacks.compute.lambda_image import FunctionSource, image_function

HANDLER = "services.processes.lambda_handlers.api"
# HTTP APIs give up on an integration after 30 s.
TIMEOUT = Duration.seconds(29)
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "sourceIp": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "method": "$context.httpMethod",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationLatency": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
    }
)
THROTTLE_RATE_PER_S = 100
THROTTLE_BURST = 200


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogs:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._log_group = log_group

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return apigwv2.LogGroupLogDestination(self._log_group)

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT)


class LambdaApi(Construct):
    """``function`` and ``http_api`` (default stage, access-logged, throttled); ``url`` is its endpoint."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        name_prefix: str,
        source: FunctionSource,
        function_log_group: logs.ILogGroup,
        access_log_group: logs.ILogGroup,
        environment: Mapping[str, str],
        secret_settings: Sequence[str],
    ) -> None:
        super().__init__(scope, id_)
        self.function = image_function(
            self,
            "Function",
            source=source,
            handler=HANDLER,
            description="FiLot: the backend API through Mangum",
            log_group=function_log_group,
            environment=environment,
            secret_settings=secret_settings,
            timeout=TIMEOUT,
            memory_size=2048,
        )
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=f"{name_prefix}-api",
            description="FiLot API on Lambda (the application checks JWTs and service keys itself)",
            default_integration=integrations.HttpLambdaIntegration("Api", self.function),
            create_default_stage=False,
        )
        self.stage = apigwv2.HttpStage(
            self,
            "Stage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            access_log_settings=_AccessLogs(access_log_group),
            throttle=apigwv2.ThrottleSettings(rate_limit=THROTTLE_RATE_PER_S, burst_limit=THROTTLE_BURST),
        )
        self.url = self.stage.url
