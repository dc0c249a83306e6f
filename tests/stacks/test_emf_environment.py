"""aws-embedded-metrics is told where it runs: it detects Lambda but not ECS, so each workload names its environment,
its default namespace and the log group its stdout reaches."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from tests.stacks.conftest import Synthesized
from tests.stacks.helpers import container, environment, lambda_function


@pytest.fixture(scope="module")
def template(production: Synthesized) -> Template:
    return production.template(production.stage.compute)


@pytest.fixture(scope="module")
def variant_template(variant: Synthesized) -> Template:
    return variant.template(variant.stage.compute)


def _lambda_variables(template: Template, handler: str) -> dict[str, Any]:
    return lambda_function(template, handler)["Environment"]["Variables"]


def _import_name(value: Any) -> str:
    """The export an ``Fn::ImportValue`` reads (the log group names come from the foundation stack)."""
    assert isinstance(value, dict) and "Fn::ImportValue" in value, value
    return str(value["Fn::ImportValue"])


@pytest.mark.parametrize(
    ("name", "namespace", "log_group"),
    [
        # Fargate (API, CPU worker) and EC2 (GPU worker) alike: stdout, which the awslogs driver ships.
        ("api", "FiLot/Backend", "api"),
        ("worker-cpu", "FiLot/Backend", "workercpu"),  # the CPU path runs in the backend image
        ("worker-gpu", "FiLot/GpuWorker", "workergpu"),
    ],
)
def test_ecs_tasks_write_emf_to_stdout(template: Template, name: str, namespace: str, log_group: str) -> None:
    definition = container(template, name)
    plain = environment(definition)
    assert plain["AWS_EMF_ENVIRONMENT"] == "Local"
    assert plain["AWS_EMF_NAMESPACE"] == namespace
    assert plain["AWS_EMF_SERVICE_NAME"] == f"filot-production-{name}"
    assert plain["AWS_EMF_SERVICE_TYPE"] == "AWS::ECS::Container"
    # The same log group the awslogs driver writes to (both read the foundation stack's export).
    emf_group = _import_name(plain["AWS_EMF_LOG_GROUP_NAME"])
    assert emf_group == _import_name(definition["LogConfiguration"]["Options"]["awslogs-group"])
    assert log_group in emf_group.lower()
    assert definition["LogConfiguration"]["LogDriver"] == "awslogs"


def test_lambda_functions_use_the_lambda_environment(template: Template, variant_template: Template) -> None:
    scheduler = _lambda_variables(template, "services.processes.lambda_handlers.scheduled")
    assert scheduler["AWS_EMF_ENVIRONMENT"] == "Lambda"
    assert scheduler["AWS_EMF_NAMESPACE"] == "FiLot/Scheduler"
    assert scheduler["AWS_EMF_SERVICE_NAME"] == "filot-production-scheduler"
    api = _lambda_variables(variant_template, "services.processes.lambda_handlers.api")
    assert api["AWS_EMF_ENVIRONMENT"] == "Lambda"
    assert api["AWS_EMF_NAMESPACE"] == "FiLot/Backend"
    for variables in (scheduler, api):
        assert "AWS_EMF_SERVICE_TYPE" not in variables  # the Lambda environment sets its own


def test_every_workload_says_where_it_runs(template: Template, variant_template: Template) -> None:
    for stage in (template, variant_template):
        for definition in (
            d
            for task in stage.find_resources("AWS::ECS::TaskDefinition").values()
            for d in task["Properties"]["ContainerDefinitions"]
        ):
            assert environment(definition)["AWS_EMF_ENVIRONMENT"] == "Local", definition["Name"]
        for function in stage.find_resources("AWS::Lambda::Function").values():
            variables = function["Properties"].get("Environment", {}).get("Variables", {})
            if "FILOT_STAGE" in variables:  # ours, not a CDK helper function
                assert variables["AWS_EMF_ENVIRONMENT"] == "Lambda"
