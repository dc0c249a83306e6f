"""cdk-nag AwsSolutionsChecks: no unsuppressed finding, and every suppression names its rule and a real reason."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aws_cdk import App, Aspects, Stack
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match
from cdk_nag import AwsSolutionsChecks

from app import synthesis_errors
from tests.stacks.conftest import Synthesized

REPO_ROOT = Path(__file__).resolve().parents[2]
# Changing this set is a decision: each entry is justified in stacks/nag_suppressions.py.
EXPECTED_RULES = {
    "AwsSolutions-SMG4",
    "AwsSolutions-S1",
    "AwsSolutions-EC23",
    "AwsSolutions-ECS2",
    "AwsSolutions-IAM5",
    "AwsSolutions-IAM4",
    "AwsSolutions-AS3",
    "AwsSolutions-APIG4",
    # The web app's distribution: Cloudflare in front decides geography and filters requests (WAF).
    "AwsSolutions-CFR1",
    "AwsSolutions-CFR2",
}


@pytest.mark.parametrize("variant_name", ["production", "variant"])
def test_aws_solutions_checks_find_no_unsuppressed_errors_or_warnings(
    variant_name: str, request: pytest.FixtureRequest
) -> None:
    synthesized: Synthesized = request.getfixturevalue(variant_name)
    for stack in synthesized.stage.stacks:
        annotations = Annotations.from_stack(stack)
        assert annotations.find_error("*", Match.string_like_regexp(r"AwsSolutions-.*")) == [], stack.stack_name
        # A rule that could not evaluate (e.g. on an unresolved token) reports CdkNagValidationFailure.
        assert annotations.find_warning("*", Match.string_like_regexp(r".*(AwsSolutions|CdkNag).*")) == []


def _suppressions(synthesized: Synthesized) -> list[dict[str, object]]:
    found = []
    for stack in synthesized.stage.stacks:
        for resource in synthesized.template(stack).to_json()["Resources"].values():
            found.extend(resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", []))
    return found


def test_every_suppression_names_its_rule_and_a_real_reason(variant: Synthesized) -> None:
    suppressions = _suppressions(variant)
    assert {s["id"] for s in suppressions} == EXPECTED_RULES
    for suppression in suppressions:
        assert re.fullmatch(r"AwsSolutions-[A-Z0-9]+", str(suppression["id"]))
        assert len(str(suppression["reason"]).split()) >= 12, suppression


def test_wildcard_and_managed_policy_suppressions_are_narrowed(variant: Synthesized) -> None:
    for suppression in _suppressions(variant):
        if suppression["id"] in ("AwsSolutions-IAM4", "AwsSolutions-IAM5"):
            assert suppression.get("applies_to"), suppression


def test_production_suppresses_fewer_rules_than_the_variant(production: Synthesized) -> None:
    # No API Gateway in production: its rule's suppression must not appear there.
    assert {s["id"] for s in _suppressions(production)} == EXPECTED_RULES - {"AwsSolutions-APIG4"}


def test_suppressions_live_in_one_module() -> None:
    users = sorted(
        path.name
        for path in (REPO_ROOT / "stacks").glob("*.py")
        if re.search(r"NagSuppressions|NagPackSuppression", path.read_text(encoding="utf-8"))
    )
    assert users == ["nag_suppressions.py"]


def test_the_app_reports_an_unsuppressed_finding_as_an_error() -> None:
    app = App()
    stack = Stack(app, "Bad")
    sqs.Queue(stack, "Queue")  # no dead-letter queue, no TLS-only policy: AWS Solutions findings
    Aspects.of(app).add(AwsSolutionsChecks())
    errors = synthesis_errors(app.synth())
    assert errors
    assert any("AwsSolutions-SQS3" in line for line in errors)
    assert json.dumps(errors)  # plain strings, printable as they are
