"""python -m stacks.preflight against moto in server mode: the good case passes, and each thing a first deploy
would trip on (a tag never pushed, a secret not filled in, a small GPU quota, a certificate still pending, another
account) fails with what to do, without printing a secret's value."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stacks.config import StageConfig
from stacks.foundation.secret_store import stage_secret_fields
from stacks.preflight.__main__ import main
from stacks.preflight.checks import GPU_QUOTA_CODE
from tests.moto_server import MotoServer

# moto's default account, which its STS answers for any credentials.
ACCOUNT = "123456789012"
REGION = "ap-southeast-2"
TAG = "3f485a8c1d2e4b6a8f0e9d7c5b3a1f2e4d6c8b0a"
# cdk.json's staging block: api.staging.filot.id, no PagerDuty, at most one GPU worker (4 vCPUs of quota).
STAGING = ["--stage", "staging", "--image-tag", TAG, "-c", f"filot:account={ACCOUNT}"]
MANIFEST = json.dumps(
    {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 2,
            "digest": "sha256:" + "a" * 64,
        },
        "layers": [],
    }
)


@pytest.fixture
def gpu_quota(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """The account's G-instance vCPU quota. moto's Service Quotas knows only VPC quotas, so this one EC2 quota is
    added to the moto server (it runs in this process) by patching its backend: a fake for the one AWS API moto
    lacks; the client, HTTP and the preflight's code are the real ones."""
    from moto.servicequotas.models import ServiceQuotasBackend

    quota = {"value": 8.0}
    original = ServiceQuotasBackend.get_service_quota

    def get_service_quota(self: Any, service_code: str, quota_code: str) -> dict[str, Any]:
        if (service_code, quota_code) == ("ec2", GPU_QUOTA_CODE):
            return {"ServiceCode": "ec2", "QuotaCode": GPU_QUOTA_CODE, "QuotaName": "G and VT", "Value": quota["value"]}
        return original(self, service_code, quota_code)

    monkeypatch.setattr(ServiceQuotasBackend, "get_service_quota", get_service_quota)
    return quota


@pytest.fixture
def ready(moto: MotoServer, gpu_quota: dict[str, float]) -> MotoServer:
    """A staging account as the runbook leaves it before the first compute deploy: images pushed, every secret
    filled in, the certificate issued (imported here: ACM in moto issues requested ones only after a minute)."""
    config = _staging()
    ecr = _aws(moto, "ecr")
    for image in ("backend", "gpu-worker"):
        ecr.create_repository(repositoryName=f"filot-staging/{image}")
        ecr.put_image(repositoryName=f"filot-staging/{image}", imageManifest=MANIFEST, imageTag=TAG)
    secrets = _aws(moto, "secretsmanager")
    for name, fields in stage_secret_fields(https=config.https, pagerduty=config.pagerduty).items():
        secrets.create_secret(
            Name=f"filot-staging/{name}", SecretString=json.dumps(dict.fromkeys(fields, "v4lue-s3cret"))
        )
    certificate, key = _self_signed("api.staging.filot.id")
    arn = _aws(moto, "acm").import_certificate(Certificate=certificate, PrivateKey=key)["CertificateArn"]
    _aws(moto, "ssm").put_parameter(Name="/filot-staging/foundation/certificate-arn", Value=arn, Type="String")
    return moto


def test_a_ready_account_passes_every_check(ready: MotoServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(STAGING) == 0
    out = capsys.readouterr().out
    assert "0 failed: ready to deploy" in out
    for check in ("account", "image backend", "image gpu-worker", "secret database", "gpu quota", "certificate"):
        assert f"ok    {check}:" in out, check
    assert "v4lue-s3cret" not in out


def test_a_tag_never_pushed_fails_with_how_to_push_it(ready: MotoServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--stage", "staging", "--image-tag", "never-pushed", "-c", f"filot:account={ACCOUNT}"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  image backend: filot-staging/backend has no image tagged never-pushed" in out
    assert "fix: push it" in out


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("Xk2#random-placeholder", "filot-staging/database is not JSON"),
        ('["a"]', "filot-staging/database is JSON but not an object (list)"),
        ("{}", "filot-staging/database lacks url"),
        ('{"url": ""}', "filot-staging/database has empty url"),
    ],
)
def test_a_secret_not_filled_in_fails_naming_the_field_never_the_value(
    ready: MotoServer, capsys: pytest.CaptureFixture[str], value: str, problem: str
) -> None:
    _aws(ready, "secretsmanager").put_secret_value(SecretId="filot-staging/database", SecretString=value)
    assert main(STAGING) == 1
    out = capsys.readouterr().out
    assert f"FAIL  secret database: {problem}" in out
    assert "put-secret-value --secret-id filot-staging/database" in out
    assert "ok    secret redis:" in out  # the others are still checked
    assert "v4lue-s3cret" not in out and "random-placeholder" not in out


def test_a_gpu_quota_below_the_fleet_fails_with_the_increase_request(
    ready: MotoServer, gpu_quota: dict[str, float], capsys: pytest.CaptureFixture[str]
) -> None:
    gpu_quota["value"] = 0  # a new account's G-instance quota
    assert main(STAGING) == 1
    out = capsys.readouterr().out
    assert "FAIL  gpu quota: G-instance vCPU quota is 0; filot:gpuWorkerMax 1 x g4dn.xlarge (4 vCPUs) needs 4" in out
    assert f"--quota-code {GPU_QUOTA_CODE} --desired-value 4" in out


def test_a_certificate_pending_validation_fails_with_the_record_to_add(
    ready: MotoServer, capsys: pytest.CaptureFixture[str]
) -> None:
    acm = _aws(ready, "acm")
    arn = acm.request_certificate(DomainName="api.staging.filot.id", ValidationMethod="DNS")["CertificateArn"]
    _aws(ready, "ssm").put_parameter(
        Name="/filot-staging/foundation/certificate-arn", Value=arn, Type="String", Overwrite=True
    )
    assert main(STAGING) == 1
    out = capsys.readouterr().out
    assert "FAIL  certificate: the certificate for api.staging.filot.id is PENDING_VALIDATION" in out
    assert "add its validation record in Cloudflare" in out


def test_an_empty_account_says_to_deploy_the_foundation_first(
    moto: MotoServer, gpu_quota: dict[str, float], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(STAGING) == 1
    out = capsys.readouterr().out
    assert "repository filot-staging/backend does not exist" in out
    assert "filot-staging/database does not exist" in out
    assert "no certificate for api.staging.filot.id yet" in out
    assert out.count("deploy filot-staging-foundation first") >= 3


def test_credentials_of_another_account_are_refused(ready: MotoServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--stage", "staging", "--image-tag", TAG, "-c", "filot:account=111111111111"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL  account: staging is pinned to account 111111111111, these credentials are for {ACCOUNT}" in out


def test_an_unpinned_stage_is_refused(ready: MotoServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--stage", "staging", "--image-tag", TAG]) == 1
    assert "FAIL  account: filot:account is not set for staging" in capsys.readouterr().out


def test_a_bad_stage_config_exits_2_naming_the_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--stage", "Staging!"]) == 2
    assert "error: filot:stage is 'Staging!'" in capsys.readouterr().err


def test_json_findings_for_the_pipeline(ready: MotoServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*STAGING, "--json"]) == 0
    findings = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {finding["check"] for finding in findings} >= {"account", "gpu quota", "certificate"}
    assert all(finding["ok"] for finding in findings)


def _aws(moto: MotoServer, service: str) -> Any:
    """A client of the moto server in the stage's region (the fixture's default is us-east-1)."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=moto.endpoint_url,
        region_name=REGION,
        aws_access_key_id=moto.access_key_id,
        aws_secret_access_key=moto.secret_access_key,
    )


def _staging() -> StageConfig:
    from app import file_context

    return StageConfig.from_context({**file_context(), "filot:stage": "staging", "filot:account": ACCOUNT})


def _self_signed(domain: str) -> tuple[bytes, bytes]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return (
        certificate.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )
