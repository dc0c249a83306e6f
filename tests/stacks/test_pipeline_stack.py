"""PipelineStack template: GitHub OIDC roles for one stage, each trusting one kind of job of one repository, with
no more rights than the workflow steps use."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from stacks.stages import build_stage
from tests.stacks.conftest import VARIANT, Synthesized


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
    statements = _statements(template, "filot-staging-diff")
    assert all(statement["Action"] == ["sts:AssumeRole", "sts:TagSession"] for statement in statements)
    roles = [role.split("role/")[1] for statement in statements for role in _joined(statement["Resource"])]
    # The stage's region and, for the web stack's diff, us-east-1: lookups only.
    assert roles == [
        "cdk-hnb659fds-lookup-role-<account>-<stage region>",
        "cdk-hnb659fds-lookup-role-<account>-us-east-1",
    ]


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
    assert not {a for a in everything if a.split(":")[0] in {"iam", "cloudformation", "ecs", "lambda"}}


def test_the_deploy_role_may_only_upload_the_web_app_and_invalidate_its_entry_points(template: Template) -> None:
    statements = _statements(template, "filot-staging-deploy")
    bucket = "arn:<partition>:s3:::filot-staging-web-<account>"
    by_action = {action: _joined(s["Resource"]) for s in statements for action in _actions(s)}
    s3_actions = {action for action in by_action if action.startswith("s3:")}
    assert s3_actions == {"s3:ListBucket", "s3:PutObject", "s3:DeleteObject"}  # never GetObject, never the policy
    assert by_action["s3:ListBucket"] == [bucket]
    assert by_action["s3:PutObject"] == by_action["s3:DeleteObject"] == [f"{bucket}/*"]
    assert {a for a in by_action if a.startswith("cloudfront:")} == {"cloudfront:CreateInvalidation"}
    assert by_action["cloudfront:CreateInvalidation"] == ["arn:<partition>:cloudfront::<account>:distribution/*"]
    # The two parameters the web stack writes in us-east-1, by name, beside the stage's own prefix.
    parameters = [r for s in statements if "ssm:GetParameter" in _actions(s) for r in _joined(s["Resource"])]
    assert "arn:<partition>:ssm:us-east-1:<account>:parameter/filot-staging/web/bucket-name" in parameters
    assert "arn:<partition>:ssm:us-east-1:<account>:parameter/filot-staging/web/distribution-id" in parameters
    assert not [p for p in parameters if "us-east-1" in p and p.endswith("*")]
    # And it may deploy the web stack through us-east-1's bootstrap roles (no image publishing there).
    assumed = [r for s in statements if "sts:AssumeRole" in _actions(s) for r in _joined(s["Resource"])]
    web_roles = sorted(r.split("role/")[1] for r in assumed if r.endswith("-us-east-1"))
    assert web_roles == [
        f"cdk-hnb659fds-{kind}-role-<account>-us-east-1" for kind in ("deploy", "file-publishing", "lookup")
    ]


def test_a_stage_without_a_web_app_grants_nothing_for_one() -> None:
    config = replace(VARIANT, web_domain_name=None, web_certificate_arn=None, web_oidc=None)
    stage = build_stage(App(), config)
    assert stage.web is None and stage.pipeline is not None
    policies = json.dumps(Template.from_stack(stage.pipeline).find_resources("AWS::IAM::Policy"))
    assert "s3:" not in policies and "cloudfront:" not in policies and "us-east-1" not in policies


def _joined(resource: Any) -> list[str]:
    """Resource ARNs with their tokens spelled <partition>, <account>, <stage region>."""
    names = {"AWS::Partition": "<partition>", "AWS::AccountId": "<account>", "AWS::Region": "<stage region>"}
    resources = resource if isinstance(resource, list) else [resource]
    joined = []
    for item in resources:
        if isinstance(item, dict) and "Fn::Join" in item:
            separator, parts = item["Fn::Join"]
            item = separator.join(names[part["Ref"]] if isinstance(part, dict) else part for part in parts)
        joined.append(item)
    return joined



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
