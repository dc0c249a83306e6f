"""python -m stacks.web_config: the web app's config.json from the stage config, the same for every build, and a
clear refusal (exit 2) where the stage cannot make one, before the pipeline deploys anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacks.web_config import main

OIDC = 'filot:webOidc={"authority": "https://id.filot.id/realms/filot", "clientId": "filot-web"}'


def test_a_stage_with_sign_in_gets_its_api_and_identity_provider(tmp_path: Path) -> None:
    out = tmp_path / "config.json"
    assert main(["--stage", "staging", "-c", OIDC, "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == {
        "apiUrl": "https://api.staging.filot.id",
        "auth": {
            "mode": "oidc",
            "authority": "https://id.filot.id/realms/filot",
            "clientId": "filot-web",
            "scope": "openid profile offline_access",
        },
    }
    assert main(["--stage", "production", "-c", OIDC, "--check"]) == 0


@pytest.mark.parametrize("stage", ["production", "staging"])
def test_cdk_json_has_no_sign_in_yet_so_the_deploy_refuses_clearly(
    stage: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "config.json"
    assert main(["--stage", stage, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert f"stage {stage} has no sign-in for its web app: filot:webOidc is not set" in error
    assert '"authority"' in error and '"clientId"' in error  # what to put where
    assert not out.exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--stage", "sandbox-ana", "-c", OIDC], "stage sandbox-ana has no web app: set filot:webDomainName"),
        (
            ["--stage", "staging", "-c", 'filot:webOidc={"authority": "http://id.filot.id", "clientId": "web"}'],
            "filot:webOidc.authority is 'http://id.filot.id': it must be the identity provider's issuer",
        ),
        (
            ["--stage", "staging", "-c", 'filot:webOidc={"authority": "https://id.filot.id"}'],
            "filot:webOidc.clientId is missing",
        ),
        (["--stage", "local", "--api-url", "https://api.filot.id"], "the local stage's API must be on loopback"),
    ],
)
def test_what_cannot_make_a_config_is_refused_with_exit_2(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*arguments, "--check"]) == 2
    assert message in capsys.readouterr().err


def test_the_local_stage_signs_in_for_development_against_the_local_api(tmp_path: Path) -> None:
    out = tmp_path / "config.json"
    assert main(["--stage", "local", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8")) == {"apiUrl": "http://127.0.0.1:8000", "auth": {"mode": "dev"}}
