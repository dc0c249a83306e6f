"""FoundationStack template: scanned immutable ECR repositories, the stage's secrets and its encrypted log groups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App
from aws_cdk.assertions import Match, Template

from stacks.config import LOG_RETENTION_DAYS, BacklogTargets, StageConfig
from stacks.foundation.registry import DEPLOYED_TAG_PREFIX, IMAGE_NAMES
from stacks.foundation.stack import FoundationStack
from stacks.log_groups import SERVICE_LOGS, retention_for_days
from stacks.service_settings import SECRET_FIELDS
from tests.stacks.conftest import CERTIFICATE_ARN, Synthesized

REPO_ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_LOGS = {f"/ecs/filot-production/{name}" for name in (*SERVICE_LOGS, "vpc-flow-logs")}


@pytest.fixture(scope="module")
def template(production: Synthesized) -> Template:
    return production.template(production.stage.foundation)


def test_stack_is_named_per_stage_in_sydney(production: Synthesized) -> None:
    stack = production.stage.foundation
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


def test_repositories_keep_every_deployed_image_and_the_newest_others(template: Template) -> None:
    repositories = template.find_resources("AWS::ECR::Repository")
    assert len(repositories) == len(IMAGE_NAMES)
    for repository in repositories.values():
        rules = json.loads(repository["Properties"]["LifecyclePolicy"]["LifecyclePolicyText"])["rules"]
        by_priority = sorted(rules, key=lambda rule: rule["rulePriority"])
        # ECR applies the first rule an image matches: deployed-<stage>-<sha> images match one that keeps them.
        deployed, untagged, others = by_priority
        assert deployed["selection"]["tagStatus"] == "tagged"
        assert deployed["selection"]["tagPrefixList"] == [DEPLOYED_TAG_PREFIX]
        assert deployed["selection"]["countNumber"] >= 10_000
        assert untagged["selection"] == {
            "tagStatus": "untagged",
            "countType": "sinceImagePushed",
            "countNumber": 7,
            "countUnit": "days",
        }
        assert others["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 20}


def test_images_secrets_and_lambda_environments_share_the_stage_data_key(template: Template) -> None:
    data_key = _data_key(template)
    for repository in template.find_resources("AWS::ECR::Repository").values():
        assert repository["Properties"]["EncryptionConfiguration"] == {
            "EncryptionType": "KMS",
            "KmsKey": {"Fn::GetAtt": [data_key, "Arn"]},
        }
    for secret in template.find_resources("AWS::SecretsManager::Secret").values():
        assert secret["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [data_key, "Arn"]}


def _data_key(template: Template) -> str:
    keys = template.find_resources("AWS::KMS::Alias", {"Properties": {"AliasName": "alias/filot-production/data"}})
    (alias,) = keys.values()
    return str(alias["Properties"]["TargetKeyId"]["Fn::GetAtt"][0])


def test_every_image_folder_has_a_repository_and_the_reverse() -> None:
    folders = {path.parent.name for path in (REPO_ROOT / "images").glob("*/Dockerfile")}
    assert folders == set(IMAGE_NAMES)


def test_one_secret_per_credential_owner_kept_on_deletion(template: Template) -> None:
    secrets = template.find_resources("AWS::SecretsManager::Secret")
    names = {secret["Properties"]["Name"] for secret in secrets.values()}
    # cdk.json's production has a domain (the origin key for Cloudflare) and pages PagerDuty.
    assert names == {f"filot-production/{name}" for name in [*SECRET_FIELDS, "origin-key", "pagerduty"]}
    assert names >= {
        "filot-production/database",
        "filot-production/redis",
        "filot-production/r2",
        "filot-production/buli2",
        "filot-production/service-key",
        "filot-production/callback-key",
        "filot-production/link-key",
        "filot-production/jwt",
    }
    assert all(secret["DeletionPolicy"] == "Retain" for secret in secrets.values())


def test_secrets_say_which_json_fields_they_hold(template: Template) -> None:
    template.has_resource_properties(
        "AWS::SecretsManager::Secret",
        {
            "Name": "filot-production/r2",
            "Description": Match.string_like_regexp(
                r'"endpoint_url": \.\.\., "access_key_id": \.\.\., "secret_access_key": '
            ),
        },
    )


def test_our_keys_are_generated_the_others_start_as_their_json_shape_with_no_value(template: Template) -> None:
    secrets = template.find_resources("AWS::SecretsManager::Secret")
    by_name = {s["Properties"]["Name"].removeprefix("filot-production/"): s["Properties"] for s in secrets.values()}
    for name in ("service-key", "callback-key", "link-key", "nik-hash-key", "webhook-key", "pii-key", "origin-key"):
        secret = by_name.pop(name)
        assert secret["GenerateSecretString"] == {
            "ExcludePunctuation": True,
            "GenerateStringKey": "key",
            "PasswordLength": 48,
            "SecretStringTemplate": "{}",
        }
        assert "SecretString" not in secret
    # Every field the tasks read, empty: preflight and the tasks name the field an operator has not filled.
    expected = {**SECRET_FIELDS, "pagerduty": ("url",)}
    for name, secret in by_name.items():
        assert "GenerateSecretString" not in secret, name
        assert json.loads(secret["SecretString"]) == dict.fromkeys(expected[name], ""), name


def test_a_domain_gets_a_dns_validated_certificate_handed_over_through_ssm(
    template: Template, variant: Synthesized
) -> None:
    template.has_resource_properties(
        "AWS::CertificateManager::Certificate", {"DomainName": "api.filot.id", "ValidationMethod": "DNS"}
    )
    (certificate,) = template.find_resources("AWS::CertificateManager::Certificate")
    template.has_resource_properties(
        "AWS::SSM::Parameter",
        {"Name": "/filot-production/foundation/certificate-arn", "Value": {"Ref": certificate}},
    )
    # An imported certificate (filot:certificateArn) is handed over as it is; nothing is requested.
    imported = variant.template(variant.stage.foundation)
    imported.resource_count_is("AWS::CertificateManager::Certificate", 0)
    imported.has_resource_properties(
        "AWS::SSM::Parameter", {"Name": "/filot-staging/foundation/certificate-arn", "Value": CERTIFICATE_ARN}
    )


def test_a_log_group_per_workload_kept_a_month_and_encrypted(template: Template) -> None:
    groups = template.find_resources("AWS::Logs::LogGroup")
    assert {group["Properties"]["LogGroupName"] for group in groups.values()} == PRODUCTION_LOGS
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == 30
        assert group["DeletionPolicy"] == "Retain"
        assert "KmsKeyId" in group["Properties"]


def test_log_groups_use_the_rotating_key(template: Template) -> None:
    keys = template.find_resources("AWS::KMS::Key", {"Properties": {"EnableKeyRotation": True}})
    assert len(keys) == 2  # the logs' key and the data key
    (key_id,) = set(keys) - {_data_key(template)}
    for group in template.find_resources("AWS::Logs::LogGroup").values():
        assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


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


@pytest.mark.parametrize(
    "resource_type", ["AWS::ECR::Repository", "AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::SecretsManager::Secret"]
)
def test_resources_carry_project_and_stage_tags(template: Template, resource_type: str) -> None:
    resources = template.find_resources(resource_type)
    assert resources
    for resource in resources.values():
        tags = {tag["Key"]: tag["Value"] for tag in resource["Properties"]["Tags"]}
        assert tags == {"project": "filot", "stage": "production"}


def test_the_api_on_lambda_gets_its_two_log_groups_only_when_deployed(variant: Synthesized) -> None:
    groups = variant.template(variant.stage.foundation).find_resources("AWS::Logs::LogGroup")
    names = {group["Properties"]["LogGroupName"] for group in groups.values()}
    assert {"/ecs/filot-staging/api-lambda", "/ecs/filot-staging/api-gateway"} <= names


def test_every_configurable_retention_maps_to_a_cdk_period() -> None:
    for days in LOG_RETENTION_DAYS:
        assert retention_for_days(days) is not None
    with pytest.raises(ValueError, match="no 31-day retention"):
        retention_for_days(31)


def test_retention_and_image_count_follow_the_stage_config() -> None:
    config = StageConfig(
        stage="dev-ana",
        log_retention_days=7,
        keep_images=3,
        backlog=BacklogTargets(gpu_per_worker=100, cpu_per_worker=10),
    )
    template = Template.from_stack(FoundationStack(App(), "Dev", config=config))
    template.has_resource_properties(
        "AWS::Logs::LogGroup", {"LogGroupName": "/ecs/filot-dev-ana/api", "RetentionInDays": 7}
    )
    template.has_resource_properties(
        "AWS::ECR::Repository",
        {
            "RepositoryName": "filot-dev-ana/backend",
            "LifecyclePolicy": {"LifecyclePolicyText": Match.string_like_regexp(r'"countNumber":3\b')},
        },
    )
