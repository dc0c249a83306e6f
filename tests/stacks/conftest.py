"""Shared set-up for the CDK tests: each stage variant is built and synthesized once per session.

jsii's start and a synthesis cost seconds, so every test module reads the same two synthesized stages:
``production`` (cdk.json as committed: a web app whose sign-in is not configured yet) and ``variant`` (every optional
feature on: an account, HTTPS with an imported certificate, PagerDuty, the API on Lambda, other scaling ranges and
backlog targets, the web app with an imported certificate and its sign-in). Both carry the cdk-nag AWS Solutions checks.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

# Node 20 is past end-of-life; jsii prints a large banner on every runtime start unless told we know.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
# CDK's built-in template validation adds about 5 s to every synthesis; cfn-lint checks the same templates
# (test_cfn_lint.py and test_app.py), so the in-process tests leave it off.
os.environ.setdefault("CDK_VALIDATION", "false")

from aws_cdk import (
    App,
    Aspects,
    Stack,
    cx_api,
)
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from stacks.config import BacklogTargets, ScalingRange, StageConfig, WebOidc
from stacks.stages import Stage, build_stage

REPO_ROOT = Path(__file__).resolve().parents[2]
CDK_CONTEXT: dict[str, object] = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
CERTIFICATE_ARN = "arn:aws:acm:ap-southeast-2:123456789012:certificate/0b5ae7c4-6d3b-4a47-9a30-8e1d3c2f4a11"
WEB_CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/5d0c1f2e-7a8b-4c3d-9e1f-2a3b4c5d6e7f"
WEB_OIDC = WebOidc(authority="https://id.filot.example/realms/filot", client_id="filot-web-staging")
CLOUDFLARE_RANGES = ("173.245.48.0/20", "103.21.244.0/22", "104.16.0.0/13")
VARIANT = StageConfig(
    stage="staging",
    account="123456789012",
    availability_zones=("ap-southeast-2a", "ap-southeast-2b", "ap-southeast-2c"),
    nat_gateways=1,
    image_tag="git-3f485a8",
    domain_name="api.staging.filot.example",
    certificate_arn=CERTIFICATE_ARN,
    pagerduty=True,
    cloudflare_ranges=CLOUDFLARE_RANGES,
    github_repository="filot-id/platform",
    promotes_to="production",
    deletion_protection=False,
    storage_url="s3://filot-staging-originals",
    api_on_lambda=True,
    environment={"FILOT_APPROVE_AT": "90"},
    alarms={"dead-letters": 5, "http-latency": 1500.5},
    backend=ScalingRange(minimum=1, maximum=3),
    gpu_workers=ScalingRange(minimum=0, maximum=2),
    cpu_workers=ScalingRange(minimum=0, maximum=1),
    gpu_warm_hours_utc=(23, 13),
    # Not cdk.json's figures, so the tests see the configured backlog reach the scaling policies.
    backlog=BacklogTargets(gpu_per_worker=123, cpu_per_worker=7),
    web_domain_name="app.staging.filot.example",
    web_certificate_arn=WEB_CERTIFICATE_ARN,
    web_oidc=WEB_OIDC,
)


@dataclass(frozen=True)
class Synthesized:
    """A stage built in its own app, synthesized once with cdk-nag applied."""

    stage: Stage
    assembly: cx_api.CloudAssembly

    def template(self, stack: Stack) -> Template:
        return Template.from_stack(stack)


def synthesize(config: StageConfig) -> Synthesized:
    app = App()
    stage = build_stage(app, config)
    Aspects.of(app).add(AwsSolutionsChecks())
    return Synthesized(stage=stage, assembly=app.synth())


@functools.cache
def production_stage() -> Synthesized:
    """cdk.json's stage, synthesized once per session (tests outside tests/stacks call this directly)."""
    return synthesize(StageConfig.from_context(CDK_CONTEXT))


@functools.cache
def variant_stage() -> Synthesized:
    return synthesize(VARIANT)


@pytest.fixture(scope="session")
def production() -> Synthesized:
    return production_stage()


@pytest.fixture(scope="session")
def variant() -> Synthesized:
    return variant_stage()
