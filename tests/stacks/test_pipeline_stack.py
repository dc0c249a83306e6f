"""PipelineStack template: GitHub OIDC roles for one stage, each trusting one kind of job of one repository, with
no more rights than the workflow steps use."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from tests.stacks.conftest import Synthesized


@pytest.fixture(scope="module")
def template(variant: Synthesized) -> Template:
    assert variant.stage.pipeline is not None
    return variant.template(variant.stage.pipeline)


def test_only_a_stage_with_a_repository_has_a_pipeline_stack(production: Synthesized) -> None:
    # cdk.json leaves filot:githubRepository for the operator to set (docs/infrastructure.md).
    assert production.stage.pipeline is None


def test_the_account_gets_githubs_oidc_provider_for_sts(template: Template) -> None:
    template.has_resource_properties(
        "AWS::IAM::OIDCProvider",
        {"Url": "https://token.actions.githubusercontent.com", "ClientIdList": ["sts.amazonaws.com"]},
    )


def test_the_deploy_role_trusts_only_the_stages_environment_of_the_repository(template: Template) -> None:
    condition = _trust(template, "filot-staging-deploy")["Condition"]
    assert condition == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:filot-id/platform:environment:staging",
        }
    }


def test_the_diff_role_trusts_pull_requests_and_may_only_look_up(template: Template) -> None:
    condition = _trust(template, "filot-staging-diff")["Condition"]
    assert condition["StringEquals"]["token.actions.githubusercontent.com:sub"] == "repo:filot-id/platform:pull_request"
    (statement,) = _statements(template, "filot-staging-diff")
    assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    assert "lookup-role" in json.dumps(statement["Resource"])
    assert "deploy-role" not in json.dumps(statement["Resource"])


def test_the_deploy_role_pushes_to_the_stages_repositories_only(template: Template) -> None:
    statements = _statements(template, "filot-staging-deploy")
    (push,) = [s for s in statements if "ecr:PutImage" in _actions(s)]
    resources = json.dumps(push["Resource"])
    assert "repository/filot-staging/backend" in resources and "repository/filot-staging/gpu-worker" in resources
    (unscoped,) = [s for s in statements if s["Resource"] == "*"]
    assert set(_actions(unscoped)) == {
        "ecr:GetAuthorizationToken",
        "servicequotas:GetServiceQuota",
        "servicequotas:GetAWSDefaultServiceQuota",
    }
    (secrets,) = [s for s in statements if "secretsmanager:GetSecretValue" in _actions(s)]
    assert "secret:filot-staging/*" in json.dumps(secrets["Resource"])
    (decrypt,) = [s for s in statements if "kms:Decrypt" in _actions(s)]
    assert "kms:ViaService" in decrypt["Condition"]["StringEquals"]
    # It deploys through the CDK bootstrap roles and may not touch IAM, CloudFormation or anything else directly.
    everything = {action for s in statements for action in _actions(s)}
    assert not {a for a in everything if a.split(":")[0] in {"iam", "cloudformation", "ecs", "lambda", "s3"}}


def _role(template: Template, name: str) -> tuple[str, dict[str, Any]]:
    roles = template.find_resources("AWS::IAM::Role", {"Properties": {"RoleName": name}})
    ((logical_id, role),) = roles.items()
    return logical_id, role


def _trust(template: Template, name: str) -> dict[str, Any]:
    (statement,) = _role(template, name)[1]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    return dict(statement)


def _statements(template: Template, name: str) -> list[dict[str, Any]]:
    logical_id, _ = _role(template, name)
    policies = [
        policy["Properties"]
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": logical_id} in policy["Properties"]["Roles"]
    ]
    return [statement for policy in policies for statement in policy["PolicyDocument"]["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_the_next_stage_may_only_pull_the_images_this_stage_tested(template: Template) -> None:
    condition = _trust(template, "filot-staging-promote")["Condition"]
    assert (
        condition["StringEquals"]["token.actions.githubusercontent.com:sub"]
        == "repo:filot-id/platform:environment:production"
    )
    actions = {action for statement in _statements(template, "filot-staging-promote") for action in _actions(statement)}
    assert actions == {
        "ecr:BatchGetImage",
        "ecr:DescribeImages",
        "ecr:GetDownloadUrlForLayer",
        "ecr:GetAuthorizationToken",
    }
