"""How the stacks of a stage hang together: pinned account, termination protection, references that survive a
replacement (SSM parameters, not exports, for what compute may replace)."""

from __future__ import annotations

import json

from aws_cdk.assertions import Template

from stacks import parameters
from tests.stacks.conftest import Synthesized


def test_a_pinned_account_is_a_template_rule_in_every_stack(variant: Synthesized) -> None:
    for stack in variant.stage.stacks:
        rules = Template.from_stack(stack).to_json().get("Rules", {})
        pinned = [rule for name, rule in rules.items() if name.startswith("PinnedAccount")]
        assert len(pinned) == 1, stack.stack_name
        (assertion,) = pinned[0]["Assertions"]
        assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "AWS::AccountId"}, "123456789012"]}
        assert "123456789012" in assertion["AssertDescription"]


def test_without_an_account_there_is_no_rule_to_pin(production: Synthesized) -> None:
    for stack in production.stage.stacks:
        rules = Template.from_stack(stack).to_json().get("Rules", {})
        assert not [name for name in rules if name.startswith("PinnedAccount")]


def test_stacks_are_protected_from_deletion_unless_the_stage_opts_out(
    production: Synthesized, variant: Synthesized
) -> None:
    assert all(stack.termination_protection for stack in production.stage.stacks)
    assert not any(stack.termination_protection for stack in variant.stage.stacks)


def test_monitoring_imports_nothing_from_compute_and_reads_its_names_from_ssm(production: Synthesized) -> None:
    monitoring = Template.from_stack(production.stage.monitoring).to_json()
    imports = [value for value in _find(monitoring, "Fn::ImportValue")]
    assert not [value for value in imports if "compute" in json.dumps(value)]
    defaults = {value.get("Default") for value in monitoring["Parameters"].values()}
    for key in (
        parameters.API_SERVICE_NAME,
        parameters.GPU_WORKER_SERVICE_NAME,
        parameters.CPU_WORKER_SERVICE_NAME,
        parameters.LOAD_BALANCER_FULL_NAME,
        parameters.TARGET_GROUP_FULL_NAME,
        parameters.SCHEDULER_FUNCTION_NAME,
    ):
        assert f"/filot-production/{key}" in defaults, key
    # ...which compute writes, so the order is explicit: foundation, compute, monitoring.
    compute = Template.from_stack(production.stage.compute)
    written = {p["Properties"]["Name"] for p in compute.find_resources("AWS::SSM::Parameter").values()}
    assert {
        f"/filot-production/{key}" for key in (parameters.API_SERVICE_NAME, parameters.LOAD_BALANCER_FULL_NAME)
    } <= written
    assert production.stage.compute in production.stage.monitoring.dependencies
    assert production.stage.foundation in production.stage.compute.dependencies


def test_compute_imports_only_what_never_changes(production: Synthesized) -> None:
    # Exports from the foundation are fixed names and retained resources (secrets, repositories, log groups,
    # keys); from the network, the VPC. Nothing compute imports is replaced by a routine change.
    compute = Template.from_stack(production.stage.compute).to_json()
    imported = {json.dumps(value) for value in _find(compute, "Fn::ImportValue")}
    assert imported
    assert all("foundation" in value or "network" in value for value in imported), imported


def _find(node: object, key: str) -> list[object]:
    found: list[object] = []
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key:
                found.append(value)
            found.extend(_find(value, key))
    elif isinstance(node, list):
        for value in node:
            found.extend(_find(value, key))
    return found
