"""dashboards/ and the alarms name only the metrics of DESIGN.md (stacks/metrics.py), in the right namespaces."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from stacks.dashboards import DASHBOARDS_DIR, dashboard_files, query_files, render
from stacks.metrics import METRIC_NAMES, METRICS, NAMESPACES, QUEUE_DIMENSION, QUEUES, metric
from stacks.observability import SERVICE_LOGS
from tests.stacks.conftest import Synthesized
from tests.stacks.helpers import named_metrics

NAMESPACE_PLACEHOLDERS = {
    "${SchedulerNamespace}": "FiLot/Scheduler",
    "${BackendNamespace}": "FiLot/Backend",
    "${GpuWorkerNamespace}": "FiLot/GpuWorker",
}
AWS_NAMESPACES = re.compile(r"^(AWS/[A-Za-z0-9]+|ECS/ContainerInsights)$")


def _metric_rows(body: dict[str, Any]) -> list[list[Any]]:
    return [row for widget in body["widgets"] for row in widget.get("properties", {}).get("metrics", [])]


def _check(namespace: str, name: str, dimensions: dict[str, str], where: str) -> None:
    if namespace.startswith("FiLot/"):
        assert namespace in NAMESPACES, f"{where}: unknown namespace {namespace}"
        assert name in METRIC_NAMES, f"{where}: {name} is not a metric of DESIGN.md"
        spec = METRICS[name]
        assert namespace in spec.namespaces, f"{where}: {name} is not published in {namespace}"
        assert sorted(dimensions) == sorted(spec.dimensions), f"{where}: {name} has dimensions {spec.dimensions}"
        if QUEUE_DIMENSION in dimensions:
            assert dimensions[QUEUE_DIMENSION] in QUEUES
    else:
        assert AWS_NAMESPACES.match(namespace), f"{where}: {namespace} is neither ours nor AWS's"


@pytest.mark.parametrize("name", sorted(dashboard_files()))
def test_dashboards_name_only_the_metrics_of_design_md(name: str) -> None:
    body = json.loads(dashboard_files()[name])
    rows = _metric_rows(body)
    assert rows, f"{name}.json has no metric rows"
    for row in rows:
        labels = [part for part in row if not isinstance(part, dict)]
        assert "." not in labels[:2], f"{name}.json: spell rows out in full (no '.' shorthand)"
        namespace = NAMESPACE_PLACEHOLDERS.get(labels[0], labels[0])
        dimensions = dict(zip(labels[2::2], labels[3::2], strict=True))
        _check(namespace, labels[1], dimensions, f"{name}.json")


def test_every_metric_of_design_md_is_on_a_dashboard() -> None:
    shown = {row[1] for body in dashboard_files().values() for row in _metric_rows(json.loads(body))}
    assert shown >= METRIC_NAMES


@pytest.mark.parametrize("variant_name", ["production", "variant"])
def test_alarms_name_only_the_metrics_of_design_md(variant_name: str, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(variant_name)
    checked = 0
    for stack in synthesized.stage.stacks:
        template = synthesized.template(stack)
        for alarm_id, alarm in template.find_resources("AWS::CloudWatch::Alarm").items():
            for found in named_metrics(alarm["Properties"]):
                dimensions = {d["Name"]: d["Value"] for d in found["Dimensions"]}
                _check(found["Namespace"], found["MetricName"], dimensions, f"{stack.stack_name}/{alarm_id}")
                checked += 1
    assert checked > 20


def test_the_metric_helper_refuses_names_outside_the_list() -> None:
    with pytest.raises(ValueError, match="not one of the metrics of DESIGN.md"):
        metric("filot.queue_lenght", statistic="Maximum")
    with pytest.raises(ValueError, match="published in FiLot/Scheduler, not FiLot/Backend"):
        metric("filot.queue_length", statistic="Maximum", namespace="FiLot/Backend", dimensions={"Queue": "GPU"})
    with pytest.raises(ValueError, match=r"has the dimensions \['Queue'\]"):
        metric("filot.queue_length", statistic="Maximum")


def test_placeholders_are_all_known_and_unknown_ones_fail() -> None:
    values = dict.fromkeys(
        [
            "Stage",
            "Region",
            "SchedulerNamespace",
            "BackendNamespace",
            "GpuWorkerNamespace",
            "ClusterName",
            "ApiService",
            "GpuWorkerService",
            "CpuWorkerService",
            "LoadBalancer",
            "LogGroupPrefix",
        ],
        "x",
    )
    for name, body in dashboard_files().items():
        json.loads(render(body, values, source=name))
    with pytest.raises(ValueError, match=r"dashboards/x.json: unknown placeholder\(s\) Nope"):
        render('{"a": "${Nope}"}', values, source="dashboards/x.json")


def test_queries_read_existing_log_groups(tmp_path: Path) -> None:
    specs = query_files()
    assert {spec.name for spec in specs} >= {"errors-by-document", "document-trail", "slow-ocr", "buli2-escalations"}
    for spec in specs:
        assert set(spec.workloads) <= set(SERVICE_LOGS), spec.name
        assert spec.query.startswith("fields"), spec.name
    (tmp_path / "bad.query").write_text("fields @timestamp\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.query: needs one '# log-groups:"):
        query_files(tmp_path)


def test_dashboards_folder_holds_only_what_the_loader_reads() -> None:
    names = {path.name for path in DASHBOARDS_DIR.iterdir()}
    assert names <= {"README.md", "queries", *(f"{name}.json" for name in dashboard_files())}
