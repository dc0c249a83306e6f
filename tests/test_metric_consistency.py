"""The metric contract, both ways: every metric the dashboards chart and the alarms watch is one the services emit
(services/platform/metrics.py METRICS: same namespace, same dimension set), and every metric the services emit is charted or
alarmed in each namespace that emits it. stacks/metric_names.py, the stacks' copy of the list, agrees with it entry by
entry. (Tests may import both sides; stacks and services never import each other.)"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest

# First: sets the jsii/CDK environment before aws_cdk is imported, and shares the session's synthesized stage.
from tests.stacks.conftest import Synthesized, production_stage  # isort: skip

import services.platform.metrics as service_metrics
from stacks import metric_names as stack_metrics
from stacks.monitoring.dashboards import dashboard_files
from tests.stacks.helpers import NamedMetric, alarm_metrics, dashboard_bodies, dashboard_metrics

OURS = "FiLot/"
Found = list[tuple[str, NamedMetric]]  # (where, metric)


@pytest.fixture(scope="module")
def emitted() -> Mapping[str, Any]:
    """services.platform.metrics.METRICS: {name: MetricDef(name, unit, dimensions, namespaces)}."""
    registry = getattr(service_metrics, "METRICS", None)
    if not isinstance(registry, Mapping) or not registry:
        pytest.fail("services/platform/metrics.py has no METRICS: {name: MetricDef}, the list of what the services emit")
    return registry


@pytest.fixture(scope="module")
def stage() -> Synthesized:
    return production_stage()


@pytest.fixture(scope="module")
def charted(stage: Synthesized) -> Found:
    bodies = dashboard_bodies(stage.template(stage.stage.monitoring))
    assert len(bodies) == len(dashboard_files())
    return [
        (f"dashboard {name} [{title}]", metric)
        for name, body in bodies.items()
        for title, metric in dashboard_metrics(body)
        if metric.namespace.startswith(OURS)
    ]


@pytest.fixture(scope="module")
def alarmed(stage: Synthesized) -> Found:
    # The monitoring stack's alarms, and the scaling alarms of the compute stack (they watch our metrics too).
    return [
        (f"alarm {alarm['Properties'].get('AlarmName', alarm_id)}", metric)
        for stack in stage.stage.stacks
        for alarm_id, alarm in stage.template(stack).find_resources("AWS::CloudWatch::Alarm").items()
        for metric in alarm_metrics(alarm["Properties"])
        if metric.namespace.startswith(OURS)
    ]


def unknown_metrics(found: Iterable[tuple[str, NamedMetric]], emitted: Mapping[str, Any]) -> list[str]:
    """What ``found`` reads that the services do not emit: a name, a namespace or a dimension set they lack."""
    problems = []
    for where, metric in found:
        definition = emitted.get(metric.name)
        if definition is None:
            problems.append(f"{where}: {metric.name} is not in services.platform.metrics.METRICS")
        elif metric.namespace not in definition.namespaces:
            problems.append(f"{where}: {metric.name} is emitted in {definition.namespaces}, not {metric.namespace}")
        elif sorted(metric.dimension_names) != sorted(definition.dimensions):
            problems.append(
                f"{where}: {metric.name} is emitted with dimensions {list(definition.dimensions)}, "
                f"read with {list(metric.dimension_names)}"
            )
    return problems


def unwatched_metrics(emitted: Mapping[str, Any], found: Iterable[tuple[str, NamedMetric]]) -> list[str]:
    """Each (namespace, metric) the services emit that no dashboard widget or alarm reads."""
    read = {(m.namespace, m.name, tuple(sorted(m.dimension_names))) for _, m in found}
    return [
        f"{name} in {namespace} is emitted but neither charted nor alarmed"
        for name, definition in emitted.items()
        for namespace in definition.namespaces
        if (namespace, name, tuple(sorted(definition.dimensions))) not in read
    ]


def test_every_metric_the_dashboards_chart_is_emitted(charted: Found, emitted: Mapping[str, Any]) -> None:
    assert len(charted) > 30
    assert unknown_metrics(charted, emitted) == []


def test_every_metric_the_alarms_watch_is_emitted(alarmed: Found, emitted: Mapping[str, Any]) -> None:
    assert len(alarmed) > 30
    assert unknown_metrics(alarmed, emitted) == []


def test_every_emitted_metric_is_charted_or_alarmed(charted: Found, alarmed: Found, emitted: Mapping[str, Any]) -> None:
    assert unwatched_metrics(emitted, [*charted, *alarmed]) == []


def test_every_emitted_metric_is_on_the_dashboard(charted: Found, emitted: Mapping[str, Any]) -> None:
    # Stricter than the contract: an operator sees each one, alarmed or not.
    assert unwatched_metrics(emitted, charted) == []


def test_stacks_and_services_list_the_same_metrics(emitted: Mapping[str, Any]) -> None:
    assert set(stack_metrics.METRICS) == set(emitted)
    for name, spec in stack_metrics.METRICS.items():
        definition = emitted[name]
        assert definition.name == spec.name == name
        assert definition.unit == spec.unit, name
        assert tuple(definition.dimensions) == spec.dimensions, name
        assert set(definition.namespaces) == set(spec.namespaces), name


def test_closed_dimension_values_agree() -> None:
    # The values the stacks spell out (alarms on each Queue and Decision) are those the services emit.
    values = {
        stack_metrics.QUEUE_LENGTH: {"Queue": service_metrics.QUEUES},
        stack_metrics.DOCUMENTS_DECIDED: {"Decision": service_metrics.DECISIONS},
        stack_metrics.REVIEWS_DECIDED: {"Decision": service_metrics.REVIEW_DECISIONS},
        stack_metrics.DEPENDENCY_UP: {"Dependency": service_metrics.DEPENDENCIES},
    }
    assert {name: dict(spec.values) for name, spec in stack_metrics.METRICS.items() if spec.values} == values


def test_the_checks_catch_a_metric_nobody_emits_or_watches(emitted: Mapping[str, Any]) -> None:
    wrong = [
        ("x", NamedMetric("FiLot/Backend", "filot.queue_lenght", ())),
        ("y", NamedMetric("FiLot/Backend", "filot.queue_length", (("Queue", "GPU"),))),
        ("z", NamedMetric("FiLot/Scheduler", "filot.queue_length", ())),
    ]
    assert [problem.split(":")[0] for problem in unknown_metrics(wrong, emitted)] == ["x", "y", "z"]
    assert len(unwatched_metrics(emitted, [])) == sum(len(d.namespaces) for d in emitted.values())
