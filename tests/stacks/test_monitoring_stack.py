"""MonitoringStack template: encrypted TLS-only alarm topic, PagerDuty when configured, alarms wired to the topic."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Match, Template

from stacks.alarm_thresholds import DEFAULT_THRESHOLDS, THRESHOLDS
from stacks.config import StageConfig
from stacks.metric_names import (
    BULI2_RETRY_COUNT,
    CIRCUIT_BREAKER_STATE,
    DEAD_LETTERS,
    DOCUMENT_DECISION_TIME_MS,
    DOCUMENTS_DECIDED,
    GPU_FALLBACKS,
    GPU_PROCESSING_TIME_MS,
    GPU_START_FAILURES,
    HTTP_REQUEST_DURATION_MS,
    OCR_FAILURES,
    QUEUE_LENGTH,
    RECONCILER_RECOVERIES,
)
from stacks.monitoring.alert_topic import AlertTopic
from stacks.monitoring.dashboards import dashboard_files, query_files
from tests.stacks.conftest import CDK_CONTEXT, VARIANT, Synthesized
from tests.stacks.helpers import alarm_metrics, named_metrics

ALARMS = {
    "gpu-queue-backlog",
    "cpu-queue-backlog",
    "buli2-queue-backlog",
    "dead-letters",
    "reconciler-recoveries",
    "gpu-processing-time",
    "decision-time",
    "ocr-failure-rate",
    "gpu-fallbacks",
    "gpu-start-failures",
    "decisions-stalled",
    "buli2-retries",
    "circuit-breaker-open",
    "http-latency",
    "http-5xx-rate",
    "api-tasks-low",
    "gpu-workers-missing",
    "cpu-workers-missing",
    "scheduler-errors",
    "queue-metrics-stopped",
    "api-targets-unhealthy",
    "dependency-down",
    "webhook-dead-letters",
    "deployment-failed",
    "lambda-throttled",
}


@pytest.fixture(scope="module")
def template(production: Synthesized) -> Template:
    return production.template(production.stage.monitoring)


def _alarms(template: Template) -> dict[str, dict[str, Any]]:
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


def test_pagerduty_is_subscribed_from_its_secret_never_from_the_template(
    template: Template, variant: Synthesized
) -> None:
    # cdk.json turns PagerDuty on for production; the URL (whose path is the integration key) stays in the secret.
    for synthesized, stage in ((template, "production"), (variant.template(variant.stage.monitoring), "staging")):
        synthesized.resource_count_is("AWS::SNS::Subscription", 1)
        synthesized.has_resource_properties(
            "AWS::SNS::Subscription",
            {
                "Protocol": "https",
                "Endpoint": f"{{{{resolve:secretsmanager:filot-{stage}/pagerduty:SecretString:url::}}}}",
            },
        )
        assert "pagerduty.com" not in json.dumps(synthesized.to_json())


def test_no_subscription_without_pagerduty() -> None:
    stack = Stack(App(), "Alerts")
    AlertTopic(stack, "Alerts", name_prefix="filot-sandbox", pagerduty_secret=None, pagerduty_field="url")
    Template.from_stack(stack).resource_count_is("AWS::SNS::Subscription", 0)


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
        ("dead-letters", DEAD_LETTERS, []),
        ("decision-time", DOCUMENT_DECISION_TIME_MS, []),
        ("ocr-failure-rate", OCR_FAILURES, []),
        ("ocr-failure-rate", DOCUMENTS_DECIDED, [{"Name": "Decision", "Value": "needs_review"}]),
        ("decisions-stalled", DOCUMENTS_DECIDED, [{"Name": "Decision", "Value": "approved"}]),
        ("decisions-stalled", QUEUE_LENGTH, [{"Name": "Queue", "Value": "CPU"}]),
    ],
)
def test_alarms_watch_the_services_metrics(
    template: Template, alarm: str, metric: str, dimensions: list[object]
) -> None:
    metrics = named_metrics(_alarms(template)[alarm])
    assert any(m["MetricName"] == metric and m["Dimensions"] == dimensions for m in metrics)


def test_buli2_alarms_cover_every_namespace_that_publishes_them(template: Template) -> None:
    alarms = _alarms(template)
    for name in ("buli2-retries", "circuit-breaker-open"):
        assert {m["Namespace"] for m in named_metrics(alarms[name])} == {"FiLot/Backend", "FiLot/GpuWorker"}


def test_circuit_breaker_alarm_fires_when_open_and_keeps_its_state_between_transitions(template: Template) -> None:
    alarm = _alarms(template)["circuit-breaker-open"]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (2, "GreaterThanOrEqualToThreshold")
    # The state is emitted on each transition only: a quiet minute must not turn an open breaker OK.
    assert alarm["TreatMissingData"] == "ignore"
    (expression,) = [m["Expression"] for m in alarm["Metrics"] if "Expression" in m]
    assert "FILL" not in expression


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
    assert names == {
        f"filot-production/{name}"
        for name in ("document-story", "slowest-documents", "errors-by-type", "buli2-failures")
    }
    for query in queries.values():
        assert query["Properties"]["LogGroupNames"]
        assert not query["Properties"]["QueryString"].startswith("#")


def test_open_dimensions_are_alarmed_through_metrics_insights(template: Template) -> None:
    alarms = _alarms(template)
    for name, metric, namespace, dimension in (
        ("gpu-fallbacks", GPU_FALLBACKS, "FiLot/GpuWorker", "Reason"),
        ("gpu-start-failures", GPU_START_FAILURES, "FiLot/GpuWorker", "Reason"),
        ("reconciler-recoveries", RECONCILER_RECOVERIES, "FiLot/Scheduler", "Kind"),
    ):
        (query,) = alarms[name]["Metrics"]
        assert query["Expression"] == f'SELECT SUM("{metric}") FROM SCHEMA("{namespace}", {dimension})', name
        assert query["ReturnData"] is True and query["Period"] in (300, 900)


def test_ocr_failure_rate_counts_both_paths_and_every_decision(template: Template) -> None:
    alarm = _alarms(template)["ocr-failure-rate"]
    read = {(m.namespace, m.name, m.dimensions) for m in alarm_metrics(alarm)}
    decided = {
        (ns, DOCUMENTS_DECIDED, (("Decision", d),))
        for ns in ("FiLot/Backend", "FiLot/GpuWorker")
        for d in ("approved", "rejected", "needs_review")
    }
    failures = {(ns, OCR_FAILURES, ()) for ns in ("FiLot/Backend", "FiLot/GpuWorker")}
    assert read == decided | failures
    assert len(alarm["Metrics"]) <= 10  # CloudWatch's limit on the metrics of one metric-math alarm


def test_thresholds_come_from_the_stage_config(template: Template, variant: Synthesized) -> None:
    production = _alarms(template)
    configured = StageConfig.from_context(CDK_CONTEXT).alarm_thresholds
    for name in THRESHOLDS:
        assert production[name]["Threshold"] == configured[name], name
    assert configured == DEFAULT_THRESHOLDS  # cdk.json lists the defaults
    # The variant stage overrides two (tests/stacks/conftest.py VARIANT.alarms).
    staged = {
        alarm["Properties"]["AlarmName"].removeprefix("filot-staging-"): alarm["Properties"]
        for alarm in variant.template(variant.stage.monitoring).find_resources("AWS::CloudWatch::Alarm").values()
    }
    for name, threshold in VARIANT.alarms.items():
        assert staged[name]["Threshold"] == threshold != DEFAULT_THRESHOLDS[name]
        assert f"{threshold:g}" in staged[name]["AlarmDescription"]  # the runbook quotes the stage's value
    assert staged["gpu-queue-backlog"]["Threshold"] == DEFAULT_THRESHOLDS["gpu-queue-backlog"]


def test_every_description_is_a_runbook_that_points_at_real_widgets_and_queries(template: Template) -> None:
    titles = {
        widget["properties"]["title"]
        for body in dashboard_files().values()
        for widget in json.loads(body)["widgets"]
        if "title" in widget["properties"]
    }
    queries = {f"filot-production/{spec.name}" for spec in query_files()}
    for name, alarm in _alarms(template).items():
        description = alarm["AlarmDescription"]
        assert len(description) <= 1024, f"{name}: CloudWatch keeps at most 1024 characters"
        what, check, fix = description.split("\n")
        assert what and check.startswith("Check: ") and fix.startswith("Fix: "), name
        assert len(check) > 40 and len(fix) > 40, name
        widgets = set(re.findall(r"\[([^\]]+)\]", check))
        assert widgets <= titles, f"{name} names widgets the dashboard lacks: {widgets - titles}"
        for query in re.findall(r"query (\S+?)[.,;)]?(?:\s|$)", description):
            assert query in queries, f"{name} names the query {query}, not one of {queries}"
        assert widgets or "query filot-production/" in description, f"{name}: point at a widget or a query"


def test_dead_letters_alarm_names_the_command_that_lists_them(template: Template) -> None:
    alarm = _alarms(template)["dead-letters"]
    assert "python -m services deadletters list" in alarm["AlarmDescription"]
    assert "python -m services deadletters redrive" in alarm["AlarmDescription"]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


def test_the_queue_metrics_have_a_heartbeat_that_pages_when_they_stop(template: Template) -> None:
    """Every other queue alarm reads missing data as fine; this one counts the published GPU lengths and reads
    missing data as a breach, so a scheduler that stops publishing pages instead of silencing the queue alarms."""
    alarm = _alarms(template)["queue-metrics-stopped"]
    (stat,) = [m["MetricStat"] for m in alarm["Metrics"] if "MetricStat" in m]
    assert (stat["Metric"]["MetricName"], stat["Stat"], stat["Period"]) == ("filot.queue_length", "SampleCount", 300)
    assert {d["Name"]: d["Value"] for d in stat["Metric"]["Dimensions"]} == {"Queue": "GPU"}
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "LessThanThreshold")
    assert (alarm["EvaluationPeriods"], alarm["TreatMissingData"]) == (2, "breaching")
