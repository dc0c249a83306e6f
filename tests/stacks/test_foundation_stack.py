"""FoundationStack template: scanned immutable ECR repositories and the encrypted /ecs/filot-<stage> log group."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, Aspects
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks

from stacks.config import LOG_RETENTION_DAYS, StageConfig
from stacks.foundation_stack import FoundationStack
from stacks.observability import retention_for_days
from stacks.registry import IMAGE_NAMES

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = StageConfig(stage="production", keep_images=20, log_retention_days=30)


@pytest.fixture(scope="module")
def stack() -> FoundationStack:
    return FoundationStack(App(), "Foundation", config=CONFIG)


@pytest.fixture(scope="module")
def template(stack: FoundationStack) -> Template:
    return Template.from_stack(stack)


def test_stack_is_named_per_stage_in_sydney(stack: FoundationStack) -> None:
    assert stack.stack_name == "filot-production-foundation"
    assert stack.region == "ap-southeast-2"


@pytest.mark.parametrize("image", IMAGE_NAMES)
def test_each_image_has_a_scanned_immutable_repository(template: Template, image: str) -> None:
    template.has_resource(
        "AWS::ECR::Repository",
        {
            "Properties": Match.object_like(
                {
                    "RepositoryName": f"filot-production/{image}",
                    "ImageScanningConfiguration": {"ScanOnPush": True},
                    "ImageTagMutability": "IMMUTABLE",
                }
            ),
            "DeletionPolicy": "Retain",
        },
    )


def test_repositories_keep_only_the_newest_images(template: Template) -> None:
    repositories = template.find_resources("AWS::ECR::Repository")
    assert len(repositories) == len(IMAGE_NAMES)
    for repository in repositories.values():
        policy = json.loads(repository["Properties"]["LifecyclePolicy"]["LifecyclePolicyText"])
        assert policy["rules"] == [
            {
                "rulePriority": 1,
                "description": "keep the newest 20 images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20},
                "action": {"type": "expire"},
            }
        ]


def test_registry_exposes_a_repository_per_image(stack: FoundationStack) -> None:
    assert sorted(stack.registry.repositories) == sorted(IMAGE_NAMES)


def test_every_image_folder_has_a_repository_and_the_reverse() -> None:
    folders = {path.parent.name for path in (REPO_ROOT / "images").glob("*/Dockerfile")}
    assert folders == set(IMAGE_NAMES)


def test_log_group_is_named_for_the_stage_kept_a_month_and_encrypted(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {
            "LogGroupName": "/ecs/filot-production",
            "RetentionInDays": 30,
            "KmsKeyId": Match.any_value(),
        },
    )
    template.resource_count_is("AWS::Logs::LogGroup", 1)


def test_log_group_uses_the_rotating_key(template: Template) -> None:
    keys = template.find_resources("AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}})
    assert len(keys) == 1
    (key_id,) = keys
    template.has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": {"Fn::GetAtt": [key_id, "Arn"]}})


def test_key_lets_cloudwatch_logs_in_this_region_use_it_for_this_stage_only(template: Template) -> None:
    template.has_resource_properties(
        "AWS::KMS::Key",
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "logs.ap-southeast-2.amazonaws.com"},
                                "Action": Match.array_with(["kms:Decrypt*", "kms:GenerateDataKey*"]),
                                "Condition": {
                                    "ArnLike": {
                                        "kms:EncryptionContext:aws:logs:arn": [
                                            _log_group_arn("/ecs/filot-production"),
                                            _log_group_arn("/ecs/filot-production/*"),
                                        ]
                                    }
                                },
                            }
                        )
                    ]
                )
            },
        },
    )


def _log_group_arn(name: str) -> dict[str, object]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":logs:ap-southeast-2:",
                {"Ref": "AWS::AccountId"},
                f":log-group:{name}",
            ],
        ]
    }


@pytest.mark.parametrize("resource_type", ["AWS::ECR::Repository", "AWS::KMS::Key", "AWS::Logs::LogGroup"])
def test_resources_carry_project_and_stage_tags(template: Template, resource_type: str) -> None:
    resources = template.find_resources(resource_type)
    assert resources
    for resource in resources.values():
        tags = {tag["Key"]: tag["Value"] for tag in resource["Properties"]["Tags"]}
        assert tags == {"project": "filot", "stage": "production"}


def test_every_configurable_retention_maps_to_a_cdk_period() -> None:
    for days in LOG_RETENTION_DAYS:
        assert retention_for_days(days) is not None
    with pytest.raises(ValueError, match="no 31-day retention"):
        retention_for_days(31)


def test_retention_and_image_count_follow_the_stage_config() -> None:
    config = StageConfig(stage="dev-ana", log_retention_days=7, keep_images=3)
    template = Template.from_stack(FoundationStack(App(), "Dev", config=config))
    template.has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": "/ecs/filot-dev-ana", "RetentionInDays": 7}
    )
    template.has_resource_properties(
        "AWS::ECR::Repository",
        {
            "RepositoryName": "filot-dev-ana/backend",
            "LifecyclePolicy": {"LifecyclePolicyText": Match.string_like_regexp(r'"countNumber":3\b')},
        },
    )


def test_aws_solutions_checks_find_no_errors() -> None:
    app = App()
    stack = FoundationStack(app, "Nagged", config=CONFIG)
    Aspects.of(app).add(AwsSolutionsChecks())
    errors = Annotations.from_stack(stack).find_error("*", Match.string_like_regexp(r"AwsSolutions-.*"))
    assert errors == []
