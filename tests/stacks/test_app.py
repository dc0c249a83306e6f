"""app.py synthesizes offline with no credentials, into CDK_OUTDIR, honouring CLI context over cdk.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# Any AWS credentials or profile on the machine must not be needed (nor used).
_AWS_VARS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "CDK_DEFAULT_ACCOUNT")


def _synth(outdir: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in _AWS_VARS and key != "CDK_CONTEXT_JSON"}
    env.update(CDK_OUTDIR=str(outdir), AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "app.py"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_app_synthesizes_the_production_foundation(tmp_path: Path) -> None:
    result = _synth(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "end-of-life" not in result.stderr  # app.py silences jsii's Node banner
    template = json.loads((tmp_path / "filot-production-foundation.template.json").read_text(encoding="utf-8"))
    names = {
        resource["Properties"].get("LogGroupName")
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Logs::LogGroup"
    }
    assert names == {"/ecs/filot-production"}
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    environment = manifest["artifacts"]["filot-production-foundation"]["environment"]
    assert environment == "aws://unknown-account/ap-southeast-2"


def test_cli_context_overrides_cdk_json_and_bad_values_fail_clearly(tmp_path: Path) -> None:
    # The CDK CLI hands `-c` values to the app through CDK_CONTEXT_JSON.
    staging = _synth(tmp_path / "ok", CDK_CONTEXT_JSON=json.dumps({"filot:stage": "staging"}))
    assert staging.returncode == 0, staging.stderr
    assert (tmp_path / "ok" / "filot-staging-foundation.template.json").is_file()

    bad = _synth(tmp_path / "bad", CDK_CONTEXT_JSON=json.dumps({"filot:stage": "Staging!"}))
    assert bad.returncode != 0
    assert "ValueError: filot:stage is 'Staging!'" in bad.stderr
