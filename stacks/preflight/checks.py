"""The preflight checks, each a question to the account answered with what to do when the answer is no.

Each one names a failure a first deploy would otherwise meet halfway through CloudFormation: a task definition or
Lambda pointing at an image tag that was never pushed (CreateFunction fails, the compute stack rolls back), a
secret whose JSON lacks a field the tasks read (every task stops at start), too small a GPU quota (the fleet never
scales out), a certificate still waiting for its DNS record (the HTTPS listener cannot be created). The checks
read; they never write, and they never print a secret's value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError  # type: ignore[import-untyped,unused-ignore]

from stacks import parameters
from stacks.compute.gpu_capacity import INSTANCE_TYPE, INSTANCE_VCPUS
from stacks.config import StageConfig
from stacks.foundation.registry import IMAGE_NAMES
from stacks.foundation.secret_store import PAGERDUTY_SECRET, stage_secret_fields

# Service Quotas: EC2 "Running On-Demand G and VT instances", counted in vCPUs.
GPU_QUOTA_CODE = "L-DB2E81BA"


class Clients(Protocol):
    """boto3 clients by service name (a boto3 Session's ``client``)."""

    def __call__(self, service: str) -> Any: ...


@dataclass(frozen=True)
class Finding:
    """One check's answer: ``ok``, what was found, and (when not ok) what to do."""

    check: str
    ok: bool
    detail: str
    fix: str = ""


def run_checks(config: StageConfig, clients: Clients) -> list[Finding]:
    """Every check for the stage, each independent of the others (one failing does not hide the next)."""
    findings: list[Finding] = []
    for check in (check_account, check_images, check_secrets, check_gpu_quota, check_certificate):
        try:
            findings.extend(check(config, clients))
        except ClientError as error:
            findings.append(
                Finding(
                    check.__name__.removeprefix("check_"),
                    False,
                    f"could not check: {_error_code(error)}: {error.response.get('Error', {}).get('Message', '')}",
                    "give the deploying role read access to it (stacks/pipeline: the deploy role's policy)",
                )
            )
    return findings


def check_account(config: StageConfig, clients: Clients) -> Iterator[Finding]:
    caller = clients("sts").get_caller_identity()["Account"]
    if config.account is None:
        yield Finding(
            "account",
            False,
            f"filot:account is not set for {config.stage}; these credentials are for {caller}",
            f'pin it in cdk.json: "filot:stages": {{"{config.stage}": {{"filot:account": "<12 digits>"}}}}',
        )
    elif caller != config.account:
        yield Finding(
            "account",
            False,
            f"{config.stage} is pinned to account {config.account}, these credentials are for {caller}",
            "use the stage's deploy role (or profile), or correct filot:account",
        )
    else:
        yield Finding("account", True, f"credentials are for {caller}, the account {config.stage} is pinned to")


def check_images(config: StageConfig, clients: Clients) -> Iterator[Finding]:
    ecr = clients("ecr")
    for image in IMAGE_NAMES:
        repository = f"{config.name_prefix}/{image}"
        try:
            found = ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": config.image_tag}])
        except ClientError as error:
            code = _error_code(error)
            if code == "RepositoryNotFoundException":
                yield Finding(
                    f"image {image}",
                    False,
                    f"repository {repository} does not exist",
                    f"deploy {config.stack_name('foundation')} first (it creates the repositories)",
                )
                continue
            if code == "ImageNotFoundException":
                yield Finding(
                    f"image {image}",
                    False,
                    f"{repository} has no image tagged {config.image_tag}",
                    "push it (the pipeline's build job, or docs/infrastructure.md, 'Images by hand'), or deploy "
                    "a tag that exists: -c filot:imageTag=<tag>",
                )
                continue
            raise
        digest = found["imageDetails"][0].get("imageDigest", "?")
        yield Finding(f"image {image}", True, f"{repository}:{config.image_tag} is {digest}")


def check_secrets(config: StageConfig, clients: Clients) -> Iterator[Finding]:
    manager = clients("secretsmanager")
    for name, fields in stage_secret_fields(https=config.https, pagerduty=config.pagerduty).items():
        secret_id = f"{config.secret_prefix}{name}"
        put = (
            f"aws secretsmanager put-secret-value --secret-id {secret_id} --secret-string "
            f"'{json.dumps(dict.fromkeys(fields, '...'))}'"
        )
        try:
            text = manager.get_secret_value(SecretId=secret_id).get("SecretString")
        except ClientError as error:
            if _error_code(error) != "ResourceNotFoundException":
                raise
            yield Finding(
                f"secret {name}",
                False,
                f"{secret_id} does not exist",
                f"deploy {config.stack_name('foundation')} first (it creates the secrets)",
            )
            continue
        problem = _shape_problem(text, fields)
        if problem is None and name == PAGERDUTY_SECRET:
            problem = _pagerduty_problem(json.loads(text or "{}"))
        if problem is not None:
            yield Finding(f"secret {name}", False, f"{secret_id} {problem}", f"put every field: {put}")
        else:
            yield Finding(f"secret {name}", True, f"{secret_id} holds {', '.join(fields)}")


def check_gpu_quota(config: StageConfig, clients: Clients) -> Iterator[Finding]:
    needed = config.gpu_workers.maximum * INSTANCE_VCPUS
    quota = _gpu_quota(clients("service-quotas"))
    request = (
        "request an increase: aws service-quotas request-service-quota-increase --service-code ec2 "
        f"--quota-code {GPU_QUOTA_CODE} --desired-value {needed} --region {config.region} (days on a new "
        "account), or lower filot:gpuWorkerMax"
    )
    if quota is None:
        yield Finding("gpu quota", False, f"the account has no {GPU_QUOTA_CODE} quota in {config.region}", request)
    elif quota < needed:
        yield Finding(
            "gpu quota",
            False,
            f"G-instance vCPU quota is {quota:g}; filot:gpuWorkerMax {config.gpu_workers.maximum} x "
            f"{INSTANCE_TYPE} ({INSTANCE_VCPUS} vCPUs) needs {needed}",
            request,
        )
    else:
        yield Finding("gpu quota", True, f"G-instance vCPU quota {quota:g} covers {needed} ({INSTANCE_TYPE} x max)")


def check_certificate(config: StageConfig, clients: Clients) -> Iterator[Finding]:
    if not config.https:
        yield Finding("certificate", True, "no filot:domainName: the stage serves plain HTTP (a sandbox)")
        return
    arn = config.certificate_arn or _published_certificate(config, clients)
    if arn is None:
        yield Finding(
            "certificate",
            False,
            f"no certificate for {config.domain_name} yet",
            f"deploy {config.stack_name('foundation')} first (it requests the certificate)",
        )
        return
    domain = str(config.domain_name)
    certificate = clients("acm").describe_certificate(CertificateArn=arn)["Certificate"]
    status = certificate.get("Status")
    names = {certificate.get("DomainName"), *certificate.get("SubjectAlternativeNames", [])}
    if domain not in names and f"*.{domain.split('.', 1)[-1]}" not in names:
        yield Finding(
            "certificate",
            False,
            f"{arn} is for {', '.join(sorted(str(n) for n in names))}, not {config.domain_name}",
            "import a certificate for the domain (filot:certificateArn) or let the foundation request one",
        )
    elif status != "ISSUED":
        records = [
            option["ResourceRecord"]
            for option in certificate.get("DomainValidationOptions", [])
            if "ResourceRecord" in option
        ]
        add = "; ".join(f"{r['Type']} {r['Name']} -> {r['Value']}" for r in records) or "(not listed yet: retry)"
        yield Finding(
            "certificate",
            False,
            f"the certificate for {config.domain_name} is {status}",
            f"add its validation record in Cloudflare (DNS only, not proxied): {add}",
        )
    else:
        yield Finding("certificate", True, f"{config.domain_name}: {arn} is ISSUED")


def _published_certificate(config: StageConfig, clients: Clients) -> str | None:
    name = parameters.parameter_name(config.name_prefix, parameters.CERTIFICATE_ARN)
    try:
        return str(clients("ssm").get_parameter(Name=name)["Parameter"]["Value"])
    except ClientError as error:
        if _error_code(error) == "ParameterNotFound":
            return None
        raise


def _gpu_quota(quotas: Any) -> float | None:
    """The applied quota, or AWS's default where the account never changed it (GetServiceQuota then has none)."""
    reads: tuple[Callable[..., Any], ...] = (quotas.get_service_quota, quotas.get_aws_default_service_quota)
    for read in reads:
        try:
            return float(read(ServiceCode="ec2", QuotaCode=GPU_QUOTA_CODE)["Quota"]["Value"])
        except ClientError as error:
            if _error_code(error) != "NoSuchResourceException":
                raise
    return None


def _shape_problem(text: str | None, fields: tuple[str, ...]) -> str | None:
    """What is wrong with the secret's JSON, naming fields only (never a value)."""
    try:
        value = json.loads(text or "")
    except json.JSONDecodeError:
        return "is not JSON (a placeholder never filled in?)"
    if not isinstance(value, dict):
        return f"is JSON but not an object ({type(value).__name__})"
    missing = [field for field in fields if field not in value]
    empty = [field for field in fields if field in value and (not isinstance(value[field], str) or not value[field])]
    if missing or empty:
        parts = [f"lacks {', '.join(missing)}" if missing else "", f"has empty {', '.join(empty)}" if empty else ""]
        return " and ".join(part for part in parts if part)
    return None


def _pagerduty_problem(value: dict[str, Any]) -> str | None:
    url = str(value.get("url", ""))
    return None if url.startswith("https://") else "url must be PagerDuty's https:// integration URL"


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
