"""app.py synthesizes every stack offline with no credentials, into CDK_OUTDIR, honouring CLI context over
cdk.json; cfn-lint passes on what it writes; a bad stage config stops it with the key named."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.stacks.helpers import KNOWN_WARNINGS, lint

REPO_ROOT = Path(__file__).resolve().parents[2]
STACKS = ("foundation", "network", "compute", "monitoring")
# Any AWS credentials or profile on the machine must not be needed (nor used).
_AWS_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "CDK_DEFAULT_ACCOUNT")


def _synth(outdir: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in _AWS_VARS and key != "CDK_CONTEXT_JSON"}
    # The app as `make synth` runs it: with CDK's built-in template validation (the unit tests turn it off).
    env.pop("CDK_VALIDATION", None)
    env.update(CDK_OUTDIR=str(outdir), AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "app.py"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    outdir = tmp_path_factory.mktemp("cdk.out")
    return outdir, _synth(outdir)


def test_app_synthesizes_every_production_stack_in_sydney(
    production: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    outdir, result = production
    assert result.returncode == 0, result.stderr
    assert "end-of-life" not in result.stderr  # app.py silences jsii's Node banner
    assert "AwsSolutions-" not in result.stderr  # no cdk-nag finding left
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    for component in STACKS:
        name = f"filot-production-{component}"
        assert (outdir / f"{name}.template.json").is_file()
        assert manifest["artifacts"][name]["environment"] == "aws://unknown-account/ap-southeast-2"
    # The web app's stack sits in us-east-1, where CloudFront reads its certificate.
    assert manifest["artifacts"]["filot-production-web"]["environment"] == "aws://unknown-account/us-east-1"
    # Deployment order follows the references: foundation, network, compute, monitoring.
    dependencies = manifest["artifacts"]["filot-production-monitoring"]["dependencies"]
    assert "filot-production-compute" in dependencies


def test_what_the_app_writes_passes_cfn_lint(production: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    outdir, result = production
    assert result.returncode == 0, result.stderr
    findings = lint(outdir)
    assert [finding for finding in findings if finding[2] == "error"] == []
    assert {finding[1] for finding in findings} <= KNOWN_WARNINGS


def test_cli_context_overrides_cdk_json(tmp_path: Path) -> None:
    # The CDK CLI hands `-c` values to the app through CDK_CONTEXT_JSON.
    context = {"filot:stage": "staging", "filot:apiOnLambda": "true", "filot:account": "123456789012"}
    staging = _synth(tmp_path, CDK_CONTEXT_JSON=json.dumps(context), CDK_VALIDATION="false")
    assert staging.returncode == 0, staging.stderr
    for component in STACKS:
        assert (tmp_path / f"filot-staging-{component}.template.json").is_file()
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["artifacts"]["filot-staging-compute"]["environment"] == "aws://123456789012/ap-southeast-2"
    compute = (tmp_path / "filot-staging-compute.template.json").read_text(encoding="utf-8")
    assert "AWS::ApiGatewayV2::Api" in compute


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"filot:stage": "Staging!"}, "ValueError: filot:stage is 'Staging!'"),
        (
            {"filot:region": "ap-southeast-9"},
            "ValueError: filot:region is 'ap-southeast-9': it must be a known AWS region",
        ),
        (
            {"filot:gpuWorkerMin": 5, "filot:gpuWorkerMax": 2},
            "ValueError: filot:gpuWorkerMin (5) is greater than filot:gpuWorkerMax (2)",
        ),
        ({"filot:account": "12345678901"}, "ValueError: filot:account is '12345678901': it must be a 12-digit"),
    ],
)
def test_bad_stage_config_fails_synthesis_with_the_key_named(
    tmp_path: Path, context: dict[str, object], message: str
) -> None:
    bad = _synth(tmp_path, CDK_CONTEXT_JSON=json.dumps(context))
    assert bad.returncode != 0
    assert message in bad.stderr
    assert not list(tmp_path.glob("*.template.json"))
