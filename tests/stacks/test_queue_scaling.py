"""The workers' scale-out comes from the capacity model: cdk.json's filot:scaling reaches the step policies, an
override changes them, and the stacks agree with the model on the names, timings and task sizes it assumes."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Template

from devtools.capacity import model as capacity
from devtools.capacity.report import recorded_inputs
from stacks.compute import cpu_worker, gpu_worker, queue_scaling
from stacks.compute.queue_scaling import scale_out_steps, shortfall_metric
from stacks.config import CPU_BACKLOG_FIELD, GPU_BACKLOG_FIELD, SCALING_KEY, BacklogTargets, StageConfig
from stacks.metric_names import QUEUE_CPU, QUEUE_GPU
from tests.stacks.conftest import CDK_CONTEXT, REPO_ROOT, VARIANT, Synthesized
from tests.stacks.helpers import expression, named_metrics, scaling_alarms


def backlog_expressions(template: Template) -> dict[str, str]:
    """The scale-out alarm's expression for each queue ({"GPU": "CEIL(queue / 1000) - ..."})."""
    found: dict[str, str] = {}
    for alarm in scaling_alarms(template):
        text = expression(alarm) or ""
        if text.startswith("CEIL("):
            (queue,) = [
                dimension["Value"]
                for metric in named_metrics(alarm)
                for dimension in metric["Dimensions"]
                if dimension["Name"] == "Queue"
            ]
            found[queue] = text
    return found


def test_production_scales_on_cdk_json_backlog_per_worker(production: Synthesized) -> None:
    targets = CDK_CONTEXT[SCALING_KEY]
    assert isinstance(targets, dict)
    assert backlog_expressions(production.template(production.stage.compute)) == {
        QUEUE_GPU: f"CEIL(queue / {targets[GPU_BACKLOG_FIELD]}) - FILL(tasks, 0)",
        QUEUE_CPU: f"CEIL(queue / {targets[CPU_BACKLOG_FIELD]}) - FILL(tasks, 0)",
    }


def test_a_stage_with_other_targets_gets_other_policies(variant: Synthesized) -> None:
    assert VARIANT.backlog == BacklogTargets(gpu_per_worker=123, cpu_per_worker=7)
    template = variant.template(variant.stage.compute)
    assert backlog_expressions(template) == {
        QUEUE_GPU: "CEIL(queue / 123) - FILL(tasks, 0)",
        QUEUE_CPU: "CEIL(queue / 7) - FILL(tasks, 0)",
    }
    # The steps follow each service's maximum: the variant allows 2 GPU tasks and 1 CPU task.
    steps = sorted(
        [
            step["ScalingAdjustment"]
            for step in policy["Properties"]["StepScalingPolicyConfiguration"]["StepAdjustments"]
        ]
        for policy in template.find_resources("AWS::ApplicationAutoScaling::ScalingPolicy").values()
        if policy["Properties"]["PolicyType"] == "StepScaling"
    )
    assert steps == [[-1], [-1], [1], [1, 2]]


def test_a_command_line_override_reaches_the_config() -> None:
    # `cdk synth -c 'filot:scaling={...}'` hands the object over as JSON text.
    config = StageConfig.from_context(
        {**CDK_CONTEXT, SCALING_KEY: json.dumps({GPU_BACKLOG_FIELD: 40, CPU_BACKLOG_FIELD: 9})}
    )
    assert config.backlog == BacklogTargets(gpu_per_worker=40, cpu_per_worker=9)


@pytest.mark.parametrize(
    ("maximum", "adds"),
    [(1, [1]), (2, [1, 2]), (4, [1, 2, 4]), (5, [1, 2, 4]), (100, [1, 2, 4, 8, 16, 32, 64])],
)
def test_scale_out_adds_the_shortfall_rounded_down_to_a_power_of_two(maximum: int, adds: list[int]) -> None:
    steps = scale_out_steps(maximum)
    assert (steps[0].upper, steps[0].change) == (1, 0)  # no shortfall, no change
    assert [(step.lower, step.change) for step in steps[1:]] == [(n, n) for n in adds]


@pytest.mark.parametrize("bad", [0, -1, True, 2.5])
def test_shortfall_refuses_a_backlog_that_is_not_a_positive_whole_number(bad: object) -> None:
    with pytest.raises(ValueError, match="backlog per worker is"):
        shortfall_metric(queue_length=None, desired_tasks=None, backlog_per_worker=bad)  # type: ignore[arg-type]


def test_stacks_and_capacity_model_name_the_same_context_fields() -> None:
    assert (capacity.SCALING_CONTEXT_KEY, capacity.GPU_BACKLOG_KEY, capacity.CPU_BACKLOG_KEY) == (
        SCALING_KEY,
        GPU_BACKLOG_FIELD,
        CPU_BACKLOG_FIELD,
    )
    assert capacity.SCALE_OUT_MINUTES == queue_scaling.SCALE_OUT_MINUTES


def test_the_committed_model_sized_the_tasks_the_stacks_deploy() -> None:
    # docs/capacity.md records its inputs; a resized worker task must be regenerated with the new size.
    inputs = capacity.Inputs.from_dict(recorded_inputs((REPO_ROOT / "docs" / "capacity.md").read_text("utf-8")))
    assert inputs.gpu_vcpus == gpu_worker.CPU_UNITS // 1024
    assert inputs.cpu_vcpus == cpu_worker.CPU_UNITS // 1024
    assert inputs.cpu_memory_gb == cpu_worker.MEMORY_MIB / 1024
