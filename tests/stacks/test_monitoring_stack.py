"""MonitoringStack template: encrypted TLS-only alarm topic, PagerDuty when configured, alarms wired to the topic."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from stacks.metrics import (
    BULI2_RETRY_COUNT,
    CIRCUIT_BREAKER_STATE,
    GPU_PROCESSING_TIME_MS,
    HTTP_REQUEST_DURATION_MS,
    QUEUE_LENGTH,
)
from tests.stacks.conftest import PAGERDUTY_URL, Synthesized
from tests.stacks.helpers import named_metrics

ALARMS = {
    "gpu-queue-backlog",
    "cpu-queue-backlog",
    "buli2-queue-backlog",
    "gpu-processing-time",
    "buli2-retries",
    "circuit-breaker-open",
    "http-latency",
    "http-5xx-rate",
    "api-tasks-low",
    "gpu-workers-missing",
    "cpu-workers-missing",
    "scheduler-errors",
}


@pytest.fixture(scope="module")
def template(production: Synthesized) -> Template:
    return production.template(production.stage.monitoring)


def _alarms(template: Template) -> dict[str, dict[str, object]]:
    return {
        alarm["Properties"]["AlarmName"].removeprefix("filot-production-"): alarm["Properties"]
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
    }


def test_stack_is_named_per_stage_in_sydney(production: Synthesized) -> None:
    assert production.stage.monitoring.stack_name == "filot-production-monitoring"
    assert production.stage.monitoring.region == "ap-southeast-2"


def test_topic_is_encrypted_with_a_key_cloudwatch_may_use(template: Template) -> None:
    (key_id,) = template.find_resources("AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}})
    template.has_resource_properties(
        "AWS::SNS::Topic", {"TopicName": "filot-production-alarms", "KmsMasterKeyId": {"Fn::GetAtt": [key_id, "Arn"]}}
    )
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            }
                        )
                    ]
                )
            }
        },
    )


def test_topic_refuses_publishing_without_tls(template: Template) -> None:
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "sns:Publish",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_pagerduty_is_subscribed_over_https_only_when_configured(template: Template, variant: Synthesized) -> None:
    template.resource_count_is("AWS::SNS::Subscription", 0)
    variant.template(variant.stage.monitoring).has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "https", "Endpoint": PAGERDUTY_URL}
    )


def test_every_alarm_exists_and_notifies_the_topic_on_alarm_and_ok(template: Template) -> None:
    alarms = _alarms(template)
    assert set(alarms) == ALARMS
    (topic_id,) = template.find_resources("AWS::SNS::Topic")
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}], name
        assert alarm["OKActions"] == [{"Ref": topic_id}], name
        assert alarm["AlarmDescription"], name


@pytest.mark.parametrize(
    ("alarm", "metric", "dimensions"),
    [
        ("gpu-queue-backlog", QUEUE_LENGTH, [{"Name": "Queue", "Value": "GPU"}]),
        ("cpu-queue-backlog", QUEUE_LENGTH, [{"Name": "Queue", "Value": "CPU"}]),
        ("buli2-queue-backlog", QUEUE_LENGTH, [{"Name": "Queue", "Value": "BULI2"}]),
        ("gpu-processing-time", GPU_PROCESSING_TIME_MS, []),
        ("buli2-retries", BULI2_RETRY_COUNT, []),
        ("circuit-breaker-open", CIRCUIT_BREAKER_STATE, []),
        ("http-latency", HTTP_REQUEST_DURATION_MS, []),
        ("gpu-workers-missing", QUEUE_LENGTH, [{"Name": "Queue", "Value": "GPU"}]),
    ],
)
def test_alarms_watch_the_seed_metrics(template: Template, alarm: str, metric: str, dimensions: list[object]) -> None:
    metrics = named_metrics(_alarms(template)[alarm])
    assert any(m["MetricName"] == metric and m["Dimensions"] == dimensions for m in metrics)


def test_buli2_alarms_cover_every_namespace_that_publishes_them(template: Template) -> None:
    alarms = _alarms(template)
    for name in ("buli2-retries", "circuit-breaker-open"):
        assert {m["Namespace"] for m in named_metrics(alarms[name])} == {"FiLot/Backend", "FiLot/GpuWorker"}


def test_circuit_breaker_alarm_fires_when_open(template: Template) -> None:
    alarm = _alarms(template)["circuit-breaker-open"]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (2, "GreaterThanOrEqualToThreshold")


def test_5xx_rate_is_a_share_of_load_balancer_requests(template: Template) -> None:
    alarm = _alarms(template)["http-5xx-rate"]
    assert {m["MetricName"] for m in named_metrics(alarm)} == {
        "HTTPCode_Target_5XX_Count",
        "HTTPCode_ELB_5XX_Count",
        "RequestCount",
    }
    assert alarm["Threshold"] == 5


def test_task_count_alarms_read_container_insights(template: Template) -> None:
    alarms = _alarms(template)
    api = alarms["api-tasks-low"]
    (metric,) = named_metrics(api)
    assert (metric["MetricName"], metric["Namespace"]) == ("RunningTaskCount", "ECS/ContainerInsights")
    assert {d["Name"] for d in metric["Dimensions"]} == {"ClusterName", "ServiceName"}
    assert (api["Threshold"], api["ComparisonOperator"], api["TreatMissingData"]) == (
        2,
        "LessThanThreshold",
        "breaching",
    )
    for name in ("gpu-workers-missing", "cpu-workers-missing"):
        assert "RunningTaskCount" in {m["MetricName"] for m in named_metrics(alarms[name])}


def test_dashboard_comes_from_dashboards_operations_json(template: Template) -> None:
    template.has_resource_properties(
        "AWS::CloudWatch::Dashboard",
        {"DashboardName": "filot-production-operations", "DashboardBody": Match.any_value()},
    )
    body = template.find_resources("AWS::CloudWatch::Dashboard")
    text = str(next(iter(body.values()))["Properties"]["DashboardBody"])
    assert "${" not in text  # every placeholder filled
    assert "FiLot/Scheduler" in text and "ap-southeast-2" in text


def test_saved_queries_come_from_dashboards_queries(template: Template) -> None:
    queries = template.find_resources("AWS::Logs::QueryDefinition")
    names = {query["Properties"]["Name"] for query in queries.values()}
    assert "filot-production/errors-by-document" in names
    for query in queries.values():
        assert query["Properties"]["LogGroupNames"]
        assert not query["Properties"]["QueryString"].startswith("#")
