"""StageConfig: cdk.json context parses, and each bad value is refused with a message naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacks.config import (
    ACCOUNT_KEY,
    KEEP_IMAGES_KEY,
    LOG_RETENTION_DAYS_KEY,
    REGION_KEY,
    STAGE_KEY,
    StageConfig,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_cdk_json_context_is_production_in_sydney() -> None:
    context = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    config = StageConfig.from_context(context)
    assert config == StageConfig(stage="production", region="ap-southeast-2", account=None)
    assert config.stack_name("foundation") == "filot-production-foundation"
    assert config.name_prefix == "filot-production"


def test_defaults_apply_when_only_the_stage_is_given() -> None:
    config = StageConfig.from_context({STAGE_KEY: "staging"})
    assert (config.region, config.account, config.log_retention_days, config.keep_images) == (
        "ap-southeast-2",
        None,
        30,
        20,
    )


def test_command_line_strings_are_accepted() -> None:
    # `cdk synth -c key=value` hands every value over as a string.
    config = StageConfig.from_context(
        {
            STAGE_KEY: "dev-ana2",
            REGION_KEY: "us-gov-west-1",
            ACCOUNT_KEY: "012345678901",
            LOG_RETENTION_DAYS_KEY: "365",
            KEEP_IMAGES_KEY: "5",
        }
    )
    assert config == StageConfig(
        stage="dev-ana2", region="us-gov-west-1", account="012345678901", log_retention_days=365, keep_images=5
    )


def test_unrelated_context_keys_are_ignored() -> None:
    config = StageConfig.from_context({STAGE_KEY: "production", "@aws-cdk/core:checkSecretUsage": True})
    assert config.stage == "production"


def test_config_is_frozen() -> None:
    config = StageConfig(stage="production")
    with pytest.raises(AttributeError):
        config.stage = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({}, r"filot:stage is missing"),
        ({STAGE_KEY: ""}, r"filot:stage is missing"),
        ({STAGE_KEY: "Production"}, r"filot:stage is 'Production': it must match"),
        ({STAGE_KEY: "1prod"}, r"filot:stage is '1prod'"),
        ({STAGE_KEY: "p"}, r"filot:stage is 'p'"),
        ({STAGE_KEY: "a" * 22}, r"filot:stage is 'a{22}'"),
        ({STAGE_KEY: "prod_1"}, r"filot:stage is 'prod_1'"),
        ({STAGE_KEY: "prod\n"}, r"filot:stage is 'prod\\n'"),
        ({STAGE_KEY: 7}, r"filot:stage is 7 \(int\): it must be a string"),
        ({STAGE_KEY: "production", REGION_KEY: "sydney"}, r"filot:region is 'sydney': it must be an AWS region"),
        ({STAGE_KEY: "production", REGION_KEY: "AP-SOUTHEAST-2"}, r"filot:region is 'AP-SOUTHEAST-2'"),
        ({STAGE_KEY: "production", REGION_KEY: "ap-southeast"}, r"filot:region is 'ap-southeast'"),
        ({STAGE_KEY: "production", ACCOUNT_KEY: "12345"}, r"filot:account is '12345': it must be a 12-digit"),
        ({STAGE_KEY: "production", ACCOUNT_KEY: 123456789012}, r"filot:account is 123456789012 \(int\)"),
        ({STAGE_KEY: "production", LOG_RETENTION_DAYS_KEY: 31}, r"filot:logRetentionDays is 31: CloudWatch"),
        ({STAGE_KEY: "production", LOG_RETENTION_DAYS_KEY: "a month"}, r"filot:logRetentionDays is 'a month'"),
        ({STAGE_KEY: "production", LOG_RETENTION_DAYS_KEY: True}, r"filot:logRetentionDays is True"),
        ({STAGE_KEY: "production", KEEP_IMAGES_KEY: 0}, r"filot:keepImages is 0: it must be a whole number"),
        ({STAGE_KEY: "production", KEEP_IMAGES_KEY: 1001}, r"filot:keepImages is 1001"),
        ({STAGE_KEY: "production", KEEP_IMAGES_KEY: 2.5}, r"filot:keepImages is 2.5"),
        ({STAGE_KEY: "production", "filot:stag": "x"}, r"unknown context key\(s\) filot:stag; known keys are"),
    ],
)
def test_bad_context_is_refused_with_a_clear_message(context: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StageConfig.from_context(context)


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(ValueError, match=r"filot:region is 'mars-1'"):
        StageConfig(stage="production", region="mars-1")
