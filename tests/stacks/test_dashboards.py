"""dashboards/ and the alarms name only the metrics of stacks/metric_names.py, in the right namespaces, and the
dashboard body is one CloudWatch accepts (a JSON Schema written from AWS's "Dashboard Body Structure and Syntax")."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

from stacks.log_groups import SERVICE_LOGS
from stacks.metric_names import METRIC_NAMES, METRICS, NAMESPACES, metric
from stacks.monitoring.alarms import DASHBOARD
from stacks.monitoring.dashboards import DASHBOARDS_DIR, dashboard_files, query_files, render
from tests.stacks.conftest import Synthesized
from tests.stacks.helpers import NamedMetric, alarm_metrics, dashboard_bodies, dashboard_metrics

SCHEMA = json.loads((Path(__file__).with_name("dashboard_body.schema.json")).read_text(encoding="utf-8"))
AWS_NAMESPACES = re.compile(r"^(AWS/[A-Za-z0-9]+|ECS/ContainerInsights)$")
PLACEHOLDERS = {
    "Stage": "production",
    "Region": "ap-southeast-2",
    "SchedulerNamespace": "FiLot/Scheduler",
    "BackendNamespace": "FiLot/Backend",
    "GpuWorkerNamespace": "FiLot/GpuWorker",
    "ClusterName": "filot-production",
    "ApiService": "filot-production-compute-BackendService1A2B3C4D",
    "GpuWorkerService": "filot-production-compute-GpuWorkerService5E6F7A8B",
    "CpuWorkerService": "filot-production-compute-CpuWorkerService9C0D1E2F",
    "LoadBalancer": "app/filot-production/0123456789abcdef",
    "LogGroupPrefix": "/ecs/filot-production",
}


def _rendered(name: str) -> dict[str, Any]:
    return json.loads(render(dashboard_files()[name], PLACEHOLDERS, source=f"dashboards/{name}.json"))


def _check(found: NamedMetric, where: str) -> None:
    if not found.namespace.startswith("FiLot/"):
        assert AWS_NAMESPACES.match(found.namespace), f"{where}: {found.namespace} is neither ours nor AWS's"
        return
    assert found.namespace in NAMESPACES, f"{where}: unknown namespace {found.namespace}"
    assert found.name in METRIC_NAMES, f"{where}: {found.name} is not one of stacks/metric_names.py"
    spec = METRICS[found.name]
    assert found.namespace in spec.namespaces, f"{where}: {found.name} is not published in {found.namespace}"
    assert found.dimension_names == tuple(sorted(spec.dimensions)), f"{where}: {found.name} has {spec.dimensions}"
    for dimension, value in found.dimensions:
        allowed = spec.values.get(dimension)
        assert value is None or allowed is None or value in allowed, f"{where}: {found.name} {dimension}={value}"


@pytest.mark.parametrize("name", sorted(dashboard_files()))
def test_dashboards_name_only_the_metrics_of_stacks_metrics(name: str) -> None:
    found = dashboard_metrics(_rendered(name))
    assert found, f"{name}.json has no metrics"
    for title, named in found:
        _check(named, f"{name}.json [{title}]")


def test_every_metric_of_stacks_metrics_is_on_a_dashboard_in_every_namespace() -> None:
    shown = {(m.namespace, m.name) for name in dashboard_files() for _, m in dashboard_metrics(_rendered(name))}
    expected = {(namespace, spec.name) for spec in METRICS.values() for namespace in spec.namespaces}
    assert expected - shown == set()


@pytest.mark.parametrize("variant_name", ["production", "variant"])
def test_alarms_name_only_the_metrics_of_stacks_metrics(variant_name: str, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(variant_name)
    checked = 0
    for stack in synthesized.stage.stacks:
        template = synthesized.template(stack)
        for alarm_id, alarm in template.find_resources("AWS::CloudWatch::Alarm").items():
            for found in alarm_metrics(alarm["Properties"]):
                _check(found, f"{stack.stack_name}/{alarm_id}")
                checked += 1
    assert checked > 40


def test_the_metric_helper_refuses_what_the_list_does_not_have() -> None:
    with pytest.raises(ValueError, match="not one of the services' metrics"):
        metric("filot.queue_lenght", statistic="Maximum")
    with pytest.raises(ValueError, match="published in FiLot/Scheduler, not FiLot/Backend"):
        metric("filot.queue_length", statistic="Maximum", namespace="FiLot/Backend", dimensions={"Queue": "GPU"})
    with pytest.raises(ValueError, match=r"has the dimensions \['Queue'\]"):
        metric("filot.queue_length", statistic="Maximum")
    with pytest.raises(ValueError, match="Decision is one of approved, rejected, not 'needs_review'"):
        metric("filot.reviews.decided", statistic="Sum", dimensions={"Decision": "needs_review"})


# ---- the body CloudWatch receives -------------------------------------------------------------------------------


VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def _messages(errors: Any) -> list[str]:
    # Each error with those under it: an anyOf (a metric row or an expression row) reports every branch's reasons.
    return [line for error in errors for line in (error.message, *_messages(error.context))]


def _check_body(body: dict[str, Any], where: str) -> None:
    errors = list(VALIDATOR.iter_errors(body))
    assert not errors, f"{where} is not a dashboard body CloudWatch accepts:\n" + "\n".join(_messages(errors))
    cells: dict[tuple[int, int], str] = {}
    ids: set[str] = set()
    for widget in body["widgets"]:
        title = widget["properties"].get("title", widget["type"])
        assert widget["x"] + widget["width"] <= 24, f"{where} [{title}] runs past the 24-column grid"
        for x in range(widget["x"], widget["x"] + widget["width"]):
            for y in range(widget["y"], widget["y"] + widget["height"]):
                assert (x, y) not in cells, f"{where} [{title}] overlaps [{cells[(x, y)]}]"
                cells[(x, y)] = title
        rows = widget["properties"].get("metrics", [])
        row_ids = {part["id"] for row in rows for part in row if isinstance(part, dict) and "id" in part}
        for row in rows:
            if isinstance(row[0], dict):
                # Metric math may use only the ids of its own widget.
                used = set(re.findall(r"\b([a-z][A-Za-z0-9_]*)\b", re.sub(r"'[^']*'", "", row[0]["expression"])))
                functions = {"e", "pi"}
                assert {u for u in used if u not in functions and not u.isupper()} <= row_ids, f"{where} [{title}]"
        ids |= row_ids
    dashboard_metrics(body)  # every row well-formed: pairs of dimension names and values, rendering object last


@pytest.mark.parametrize("name", sorted(dashboard_files()))
def test_dashboard_files_are_valid_dashboard_bodies(name: str) -> None:
    _check_body(_rendered(name), f"{name}.json")


@pytest.mark.parametrize("variant_name", ["production", "variant"])
def test_synthesized_dashboards_are_valid_dashboard_bodies(variant_name: str, request: pytest.FixtureRequest) -> None:
    synthesized: Synthesized = request.getfixturevalue(variant_name)
    bodies = dashboard_bodies(synthesized.template(synthesized.stage.monitoring))
    assert set(bodies) == {f"{synthesized.stage.config.name_prefix}-{name}" for name in dashboard_files()}
    for name, body in bodies.items():
        _check_body(body, name)
        assert "${" not in json.dumps(body)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda body: body["widgets"][1].update(x=20), "runs past the 24-column grid"),
        (lambda body: body["widgets"][1].update(y=0), "overlaps"),
        (lambda body: body["widgets"][1].update(type="graph"), "'graph' is not one of"),
        (lambda body: body["widgets"][1]["properties"].update(stat="Median"), "'Median' does not match"),
        (lambda body: body["widgets"][1]["properties"].update(period=90), "90 is not a multiple of 60"),
        (lambda body: body["widgets"][1]["properties"].pop("region"), "'region' is a required property"),
        (lambda body: body["widgets"][1]["properties"]["metrics"][0].insert(2, "Queue"), "come in pairs"),
        (lambda body: body["widgets"][1]["properties"]["metrics"][0][-1].update(yaxis="right"), "yaxis"),
        (lambda body: body["widgets"][-1]["properties"].update(query="fields @timestamp"), "does not match"),
        (lambda body: body["widgets"][0]["properties"].pop("markdown"), "'markdown' is a required property"),
    ],
)
def test_the_body_check_catches_what_cloudwatch_refuses(change: Any, message: str) -> None:
    body = _rendered(DASHBOARD)
    assert body["widgets"][1]["properties"]["title"] == "Queue lengths"
    change(body)
    with pytest.raises(AssertionError, match=message):
        _check_body(body, "changed")


def test_placeholders_are_all_known_and_unknown_ones_fail() -> None:
    for name, body in dashboard_files().items():
        json.loads(render(body, PLACEHOLDERS, source=name))
    with pytest.raises(ValueError, match=r"dashboards/x.json: unknown placeholder\(s\) Nope"):
        render('{"a": "${Nope}"}', PLACEHOLDERS, source="dashboards/x.json")


# ---- Logs Insights ----------------------------------------------------------------------------------------------


def test_queries_cover_the_operators_questions_and_read_existing_log_groups(tmp_path: Path) -> None:
    specs = {spec.name: spec for spec in query_files()}
    assert set(specs) == {"document-story", "slowest-documents", "errors-by-type", "buli2-failures"}
    for spec in specs.values():
        assert set(spec.workloads) <= set(SERVICE_LOGS), spec.name
        assert spec.query.split()[0] in {"fields", "filter", "parse", "stats"}, spec.name
    # The field names services/platform/logs.py writes: one JSON object a line.
    assert 'docId = "REPLACE-WITH-ID" or correlationId = "REPLACE-WITH-ID"' in specs["document-story"].query
    assert "sort @timestamp asc" in specs["document-story"].query
    slowest = specs["slowest-documents"].query
    assert 'logger = "filot.worker"' in slowest and "/^decided /" in slowest and "sort durationMs desc" in slowest
    errors = specs["errors-by-type"].query
    assert 'level = "ERROR"' in errors and "by service, logger, errorType" in errors
    buli2 = specs["buli2-failures"].query
    assert 'logger = "filot.buli2"' in buli2 and "escalation deferred" in buli2
    (tmp_path / "bad.query").write_text("fields @timestamp\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.query: needs one '# log-groups:"):
        query_files(tmp_path)


def test_log_widgets_read_the_services_log_groups_by_their_json_fields() -> None:
    body = _rendered(DASHBOARD)
    queries = {w["properties"]["title"]: w["properties"]["query"] for w in body["widgets"] if w["type"] == "log"}
    assert set(queries) == {
        "Document story (docId or correlationId from the box above)",
        "Slowest documents",
        "Errors by type",
        "BULI2 failures",
    }
    for title, query in queries.items():
        groups = re.findall(r"SOURCE '([^']+)'", query)
        assert groups and all(g.removeprefix("/ecs/filot-production/") in SERVICE_LOGS for g in groups), title
    # The story widget follows the id typed into the dashboard's pattern variable.
    (variable,) = body["variables"]
    assert queries["Document story (docId or correlationId from the box above)"].count(variable["pattern"]) == 2


def test_dashboards_folder_holds_only_what_the_loader_reads() -> None:
    names = {path.name for path in DASHBOARDS_DIR.iterdir()}
    assert names <= {"README.md", "queries", *(f"{name}.json" for name in dashboard_files())}
