"""Small readers over synthesized templates shared by the CDK tests."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
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


def lambda_function(template: Template, handler: str) -> dict[str, Any]:
    """Properties of the one Lambda function whose image runs `handler`."""
    found = [
        function["Properties"]
        for function in template.find_resources("AWS::Lambda::Function").values()
        if function["Properties"].get("ImageConfig", {}).get("Command") == [handler]
    ]
    assert len(found) == 1, f"{len(found)} functions run {handler}"
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


def expression(alarm: dict[str, Any]) -> str | None:
    """The metric-math expression an alarm evaluates, or None for a single-metric alarm."""
    return next((query["Expression"] for query in alarm.get("Metrics", []) if "Expression" in query), None)


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


# ---- metrics named by dashboards and alarms, for the consistency checks ---------------------------------------

# SEARCH('{Namespace,Dim,...} MetricName="name"', ...) and Metrics Insights SELECT FN("name") FROM SCHEMA("ns", Dim...)
_SEARCH = re.compile(r"""SEARCH\(\s*'\{(?P<schema>[^}]*)\}\s+MetricName=\\?"(?P<name>[^"\\]+)\\?\"""")
_SELECT = re.compile(r'SELECT\s+\w+\(\s*"?(?P<name>[^")]+?)"?\s*\)\s+FROM\s+SCHEMA\((?P<schema>[^)]*)\)', re.IGNORECASE)


@dataclass(frozen=True)
class NamedMetric:
    """A metric a dashboard or alarm reads: ``dimensions`` maps each name to its value, or to None where an
    expression (SEARCH, SELECT ... SCHEMA) takes every value of that dimension."""

    namespace: str
    name: str
    dimensions: tuple[tuple[str, str | None], ...]

    @property
    def dimension_names(self) -> tuple[str, ...]:
        return tuple(sorted(name for name, _ in self.dimensions))


def expression_metrics(expression: str) -> list[NamedMetric]:
    """The metrics a SEARCH or Metrics Insights expression reads (plain metric math reads none by itself)."""
    found = []
    for pattern in (_SEARCH, _SELECT):
        for match in pattern.finditer(expression):
            namespace, *dimensions = (part.strip().strip('"') for part in match["schema"].split(","))
            found.append(NamedMetric(namespace, match["name"], tuple((d, None) for d in dimensions)))
    return found


def row_metric(row: list[Any]) -> NamedMetric:
    """One spelled-out metric row of a dashboard: [namespace, name, (dimension, value)*, {rendering}?]."""
    labels = [part for part in row if not isinstance(part, dict)]
    assert all(isinstance(part, str) for part in labels), row
    assert not any(isinstance(part, dict) for part in row[:-1]), f"the rendering object comes last: {row}"
    assert "." not in labels[:2], f"spell rows out in full (no '.' shorthand): {row}"
    assert len(labels) % 2 == 0, f"dimension names and values come in pairs: {row}"
    return NamedMetric(labels[0], labels[1], tuple(zip(labels[2::2], labels[3::2], strict=True)))


def dashboard_metrics(body: dict[str, Any]) -> list[tuple[str, NamedMetric]]:
    """``(widget title, metric)`` for every metric a dashboard body's metric widgets read."""
    found = []
    for widget in body["widgets"]:
        properties = widget.get("properties", {})
        title = properties.get("title", widget["type"])
        for row in properties.get("metrics", []):
            if len(row) == 1 and isinstance(row[0], dict):
                found += [(title, metric) for metric in expression_metrics(row[0]["expression"])]
            else:
                found.append((title, row_metric(row)))
    return found


def alarm_metrics(alarm: dict[str, Any]) -> list[NamedMetric]:
    """Every metric an alarm reads: single-metric, metric math and Metrics Insights alike."""
    found = []
    for named in named_metrics(alarm):
        dimensions = tuple((d["Name"], d["Value"]) for d in named["Dimensions"])
        found.append(NamedMetric(named["Namespace"], named["MetricName"], dimensions))
    for query in alarm.get("Metrics", []):
        if "Expression" in query:
            found += expression_metrics(query["Expression"])
    return found


def dashboard_bodies(template: Template) -> dict[str, dict[str, Any]]:
    """``{DashboardName: body}`` of a synthesized stack, each deploy-time token replaced by a plain string."""
    bodies = {}
    for resource in template.find_resources("AWS::CloudWatch::Dashboard").values():
        body = resource["Properties"]["DashboardBody"]
        if isinstance(body, dict):
            separator, parts = body["Fn::Join"]
            body = separator.join(part if isinstance(part, str) else "resolved-at-deploy" for part in parts)
        bodies[resource["Properties"]["DashboardName"]] = json.loads(body)
    return bodies

from pathlib import Path

import cfnlint.api as cfnlint_api  # type: ignore[import-untyped]  # cfn-lint>=1.0,<2 (requirements-dev.txt)

# Warnings we accept, and why. A new warning fails the test until it is fixed or listed here.
KNOWN_WARNINGS = {
    # CDK writes an explicit DependsOn next to a Ref/GetAtt (load balancer listener, Lambda role, custom resource).
    "W3005",
    # The zones are named on purpose: explicit stage config keeps synthesis offline.
    "W3010",
}


def lint(directory: Path) -> list[tuple[str, str, str, str]]:
    """(template, rule, severity, message) for every finding of cfn-lint in ``directory``."""
    findings = []
    templates = sorted(directory.glob("*.template.json"))
    assert templates, f"no templates in {directory}"
    for template in templates:
        for match in cfnlint_api.lint_file(template, config=cfnlint_api.ManualArgs(regions=["ap-southeast-2"])):
            findings.append((template.name, match.rule.id, match.rule.severity, str(match.message)))
    return findings
