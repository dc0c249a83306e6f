"""The CPU fallback OCR worker: its own Fargate service on the backend image, scaled on the CPU queue."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from stacks.metric_names import NAMESPACE_SCHEDULER, QUEUE_LENGTH
from tests.stacks.conftest import Synthesized
from tests.stacks.helpers import container, expression, named_metrics, scaling_alarms, task_of

CPU_QUEUE = {
    "Namespace": NAMESPACE_SCHEDULER,
    "MetricName": QUEUE_LENGTH,
    "Dimensions": [{"Name": "Queue", "Value": "CPU"}],
}


@pytest.fixture(scope="module")
def template(production: Synthesized) -> Template:
    return production.template(production.stage.compute)


def test_runs_worker_cpu_from_the_backend_image_on_one_vcpu(template: Template) -> None:
    worker = container(template, "worker-cpu")
    assert worker["Command"] == ["worker-cpu"]
    assert "backend" in worker["Image"]["Fn::Join"][1][-2]["Fn::ImportValue"]
    task = task_of(template, "worker-cpu")
    assert (task["Cpu"], task["Memory"], task["RequiresCompatibilities"]) == ("1024", "2048", ["FARGATE"])


def test_service_starts_at_zero(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ECS::Service",
        {"LaunchType": "FARGATE", "DesiredCount": 0, "LoadBalancers": Match.absent()},
    )


def test_scales_out_on_the_cpu_queue_and_in_when_it_stays_empty(template: Template, production: Synthesized) -> None:
    alarms = [alarm for alarm in scaling_alarms(template) if CPU_QUEUE in named_metrics(alarm)]
    backlog = [alarm for alarm in alarms if (expression(alarm) or "").startswith("CEIL(")]
    idle = [alarm for alarm in alarms if alarm not in backlog]
    assert len(backlog) == 1 and len(idle) == 1
    per_worker = production.stage.config.backlog.cpu_per_worker
    assert expression(backlog[0]) == f"CEIL(queue / {per_worker}) - FILL(tasks, 0)"
    assert backlog[0]["EvaluationPeriods"] == 2
    assert idle[0]["EvaluationPeriods"] == 15
    assert expression(idle[0]) == "IF(queue == 0, 1, 0)"
