"""Small readers over synthesized templates shared by the CDK tests."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template


def container(template: Template, name: str) -> dict[str, Any]:
    """The one container definition called ``name`` among the template's task definitions."""
    found = [
        definition
        for task in template.find_resources("AWS::ECS::TaskDefinition").values()
        for definition in task["Properties"]["ContainerDefinitions"]
        if definition["Name"] == name
    ]
    assert len(found) == 1, f"{len(found)} containers named {name}"
    return found[0]


def task_of(template: Template, container_name: str) -> dict[str, Any]:
    """The task definition's properties that hold the container ``container_name``."""
    found = [
        task["Properties"]
        for task in template.find_resources("AWS::ECS::TaskDefinition").values()
        if any(definition["Name"] == container_name for definition in task["Properties"]["ContainerDefinitions"])
    ]
    assert len(found) == 1
    return found[0]


def environment(definition: dict[str, Any]) -> dict[str, Any]:
    return {entry["Name"]: entry["Value"] for entry in definition.get("Environment", [])}


def secret_names(definition: dict[str, Any]) -> set[str]:
    return {entry["Name"] for entry in definition.get("Secrets", [])}


def scaling_alarms(template: Template) -> list[dict[str, Any]]:
    """Alarms whose action is an Application Auto Scaling policy (step scaling)."""
    policies = template.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy")
    return [
        alarm["Properties"]
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
        if any(action.get("Ref") in policies for action in alarm["Properties"].get("AlarmActions", []))
    ]


def named_metrics(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """Every metric an alarm reads, single-metric or metric-math alike: {Namespace, MetricName, Dimensions}."""
    if "MetricName" in alarm:
        return [
            {
                "Namespace": alarm["Namespace"],
                "MetricName": alarm["MetricName"],
                "Dimensions": alarm.get("Dimensions", []),
            }
        ]
    return [
        {
            "Namespace": query["MetricStat"]["Metric"]["Namespace"],
            "MetricName": query["MetricStat"]["Metric"]["MetricName"],
            "Dimensions": query["MetricStat"]["Metric"].get("Dimensions", []),
        }
        for query in alarm.get("Metrics", [])
        if "MetricStat" in query
    ]
