"""StageConfig: cdk.json context parses, and each bad value is refused with a message naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stacks.alarm_thresholds import DEFAULT_THRESHOLDS
from stacks.config import (
    ACCOUNT_KEY,
    ALARMS_KEY,
    API_ON_LAMBDA_KEY,
    AZS_KEY,
    BACKEND_MAX_KEY,
    BACKEND_MIN_KEY,
    CERTIFICATE_KEY,
    CLOUDFLARE_RANGES_KEY,
    CPU_MAX_KEY,
    DELETION_PROTECTION_KEY,
    DOMAIN_KEY,
    ENVIRONMENT_KEY,
    GITHUB_REPOSITORY_KEY,
    GPU_MAX_KEY,
    GPU_MIN_KEY,
    GPU_WARM_HOURS_KEY,
    IMAGE_TAG_KEY,
    KEEP_IMAGES_KEY,
    LOG_RETENTION_DAYS_KEY,
    NAT_GATEWAYS_KEY,
    PAGERDUTY_KEY,
    REGION_KEY,
    SCALING_KEY,
    STAGE_KEY,
    STAGES_KEY,
    STORAGE_URL_KEY,
    WEB_CERTIFICATE_KEY,
    WEB_DOMAIN_KEY,
    WEB_OIDC_KEY,
    BacklogTargets,
    ScalingRange,
    StageConfig,
    WebOidc,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
# The workers' scaling targets have no defaults: every context names them (cdk.json does, from the capacity model).
SCALING = {SCALING_KEY: {"gpuBacklogPerWorker": 1000, "cpuBacklogPerWorker": 260}}
BACKLOG = BacklogTargets(gpu_per_worker=1000, cpu_per_worker=260)
RANGES = ["173.245.48.0/20", "103.21.244.0/22"]
CERT = "arn:aws:acm:ap-southeast-2:123456789012:certificate/0b5ae7c4-6d3b-4a47-9a30-8e1d3c2f4a11"
WEB_CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0b5ae7c4-6d3b-4a47-9a30-8e1d3c2f4a11"


def test_cdk_json_context_is_production_in_sydney() -> None:
    context = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    config = StageConfig.from_context(context)
    assert (config.stage, config.region, config.account) == ("production", "ap-southeast-2", None)
    assert config.zones == ("ap-southeast-2a", "ap-southeast-2b")
    assert config.stack_name("foundation") == "filot-production-foundation"
    assert config.name_prefix == "filot-production"
    assert (config.backend, config.gpu_workers) == (
        ScalingRange(minimum=2, maximum=6),
        ScalingRange(minimum=0, maximum=4),
    )
    assert config.api_on_lambda is False
    # production's block in filot:stages: HTTPS on its domain, PagerDuty on; the account pinned by the operator.
    assert (config.https, config.domain_name, config.pagerduty) == (True, "api.filot.id", True)
    assert config.deletion_protection is True
    assert config.backlog == BacklogTargets(
        gpu_per_worker=context[SCALING_KEY]["gpuBacklogPerWorker"],
        cpu_per_worker=context[SCALING_KEY]["cpuBacklogPerWorker"],
    )


def test_defaults_apply_when_only_the_stage_is_given() -> None:
    config = StageConfig.from_context({STAGE_KEY: "staging", **SCALING})
    assert (config.region, config.account, config.log_retention_days, config.keep_images) == (
        "ap-southeast-2",
        None,
        30,
        20,
    )
    assert config.zones == ("ap-southeast-2a", "ap-southeast-2b")
    assert config.nat_gateways == 1
    assert config.image_tag == "0.1.0"
    assert config.storage == "s3://filot-staging-documents"
    assert (config.domain_name, config.certificate_arn, config.pagerduty) == (None, None, False)
    assert (config.cloudflare_ranges, config.github_repository, config.deletion_protection) == ((), None, True)
    assert config.backend.minimum >= 1
    assert config.gpu_workers.minimum == 0  # the GPU worker may idle at zero
    assert dict(config.environment) == {}


def test_command_line_strings_are_accepted() -> None:
    # `cdk synth -c key=value` hands every value over as a string; lists and objects as JSON text.
    config = StageConfig.from_context(
        {
            STAGE_KEY: "dev-ana2",
            REGION_KEY: "us-gov-west-1",
            ACCOUNT_KEY: "012345678901",
            AZS_KEY: '["us-gov-west-1a", "us-gov-west-1c"]',
            NAT_GATEWAYS_KEY: "2",
            LOG_RETENTION_DAYS_KEY: "365",
            KEEP_IMAGES_KEY: "5",
            API_ON_LAMBDA_KEY: "true",
            GPU_MIN_KEY: "1",
            GPU_MAX_KEY: "3",
            GPU_WARM_HOURS_KEY: "0-14",
            ENVIRONMENT_KEY: '{"FILOT_APPROVE_AT": "90"}',
            SCALING_KEY: '{"gpuBacklogPerWorker": 500, "cpuBacklogPerWorker": 40}',
        }
    )
    assert config == StageConfig(
        stage="dev-ana2",
        region="us-gov-west-1",
        account="012345678901",
        availability_zones=("us-gov-west-1a", "us-gov-west-1c"),
        nat_gateways=2,
        log_retention_days=365,
        keep_images=5,
        api_on_lambda=True,
        gpu_workers=ScalingRange(minimum=1, maximum=3),
        gpu_warm_hours_utc=(0, 14),
        environment={"FILOT_APPROVE_AT": "90"},
        backlog=BacklogTargets(gpu_per_worker=500, cpu_per_worker=40),
    )


def test_a_domain_means_https_with_an_imported_or_requested_certificate() -> None:
    base = {STAGE_KEY: "production", DOMAIN_KEY: "api.filot.example", CLOUDFLARE_RANGES_KEY: RANGES, **SCALING}
    imported = StageConfig.from_context({**base, CERTIFICATE_KEY: CERT})
    assert imported.https
    assert imported.certificate_arn == CERT
    requested = StageConfig.from_context(base)
    assert requested.https
    assert requested.certificate_arn is None


def test_a_stage_block_lays_its_values_over_the_top_level() -> None:
    context = {
        **P,
        IMAGE_TAG_KEY: "abc123",
        BACKEND_MIN_KEY: 2,
        STAGES_KEY: {
            "staging": {ACCOUNT_KEY: "111111111111", BACKEND_MIN_KEY: 1},
            "production": {ACCOUNT_KEY: None, DOMAIN_KEY: "api.filot.example", CLOUDFLARE_RANGES_KEY: RANGES},
        },
    }
    staging = StageConfig.from_context({**context, STAGE_KEY: "staging"})
    assert (staging.account, staging.backend.minimum, staging.image_tag, staging.https) == (
        "111111111111",
        1,
        "abc123",
        False,
    )
    # null in a block is "not pinned yet": the top level (or `-c filot:account=...`) shows through.
    production = StageConfig.from_context({**context, STAGE_KEY: "production", ACCOUNT_KEY: "222222222222"})
    assert (production.account, production.backend.minimum, production.domain_name) == (
        "222222222222",
        2,
        "api.filot.example",
    )
    # From the command line the blocks arrive as JSON text.
    assert (
        StageConfig.from_context({**context, STAGE_KEY: "staging", STAGES_KEY: json.dumps(context[STAGES_KEY])})
        == staging
    )


def test_cdk_json_describes_staging_beside_production() -> None:
    context = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    staging = StageConfig.from_context({**context, STAGE_KEY: "staging"})
    assert staging.domain_name == "api.staging.filot.id"
    assert staging.backend.minimum == 1
    assert staging.pagerduty is False


def test_cdk_json_serves_the_web_app_beside_each_api_with_sign_in_left_to_the_operator() -> None:
    context = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    production = StageConfig.from_context(context)
    staging = StageConfig.from_context({**context, STAGE_KEY: "staging"})
    assert (production.web_domain_name, production.web_origin) == ("app.filot.id", "https://app.filot.id")
    assert staging.web_domain_name == "app.staging.filot.id"
    # The identity provider's values are not known yet: null, and the web deploy refuses (test_web_config.py).
    assert production.web_oidc is None and staging.web_oidc is None
    assert production.web_certificate_arn is None  # requested by the web stack
    # A stage without a block (a sandbox) has no web app.
    assert StageConfig.from_context({**context, STAGE_KEY: "sandbox-ana"}).web_domain_name is None


def test_the_web_sign_in_is_read_from_json_and_its_origin_is_the_authoritys() -> None:
    base = {**P, DOMAIN_KEY: "api.filot.example", CLOUDFLARE_RANGES_KEY: RANGES, WEB_DOMAIN_KEY: "app.filot.example"}
    oidc = {"authority": "https://id.filot.example:8443/realms/filot", "clientId": "filot-web"}
    for given in (oidc, json.dumps(oidc)):  # cdk.json, or `-c` as JSON text
        config = StageConfig.from_context({**base, WEB_OIDC_KEY: given, WEB_CERTIFICATE_KEY: WEB_CERT})
        assert config.web_oidc == WebOidc(authority=oidc["authority"], client_id="filot-web")
        assert config.web_oidc.origin == "https://id.filot.example:8443"
        assert config.web_certificate_arn == WEB_CERT


def test_unrelated_context_keys_are_ignored() -> None:
    config = StageConfig.from_context({STAGE_KEY: "production", "@aws-cdk/core:checkSecretUsage": True, **SCALING})
    assert config.stage == "production"


def test_config_is_frozen() -> None:
    config = StageConfig(stage="production", backlog=BACKLOG)
    with pytest.raises(AttributeError):
        config.stage = "other"  # type: ignore[misc]


P = {STAGE_KEY: "production", **SCALING}
API = {DOMAIN_KEY: "api.filot.example", CLOUDFLARE_RANGES_KEY: RANGES}
WEB = {**API, WEB_DOMAIN_KEY: "app.filot.example"}


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({}, r"filot:stage is missing"),
        ({STAGE_KEY: ""}, r"filot:stage is missing"),
        ({**P, STAGE_KEY: "Production"}, r"filot:stage is 'Production': it must match"),
        ({**P, STAGE_KEY: "1prod"}, r"filot:stage is '1prod'"),
        ({**P, STAGE_KEY: "p"}, r"filot:stage is 'p'"),
        ({**P, STAGE_KEY: "a" * 22}, r"filot:stage is 'a{22}'"),
        ({**P, STAGE_KEY: "prod_1"}, r"filot:stage is 'prod_1'"),
        ({**P, STAGE_KEY: "prod\n"}, r"filot:stage is 'prod\\n'"),
        ({**P, STAGE_KEY: 7}, r"filot:stage is 7 \(int\): it must be a string"),
        # Unknown regions: not a region code at all, or a well-formed code AWS does not have.
        ({**P, REGION_KEY: "sydney"}, r"filot:region is 'sydney': it must be a known AWS region"),
        ({**P, REGION_KEY: "AP-SOUTHEAST-2"}, r"filot:region is 'AP-SOUTHEAST-2'"),
        ({**P, REGION_KEY: "ap-southeast"}, r"filot:region is 'ap-southeast'"),
        ({**P, REGION_KEY: "ap-southeast-9"}, r"filot:region is 'ap-southeast-9': it must be a known AWS region"),
        ({**P, REGION_KEY: "mars-north-1"}, r"filot:region is 'mars-north-1'"),
        # Malformed accounts.
        ({**P, ACCOUNT_KEY: "12345"}, r"filot:account is '12345': it must be a 12-digit"),
        ({**P, ACCOUNT_KEY: "1234567890123"}, r"filot:account is '1234567890123'"),
        ({**P, ACCOUNT_KEY: "12345678901a"}, r"filot:account is '12345678901a'"),
        ({**P, ACCOUNT_KEY: 123456789012}, r"filot:account is 123456789012 \(int\)"),
        # Zones and NAT gateways.
        (
            {**P, AZS_KEY: ["ap-southeast-2a"]},
            r"filot:availabilityZones is \['ap-southeast-2a'\]: it must name at least two",
        ),
        ({**P, AZS_KEY: ["ap-southeast-2a", "ap-southeast-2a"]}, r"at least two different"),
        (
            {**P, AZS_KEY: ["ap-southeast-2a", "us-east-1a"]},
            r"filot:availabilityZones is 'us-east-1a': every zone must be in ap-southeast-2",
        ),
        ({**P, AZS_KEY: "ap-southeast-2a"}, r"filot:availabilityZones is 'ap-southeast-2a': it must be JSON"),
        ({**P, AZS_KEY: {"a": 1}}, r"it must be a list of zone names"),
        (
            {**P, NAT_GATEWAYS_KEY: 0},
            r"filot:natGateways is 0: it must be a whole number from 1 to the number of zones \(2\)",
        ),
        ({**P, NAT_GATEWAYS_KEY: 3}, r"filot:natGateways is 3"),
        # Logs and images.
        ({**P, LOG_RETENTION_DAYS_KEY: 31}, r"filot:logRetentionDays is 31: CloudWatch"),
        ({**P, LOG_RETENTION_DAYS_KEY: "a month"}, r"filot:logRetentionDays is 'a month'"),
        ({**P, LOG_RETENTION_DAYS_KEY: True}, r"filot:logRetentionDays is True"),
        ({**P, KEEP_IMAGES_KEY: 0}, r"filot:keepImages is 0: it must be a whole number"),
        ({**P, KEEP_IMAGES_KEY: 1001}, r"filot:keepImages is 1001"),
        ({**P, KEEP_IMAGES_KEY: 2.5}, r"filot:keepImages is 2.5"),
        ({**P, IMAGE_TAG_KEY: "latest:1"}, r"filot:imageTag is 'latest:1': it must be an ECR image tag"),
        ({**P, IMAGE_TAG_KEY: "-dash"}, r"filot:imageTag is '-dash'"),
        # Endpoints.
        (
            {**P, DOMAIN_KEY: "API.filot.example"},
            r"filot:domainName is 'API.filot.example': it must be a lowercase DNS",
        ),
        ({**P, DOMAIN_KEY: "localhost"}, r"filot:domainName is 'localhost'"),
        ({**P, CERTIFICATE_KEY: CERT}, r"filot:certificateArn is .*: a certificate needs filot:domainName"),
        (
            {
                **P,
                DOMAIN_KEY: "api.filot.example",
                CERTIFICATE_KEY: "arn:aws:acm:us-east-1:123456789012:certificate/0b5ae7c4-6d3b-4a47-9a30-8e1d3c2f4a11",
            },
            r"the load balancer needs a certificate from its own region, ap-southeast-2",
        ),
        (
            {**P, DOMAIN_KEY: "api.filot.example", CERTIFICATE_KEY: "my-cert"},
            r"filot:certificateArn is 'my-cert': it must be an ACM",
        ),
        ({**P, PAGERDUTY_KEY: "https://events.pagerduty.com/x"}, r"filot:pagerDuty is 'https://events\.pagerduty"),
        (
            {**P, "filot:pagerDutyEndpoint": "https://events.pagerduty.com/integration/s3cr3t/enqueue"},
            r"filot:pagerDutyEndpoint is no longer read: .* put it in the secret filot-<stage>/pagerduty",
        ),
        ({**P, DOMAIN_KEY: "api.filot.example"}, r"filot:cloudflareIpv4Ranges is \[\]: a stage with filot:domainName"),
        (
            {**P, DOMAIN_KEY: "api.filot.example", CLOUDFLARE_RANGES_KEY: ["0.0.0.0/0", "10.0.0.1/8"]},
            r"filot:cloudflareIpv4Ranges is '10.0.0.1/8': every entry must be an IPv4 CIDR block",
        ),
        ({**P, CLOUDFLARE_RANGES_KEY: "173.245.48.0/20"}, r"filot:cloudflareIpv4Ranges is .*: it must be JSON"),
        ({**P, GITHUB_REPOSITORY_KEY: "filot"}, r'filot:githubRepository is \'filot\': it must be "owner/name"'),
        ({**P, DELETION_PROTECTION_KEY: "no"}, r"filot:deletionProtection is 'no': it must be true or false"),
        ({**P, STAGES_KEY: ["staging"]}, r"filot:stages is \['staging'\]: it must be an object"),
        ({**P, STAGES_KEY: {"staging": {STAGE_KEY: "x"}}}, r"filot:stages.staging sets 'filot:stage'"),
        ({**P, STAGES_KEY: {"staging": {"filot:colour": 1}}}, r"filot:stages.staging sets 'filot:colour'"),
        ({**P, STORAGE_URL_KEY: "file://./var"}, r"filot:storageUrl is 'file://./var': it must be s3://"),
        ({**P, API_ON_LAMBDA_KEY: "yes"}, r"filot:apiOnLambda is 'yes': it must be true or false"),
        # Plain environment: FILOT_* names, string values, never a secret or a derived setting.
        ({**P, ENVIRONMENT_KEY: {"APPROVE_AT": "85"}}, r"filot:environment is 'APPROVE_AT': every name must match"),
        (
            {**P, ENVIRONMENT_KEY: {"FILOT_DATABASE_URL": "postgresql://u:p@h/db"}},
            r"filot:environment is 'FILOT_DATABASE_URL': the stacks set this one",
        ),
        ({**P, ENVIRONMENT_KEY: {"FILOT_STAGE": "x"}}, r"filot:environment is 'FILOT_STAGE'"),
        (
            {**P, ENVIRONMENT_KEY: {"FILOT_APPROVE_AT": 85}},
            r"filot:environment is 'FILOT_APPROVE_AT=85': every value must be a string",
        ),
        (
            {**P, ENVIRONMENT_KEY: ["FILOT_APPROVE_AT"]},
            r"filot:environment is \['FILOT_APPROVE_AT'\]: it must be an object",
        ),
        # Scaling ranges: min above max, out of range, the API never at zero.
        ({**P, GPU_MIN_KEY: 3, GPU_MAX_KEY: 2}, r"filot:gpuWorkerMin \(3\) is greater than filot:gpuWorkerMax \(2\)"),
        ({**P, BACKEND_MIN_KEY: 7}, r"filot:backendMin \(7\) is greater than filot:backendMax \(6\)"),
        ({**P, BACKEND_MIN_KEY: 0}, r"filot:backendMin is 0: it must be a whole number from 1"),
        ({**P, BACKEND_MAX_KEY: 101}, r"filot:backendMax is 101: it must be a whole number from 1 to 100"),
        ({**P, CPU_MAX_KEY: 0}, r"filot:cpuWorkerMax is 0"),
        ({**P, GPU_MIN_KEY: -1}, r"filot:gpuWorkerMin is -1"),
        ({**P, GPU_MAX_KEY: "four"}, r"filot:gpuWorkerMax is 'four': it must be a whole number"),
        ({**P, "filot:stag": "x"}, r"unknown context key\(s\) filot:stag; known keys are"),
        # The workers' scaling targets: present, an object of exactly two whole numbers from 1.
        ({STAGE_KEY: "production"}, r"filot:scaling is missing: .*python -m devtools.capacity"),
        ({**P, SCALING_KEY: None}, r"filot:scaling is missing"),
        ({**P, SCALING_KEY: [1000, 260]}, r"filot:scaling is \[1000, 260\]: it must be an object with"),
        ({**P, SCALING_KEY: "{gpu: 1}"}, r"filot:scaling is '\{gpu: 1\}': it must be JSON"),
        (
            {**P, SCALING_KEY: {"gpuBacklogPerWorker": 1000}},
            r"filot:scaling.cpuBacklogPerWorker is missing",
        ),
        (
            {**P, SCALING_KEY: {"gpuBacklogPerWorker": 1000, "cpuBacklogPerWorker": 260, "gpuBacklog": 5}},
            r"filot:scaling has unknown field\(s\) gpuBacklog; its fields are gpuBacklogPerWorker, cpuBacklogPerWorker",
        ),
        *(
            (
                {**P, SCALING_KEY: {"gpuBacklogPerWorker": bad, "cpuBacklogPerWorker": 260}},
                rf"filot:scaling.gpuBacklogPerWorker is {shown}: it must be a whole number of documents from 1",
            )
            for bad, shown in (
                (0, "0"),
                (-5, "-5"),
                (2.5, "2.5"),
                ("300", "'300'"),
                (True, "True"),
                (10**7, "10000000"),
            )
        ),
        (
            {**P, SCALING_KEY: {"gpuBacklogPerWorker": 1000, "cpuBacklogPerWorker": None}},
            r"filot:scaling.cpuBacklogPerWorker is None",
        ),
        # Alarm thresholds: known alarm names, positive numbers, percentages at most 100.
        (
            {**P, ALARMS_KEY: {"gpu-queue-backlogg": 10}},
            r"filot:alarms names unknown alarm\(s\) gpu-queue-backlogg; the alarms with a threshold are .*dead-letters",
        ),
        (
            {**P, ALARMS_KEY: {"circuit-breaker-open": 1}},
            r"filot:alarms names unknown alarm\(s\) circuit-breaker-open",
        ),
        (
            {**P, ALARMS_KEY: {"dead-letters": 0}},
            (
                r"filot:alarms is \{'dead-letters': 0\}: dead-letters \(documents failed after every attempt\) must "
                r"be a number above 0"
            ),
        ),
        ({**P, ALARMS_KEY: {"http-latency": -5}}, r"filot:alarms is \{'http-latency': -5\}: .* above 0"),
        ({**P, ALARMS_KEY: {"http-latency": "2000"}}, r"filot:alarms is \{'http-latency': '2000'\}: .* above 0"),
        ({**P, ALARMS_KEY: {"http-latency": True}}, r"filot:alarms is \{'http-latency': True\}"),
        ({**P, ALARMS_KEY: {"http-latency": float("nan")}}, r"filot:alarms is \{'http-latency': nan\}"),
        ({**P, ALARMS_KEY: {"http-5xx-rate": 150}}, r"http-5xx-rate \(percent of .*\) must be at most 100"),
        ({**P, ALARMS_KEY: [10]}, r"filot:alarms is \[10\]: it must be an object of alarm names to thresholds"),
        ({**P, ALARMS_KEY: "{dead-letters: 1}"}, r"filot:alarms is '\{dead-letters: 1\}': it must be JSON"),
        ({**P, GPU_WARM_HOURS_KEY: "7am-9pm"}, r'filot:gpuWarmHoursUtc is \'7am-9pm\': it must be "from-until"'),
        ({**P, GPU_WARM_HOURS_KEY: "0-24"}, r"filot:gpuWarmHoursUtc is \(0, 24\): it must be two different hours"),
        ({**P, GPU_WARM_HOURS_KEY: "5-5"}, r"filot:gpuWarmHoursUtc is \(5, 5\)"),
        ({**P, GPU_WARM_HOURS_KEY: 7}, r"filot:gpuWarmHoursUtc is 7 \(int\): it must be a string"),
        # The web app: a name of its own beside an HTTPS API, a us-east-1 certificate, a complete sign-in.
        ({**P, **API, WEB_DOMAIN_KEY: "App.filot.example"}, r"filot:webDomainName is 'App.filot.example': it must"),
        ({**P, WEB_DOMAIN_KEY: "app.filot.example"}, r"filot:webDomainName is .*: the web app needs the API on HTTPS"),
        ({**P, **API, WEB_DOMAIN_KEY: "api.filot.example"}, r"the web app needs the API on HTTPS under another name"),
        (
            {**P, **WEB, WEB_CERTIFICATE_KEY: CERT},
            r"filot:webCertificateArn is .*: CloudFront reads certificates from us-east-1",
        ),
        ({**P, **WEB, WEB_CERTIFICATE_KEY: "cert"}, r"filot:webCertificateArn is 'cert': it must be an ACM"),
        ({**P, **API, WEB_CERTIFICATE_KEY: WEB_CERT}, r"a certificate needs filot:webDomainName"),
        (
            {**P, **WEB, WEB_OIDC_KEY: "https://id.filot.example"},
            r"filot:webOidc is 'https://id.filot.example': it must be JSON",
        ),
        ({**P, **WEB, WEB_OIDC_KEY: ["https://id.filot.example"]}, r"filot:webOidc is \[.*\]: it must be an object"),
        ({**P, **WEB, WEB_OIDC_KEY: {"authority": "https://id.x"}}, r"filot:webOidc.clientId is missing"),
        (
            {**P, **WEB, WEB_OIDC_KEY: {"authority": "https://id.x", "clientId": "w", "secret": "s"}},
            r"filot:webOidc has unknown field\(s\) secret; its fields are authority, clientId",
        ),
        *(
            (
                {**P, **WEB, WEB_OIDC_KEY: {"authority": bad, "clientId": "filot-web"}},
                r"filot:webOidc.authority is .*: it must be the identity provider's issuer as an https:// URL",
            )
            for bad in ("http://id.filot.example", "https://id.filot.example/?a=1", "https://", "https://u:p@id.x", 7)
        ),
        (
            {**P, **WEB, WEB_OIDC_KEY: {"authority": "https://id.x", "clientId": "has space"}},
            r"filot:webOidc.clientId is 'has space': it must be the web app's public client id",
        ),
    ],
)
def test_bad_context_is_refused_with_a_clear_message(context: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StageConfig.from_context(context)


def test_the_retired_pagerduty_url_is_never_echoed() -> None:
    with pytest.raises(ValueError) as raised:
        StageConfig.from_context({**P, "filot:pagerDutyEndpoint": "https://events.pagerduty.com/integration/s3cr3t/x"})
    assert "s3cr3t" not in str(raised.value)


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(ValueError, match=r"filot:region is 'mars-1'"):
        StageConfig(stage="production", region="mars-1", backlog=BACKLOG)
    with pytest.raises(ValueError, match=r"filot:cpuWorkerMin \(2\) is greater than filot:cpuWorkerMax \(1\)"):
        StageConfig(stage="production", cpu_workers=ScalingRange(minimum=2, maximum=1), backlog=BACKLOG)
    with pytest.raises(ValueError, match=r"filot:scaling.cpuBacklogPerWorker is 0"):
        StageConfig(stage="production", backlog=BacklogTargets(gpu_per_worker=10, cpu_per_worker=0))


def test_alarm_thresholds_default_and_override_one_by_one() -> None:
    assert StageConfig(stage="production", backlog=BACKLOG).alarm_thresholds == DEFAULT_THRESHOLDS
    config = StageConfig.from_context({**P, ALARMS_KEY: '{"dead-letters": 3, "ocr-failure-rate": 2.5}'})
    assert dict(config.alarms) == {"dead-letters": 3, "ocr-failure-rate": 2.5}
    assert config.alarm_thresholds == {**DEFAULT_THRESHOLDS, "dead-letters": 3, "ocr-failure-rate": 2.5}


def test_cdk_json_lists_every_tunable_alarm() -> None:
    context = json.loads((REPO_ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    assert set(context[ALARMS_KEY]) == set(DEFAULT_THRESHOLDS)
    assert StageConfig.from_context(context).alarm_thresholds == context[ALARMS_KEY]
